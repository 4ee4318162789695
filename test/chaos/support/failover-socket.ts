import type { CaughtUpMessage, NotificationMessage } from "@herald/contract";
import { RecordingClient } from "../../support/clients";

/**
 * One user's socket that, when its gateway goes away, connects to the next
 * gateway with `lastNotificationId` (the newest id it received, or the cursor
 * `caught_up` gave it), as the contract tells clients to. It is made of raw
 * RecordingClients and de-duplicates nothing, so every repeat and every gap
 * the servers produce shows up in `notifications`.
 */
export class FailoverSocket {
  readonly connections: RecordingClient[] = [];
  private cursor: number | null = null;
  private closed = false;
  private index: number;
  /** Connections that failed or were refused before being accepted. */
  refusals = 0;

  constructor(
    private readonly urls: readonly string[],
    private readonly token: string,
    first = 0,
  ) {
    this.index = first % urls.length;
    this.open();
  }

  /** Every notification received, over every connection, in arrival order. */
  get notifications(): NotificationMessage[] {
    return this.connections.flatMap((c) => c.notifications);
  }

  get caughtUp(): CaughtUpMessage[] {
    return this.connections.flatMap((c) => c.named("caught_up") as CaughtUpMessage[]);
  }

  /** Connections that went live (were accepted and caught up). */
  get sessions(): number {
    return this.connections.filter((c) => c.named("caught_up").length > 0).length;
  }

  get url(): string {
    return this.urls[this.index]!;
  }

  /** Resolves once the current connection has caught up. */
  async ready(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.connections.at(-1)?.named("caught_up").length !== 1) {
      if (Date.now() > deadline) throw new Error(`socket not caught up on ${this.url}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  close(): void {
    this.closed = true;
    this.connections.at(-1)?.close();
  }

  private open(): void {
    const auth = this.cursor === null ? {} : { lastNotificationId: this.cursor };
    const client = new RecordingClient(this.url, this.token, auth);
    this.connections.push(client);
    client.socket.on("notification", (n: NotificationMessage) => (this.cursor = Math.max(this.cursor ?? 0, n.id)));
    client.socket.on("caught_up", (c: CaughtUpMessage) => {
      if (c.lastNotificationId !== null) this.cursor = Math.max(this.cursor ?? 0, c.lastNotificationId);
    });
    const moveOn = () => {
      if (this.closed) return;
      this.index = (this.index + 1) % this.urls.length;
      // A little jitter, as real clients have: not every socket of a dead gateway lands on the next at once.
      setTimeout(() => this.open(), 50 + Math.random() * 200);
    };
    client.socket.once("disconnect", moveOn);
    client.socket.once("connect_error", () => {
      this.refusals += 1;
      moveOn();
    });
  }
}
