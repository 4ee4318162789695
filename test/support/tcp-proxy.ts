import net from "node:net";
import { once } from "node:events";

/**
 * A TCP forwarder a test can cut: services pointed at it lose their
 * connections when it closes (and are refused new ones) and get through again
 * when it reopens on the same port. Stands in for an outage of a shared
 * server (PostgreSQL) that the test cannot stop.
 */
export class TcpProxy {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private listenPort = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  get port(): number {
    return this.listenPort;
  }

  get isOpen(): boolean {
    return this.server !== undefined;
  }

  /** Starts forwarding (on the same port as before, after a close). */
  async open(): Promise<this> {
    if (this.server) return this;
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on("error", () => socket.destroy());
        socket.on("close", () => this.sockets.delete(socket));
      }
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
    });
    server.listen(this.listenPort, "127.0.0.1");
    await once(server, "listening");
    this.listenPort = (server.address() as net.AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Cuts every connection and refuses new ones until `open()`. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise((resolve) => server.close(resolve));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** `url` (a postgresql:// or redis:// URL of the target) pointed at this proxy instead. */
  rewrite(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = "127.0.0.1";
    parsed.port = String(this.listenPort);
    return parsed.toString();
  }
}
