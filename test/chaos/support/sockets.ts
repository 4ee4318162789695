import type { NotificationMessage } from "@herald/contract";
import { eventually, RecordingClient } from "../../support/clients";
import { userToken } from "../../support/tokens";

/**
 * One live socket per user, spread round-robin over the gateways, opened
 * `concurrency` at a time (a thousand handshakes at once would measure the
 * handshake storm, not the scenario).
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
      const client = new RecordingClient(gatewayUrls[i % gatewayUrls.length]!, userToken(user));
      clients.set(user, client);
      await client.connected();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  // Connected is not caught up: live pushes are held until the (empty) catch-up is done.
  await eventually(
    () => ([...clients.values()].every((c) => c.named("caught_up").length > 0) ? true : undefined),
    30_000,
    "sockets caught up",
  );
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
