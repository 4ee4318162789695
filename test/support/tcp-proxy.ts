import { once } from "node:events";
import net from "node:net";
import { freePort } from "./ports";

/**
 * A TCP proxy a test starts in front of a shared server (Postgres) to
 * simulate its outage without stopping it: `close()` drops every connection
 * and refuses new ones (as a crashed server would), `blackhole()` accepts
 * connections and never answers (a partition), `open()` forwards again, on
 * the same port, so services pointed at it get through by themselves.
 */
export class TcpProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private mode: "forward" | "blackhole" = "forward";

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(await freePort(), target);
    await proxy.open();
    return proxy;
  }

  get isOpen(): boolean {
    return this.server !== undefined && this.mode === "forward";
  }

  /** `url` (a postgresql:// or redis:// URL of the target) pointed at this proxy instead. */
  rewrite(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = "127.0.0.1";
    parsed.port = String(this.port);
    return parsed.toString();
  }

  /** Forwards connections (again). */
  async open(): Promise<void> {
    this.mode = "forward";
    if (this.server) return;
    const server = net.createServer((client) => this.accept(client));
    server.listen(this.port, "127.0.0.1");
    await once(server, "listening");
    this.server = server;
  }

  /** Accepts connections but forwards nothing, so the other side waits (a partition); drops those open now. */
  async blackhole(): Promise<void> {
    await this.open();
    this.mode = "blackhole";
    this.dropAll();
  }

  /** Stops listening (new connections are refused) and drops every connection. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.dropAll();
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  private dropAll(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => this.sockets.delete(socket));
  }

  private accept(client: net.Socket): void {
    this.track(client);
    if (this.mode === "blackhole") return;
    const upstream = net.connect(this.target.port, this.target.host);
    this.track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  }
}
