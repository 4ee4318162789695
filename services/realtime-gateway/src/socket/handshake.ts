/** What a socket's handshake `auth` object carries, checked. */
export type HandshakeAuth =
  | { readonly ok: true; readonly token: string | undefined; readonly lastNotificationId: bigint | undefined }
  | { readonly ok: false; readonly message: string };

const ID = /^\d{1,18}$/;

/**
 * Reads `{ token, lastNotificationId? }`. The id may be a number or a string
 * of digits (clients that keep ids as strings); null means none. Anything
 * else is refused rather than ignored, so a client bug that would silently
 * skip catch-up shows up at once.
 */
export function parseHandshakeAuth(auth: unknown): HandshakeAuth {
  const fields = typeof auth === "object" && auth !== null ? (auth as Record<string, unknown>) : {};
  const token = typeof fields.token === "string" && fields.token !== "" ? fields.token : undefined;
  const raw = fields.lastNotificationId;
  if (raw === undefined || raw === null) return { ok: true, token, lastNotificationId: undefined };
  if (typeof raw === "number" && Number.isSafeInteger(raw) && raw >= 0) return { ok: true, token, lastNotificationId: BigInt(raw) };
  if (typeof raw === "string" && ID.test(raw)) return { ok: true, token, lastNotificationId: BigInt(raw) };
  return { ok: false, message: "lastNotificationId must be a non-negative integer id" };
}
