import { orderedConnection, type RedisClient } from "./redis";

/**
 * PUBLISHes through one connection in the order they are called, whatever
 * the connection's state. ioredis writes a PUBLISH straight to a socket that
 * is connected but not yet ready (PUBLISH is allowed while Redis loads its
 * data), while those called before the socket connected wait in its offline
 * queue until ready: on a fresh connection (a cluster node's is made on first
 * use) or a reconnecting one, a later PUBLISH overtook earlier ones. So until
 * the connection is ready they wait here, and go out in order once it is.
 */
class OrderedPublisher {
  private readonly waiting: { channel: string | Buffer; message: string | Buffer; settle: (sent: Promise<number>) => void }[] = [];

  constructor(private readonly connection: () => RedisClient) {}

  publish(channel: string | Buffer, message: string | Buffer): Promise<number> {
    const target = this.connection();
    if (this.waiting.length === 0 && target.status === "ready") return target.publish(channel, message);
    const queued = new Promise<number>((resolve, reject) => {
      this.waiting.push({ channel, message, settle: (sent) => sent.then(resolve, reject) });
    });
    if (this.waiting.length === 1) void this.sendWhenReady();
    return queued;
  }

  private async sendWhenReady(): Promise<void> {
    for (;;) {
      // Asked again each time: on a cluster a failover may replace the node.
      const target = this.connection();
      // Written one after the other on a ready connection, they keep this order; a connection closed
      // for good (the service shutting down) fails them at once rather than keeping them, and the process, waiting.
      if (target.status === "ready" || target.status === "end") {
        for (const { channel, message, settle } of this.waiting.splice(0)) settle(target.publish(channel, message));
        return;
      }
      if (target.status === "wait") target.connect().catch(() => undefined); // a lazy connection connects on its first command
      await readyOrTimeout(target, 100);
    }
  }
}

function readyOrTimeout(target: RedisClient, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      target.off("ready", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    target.once("ready", done);
  });
}

/**
 * The client with every PUBLISH sent in call order (OrderedPublisher), on a
 * cluster through orderedConnection: for a library that publishes on a
 * client it is handed, the Socket.IO Redis adapter, whose broadcasts from one
 * gateway (a read's unread count, one after another) would otherwise each
 * take a random node of a cluster and reach the other gateways out of order.
 * Everything else still goes to the client itself: the adapter counts
 * gateways with PUBSUB NUMSUB on every node of a cluster.
 */
export function withOrderedPublish<C extends RedisClient>(client: C): C {
  const publisher = new OrderedPublisher(() => orderedConnection(client));
  const publish = (channel: string | Buffer, message: string | Buffer) => publisher.publish(channel, message);
  return new Proxy(client, {
    get(target, property) {
      if (property === "publish") return publish;
      const value: unknown = Reflect.get(target, property, target);
      // Methods run on the client itself (its event emitter, its node list); its constructor stays one a caller can recognize.
      return typeof value === "function" && property !== "constructor" ? value.bind(target) : value;
    },
  });
}
