// Child process of bench/gateway-scale.mjs and bench/publish-to-socket-latency.mjs:
// holds many Socket.IO clients, so that the gateway under test shares its
// process (and event loop) with none of them. A Herald gateway's client
// authenticates with a user JWT and counts once caught up; a raw one
// (bench/lib/raw-gateway.mjs, `raw: true`) names its user in the handshake
// and counts once connected. Driven over IPC:
//   parent → { type: "connect", urls, users, concurrency, raw? } → { type: "connected", connected, failed, ms }
//   parent → { type: "report" }                              → { type: "report", received, latencies (sorted ms) }
//   parent → { type: "close" }                               → exits
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const require = createRequire(`${ROOT}/package.json`);
const { io } = require("socket.io-client");
const { signToken } = require("@herald/auth");
const { loadAuthConfig } = require("@herald/auth");

const auth = loadAuthConfig();
const sockets = [];
const latencies = [];
let received = 0;

function connectOne(url, userId, raw) {
  return new Promise((resolve) => {
    const handshake = raw ? { userId } : { token: signToken({ kind: "user", sub: userId, role: "user" }, auth, 3600) };
    const socket = io(url, { auth: handshake, transports: ["websocket"], reconnection: false, forceNew: true, timeout: 60_000 });
    sockets.push(socket);
    socket.on("notification", (n) => {
      received += 1;
      const sentAt = Number(n.payload?.sentAt);
      if (Number.isFinite(sentAt)) latencies.push(Date.now() - sentAt);
    });
    // Counted once caught up: joined its room and ready for live notifications (a raw gateway joins on connect).
    socket.once(raw ? "connect" : "caught_up", () => resolve(true));
    socket.once("connect_error", (error) => resolve(error.data?.code ?? error.message));
  });
}

async function connectAll({ urls, users, concurrency, raw = false }) {
  const started = performance.now();
  let next = 0;
  let connected = 0;
  const failures = new Map();
  const worker = async () => {
    while (next < users.length) {
      const i = next++;
      const outcome = await connectOne(urls[i % urls.length], users[i], raw);
      if (outcome === true) connected += 1;
      else failures.set(outcome, (failures.get(outcome) ?? 0) + 1);
      if ((connected + [...failures.values()].reduce((a, b) => a + b, 0)) % 1000 === 0) process.send({ type: "progress", connected });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  process.send({ type: "connected", connected, failed: Object.fromEntries(failures), ms: performance.now() - started });
}

process.on("message", (message) => {
  if (message.type === "connect") void connectAll(message);
  else if (message.type === "report") process.send({ type: "report", received, latencies: [...latencies].sort((a, b) => a - b) });
  else if (message.type === "close") {
    sockets.forEach((s) => s.close());
    setTimeout(() => process.exit(0), 100);
  }
});
process.on("disconnect", () => process.exit(0));
