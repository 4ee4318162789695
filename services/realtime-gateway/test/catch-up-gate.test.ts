import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { Server } from "socket.io";
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import { Emitter } from "@socket.io/redis-emitter";
import { CatchUpGates, createGatedAdapter } from "../src/socket/catch-up-gate";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/**
 * The gate against the real thing: a Socket.IO server on the gated Redis
 * adapter, a real client, and broadcasts arriving over Redis from the
 * router's kind of emitter.
 */
describe("CatchUpGates on the Redis adapter", () => {
  const key = `gate-test-${randomBytes(4).toString("hex")}:socket.io`;
  const gates = new CatchUpGates();
  const pub = new Redis(REDIS_URL);
  const sub = pub.duplicate();
  const emitterRedis = new Redis(REDIS_URL);
  const emitter = new Emitter(emitterRedis, { key });
  const httpServer = http.createServer();
  const io = new Server(httpServer, { adapter: createGatedAdapter(pub, sub, key, gates) });
  const clients: ClientSocket[] = [];
  let url: string;

  beforeAll(async () => {
    httpServer.listen(0, "127.0.0.1");
    await once(httpServer, "listening");
    url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
    io.on("connection", (socket) => void socket.join(String(socket.handshake.auth.room)));
    // The adapter subscribes asynchronously: broadcast to a probe until one arrives.
    const probe = await join("probe");
    while (probe.received.length === 0) {
      emitter.to("probe").emit("ping");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });

  afterAll(async () => {
    clients.forEach((c) => c.close());
    await new Promise((resolve) => io.close(() => resolve(undefined)));
    await Promise.all([pub.quit(), sub.quit(), emitterRedis.quit()]);
  });

  /** A client in `room`, recording events in order; resolves with its server-side socket id once connected. */
  const join = async (room: string) => {
    const received: unknown[][] = [];
    const socket = connect(url, { auth: { room }, transports: ["websocket"], forceNew: true, reconnection: false });
    clients.push(socket);
    socket.onAny((...args: unknown[]) => received.push(args));
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    const serverSide = [...io.of("/").sockets.values()].find((s) => s.handshake.auth.room === room)!;
    return { socket, received, id: serverSide.id };
  };

  const until = async (check: () => boolean, label: string) => {
    const deadline = Date.now() + 5_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it("holds broadcasts to a gated socket, then releases them in order minus notifications at or below the cursor", async () => {
    const gated = await join("user:g");
    const open = await join("user:o");
    gates.close(gated.id);
    for (const room of ["user:g", "user:o"]) {
      emitter.to(room).emit("notification", { id: 1 });
      emitter.to(room).emit("unread_count", { count: 2 });
      emitter.to(room).emit("notification", { id: 2 });
      emitter.to(room).emit("notification", { id: 3 });
    }
    // The ungated socket gets them live; by then the gated one has had them delivered to the server too.
    await until(() => open.received.length === 4, "ungated socket's broadcasts");
    expect(open.received).toEqual([
      ["notification", { id: 1 }],
      ["unread_count", { count: 2 }],
      ["notification", { id: 2 }],
      ["notification", { id: 3 }],
    ]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(gated.received).toEqual([]);

    // What catch-up would send (1 and 2, and 5, whose live push has not come yet), then the gate opens.
    const server = io.of("/").sockets.get(gated.id)!;
    for (const id of [1, 2, 5]) server.emit("notification", { id, replayed: true });
    expect(gates.open(gated.id, [1, 2, 5])).toEqual({ held: 4, delivered: 2 });
    await until(() => gated.received.length === 5, "released broadcasts");
    expect(gated.received.slice(3)).toEqual([
      ["unread_count", { count: 2 }],
      ["notification", { id: 3 }],
    ]);

    // Open again: live as usual, except the late push of 5, which catch-up already sent.
    emitter.to("user:g").emit("notification", { id: 5 });
    emitter.to("user:g").emit("notification", { id: 4 });
    emitter.to("user:g").emit("notification", { id: 5 });
    await until(() => gated.received.length === 7, "live after opening");
    expect(gated.received.slice(5)).toEqual([
      ["notification", { id: 4 }],
      ["notification", { id: 5 }],
    ]);
  });

  it("holds local broadcasts too, and leaves other adapter operations alone", async () => {
    const gated = await join("user:l");
    gates.close(gated.id);
    io.to("user:l").emit("unread_count", { count: 9 });
    // fetchSockets and socketsJoin go through the same adapter code path; a gated socket must still be found and joined.
    const found = await io.in("user:l").fetchSockets();
    expect(found.map((s) => s.id)).toEqual([gated.id]);
    io.local.in("user:l").socketsJoin("extra-room");
    expect(io.of("/").adapter.rooms.get("extra-room")?.has(gated.id)).toBe(true);
    expect(gated.received).toEqual([]);
    gates.open(gated.id, []);
    await until(() => gated.received.length === 1, "released local broadcast");
    expect(gated.received).toEqual([["unread_count", { count: 9 }]]);
  });

  it("drops what it held for a socket that went away", async () => {
    const gated = await join("user:d");
    gates.close(gated.id);
    emitter.to("user:d").emit("notification", { id: 1 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    gates.discard(gated.id);
    expect(gates.isClosed(gated.id)).toBe(false);
    expect(gates.open(gated.id, [])).toEqual({ held: 0, delivered: 0 });
  });
});
