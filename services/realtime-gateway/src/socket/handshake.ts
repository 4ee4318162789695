import { CATCH_UP_WINDOW } from "@herald/contract";

/** What a socket's handshake `auth` object (the contract's SocketAuth) carries, checked. */
export type HandshakeAuth =
  | {
      readonly ok: true;
      readonly token: string | undefined;
      readonly lastNotificationId: bigint | undefined;
      /** Ids at or below the cursor the client has (see SocketAuth); undefined when it sent none. */
      readonly seenIds?: readonly number[];
    }
  | { readonly ok: false; readonly message: string };

const DIGITS = /^\d{1,16}$/;

/**
 * A notification id as a client may send it: a non-negative safe integer, as
 * a number or a string of digits. Ids reach clients as JSON numbers, so one
 * beyond 2^53 - 1 cannot be a cursor a client was given; accepting it would
 * have the gateway echo it back rounded, in `caught_up`.
 */
function notificationId(raw: unknown): bigint | undefined {
  const n = typeof raw === "number" ? raw : typeof raw === "string" && DIGITS.test(raw) ? Number(raw) : Number.NaN;
  return Number.isSafeInteger(n) && n >= 0 ? BigInt(n) : undefined;
}

/**
 * Reads `{ token, lastNotificationId?, seenIds? }`. The id may be a number or
 * a string of digits (clients that keep ids as strings); null means none.
 * `seenIds` is a list of at most CATCH_UP_WINDOW such ids and needs a
 * `lastNotificationId`. Anything else is refused rather than ignored, so a
 * client bug that would silently skip catch-up shows up at once.
 */
export function parseHandshakeAuth(auth: unknown): HandshakeAuth {
  const fields = typeof auth === "object" && auth !== null ? (auth as Record<string, unknown>) : {};
  const token = typeof fields.token === "string" && fields.token !== "" ? fields.token : undefined;
  const raw = fields.lastNotificationId;
  const rawSeen = fields.seenIds;
  if (raw === undefined || raw === null) {
    if (rawSeen !== undefined && rawSeen !== null) return { ok: false, message: "seenIds needs a lastNotificationId" };
    return { ok: true, token, lastNotificationId: undefined };
  }
  const lastNotificationId = notificationId(raw);
  if (lastNotificationId === undefined) {
    return { ok: false, message: `lastNotificationId must be a non-negative integer id of at most ${Number.MAX_SAFE_INTEGER}` };
  }
  if (rawSeen === undefined || rawSeen === null) return { ok: true, token, lastNotificationId };
  const seen = Array.isArray(rawSeen) && rawSeen.length <= CATCH_UP_WINDOW ? rawSeen.map(notificationId) : undefined;
  if (seen === undefined || seen.some((id) => id === undefined)) {
    return { ok: false, message: `seenIds must be a list of at most ${CATCH_UP_WINDOW} notification ids` };
  }
  return { ok: true, token, lastNotificationId, seenIds: seen.map(Number) };
}
