// The raw counterpart of the realtime-gateway for
// bench/publish-to-socket-latency.mjs: a bare Socket.IO server behind the
// Redis adapter (the key the raw router's emitter publishes on), each socket
// joining its user's room from the handshake's `auth.userId`. No JWT, no
// catch-up, no rate limits: what the machine can do on the same path.
//   RAW_PORT=… REDIS_URL=… RAW_SOCKET_KEY=… node bench/lib/raw-gateway.mjs
import http from "node:http";
import { createRequire } from "node:module";
import { ROOT } from "../../scripts/lib/service-runner.mjs";

const require = createRequire(`${ROOT}/package.json`);
const { Redis } = require("ioredis");
const { Server } = require("socket.io");
const { createAdapter } = require("@socket.io/redis-adapter");

const pub = new Redis(process.env.REDIS_URL);
const sub = pub.duplicate();
const server = http.createServer();
const io = new Server(server, { adapter: createAdapter(pub, sub, { key: process.env.RAW_SOCKET_KEY }) });
io.on("connection", (socket) => socket.join(`user:${socket.handshake.auth.userId}`));
server.listen(Number(process.env.RAW_PORT), "127.0.0.1", () => process.send?.("ready"));
process.on("disconnect", () => process.exit(0));
