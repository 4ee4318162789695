import type { NotificationMessage } from "@herald/contract";
import { RecordingClient } from "../../support/clients";
import { userToken } from "../../support/tokens";

const ATTEMPTS = 5;

/** Resolves true once `client` has caught up, false if it was refused or dropped before (or after `timeoutMs`). */
function caughtUp(client: RecordingClient, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (client.named("caught_up").length > 0) return resolve(true);
    const timer = setTimeout(() => resolve(false), timeoutMs);
    const done = (ok: boolean) => () => {
      clearTimeout(timer);
      resolve(ok);
    };
    client.socket.once("caught_up", done(true));
    client.socket.once("connect_error", done(false));
    client.socket.once("disconnect", done(false));
  });
}

/**
 * One live socket per user, spread round-robin over the gateways, opened
 * `concurrency` at a time (a thousand handshakes at once would measure the
 * handshake storm, not the scenario). Live means caught up: until then the
 * gateway holds live pushes. A socket refused or dropped on the way (a
 * gateway answering `catch_up_failed` under load) is opened again, as a
 * client would.
 */
export async function connectUsers(
  gatewayUrls: readonly string[],
  users: readonly string[],
  concurrency = 100,
): Promise<Map<string, RecordingClient>> {
  const clients = new Map<string, RecordingClient>();
  let next = 0;
  const lane = async () => {
    while (next < users.length) {
      const i = next++;
      const user = users[i]!;
      for (let attempt = 1; ; attempt++) {
        const client = new RecordingClient(gatewayUrls[i % gatewayUrls.length]!, userToken(user));
        if (await caughtUp(client, 30_000)) {
          clients.set(user, client);
          break;
        }
        client.close();
        if (attempt === ATTEMPTS) throw new Error(`${user} could not connect in ${ATTEMPTS} attempts: ${JSON.stringify(client.events)}`);
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return clients;
}

export function receivedBy(
  clients: ReadonlyMap<string, { readonly notifications: NotificationMessage[] }>,
): Map<string, NotificationMessage[]> {
  return new Map([...clients].map(([user, client]) => [user, client.notifications]));
}

export function closeAll(clients: Iterable<{ close(): void }>): void {
  for (const client of clients) client.close();
}
