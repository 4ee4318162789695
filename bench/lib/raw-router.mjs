// The raw counterpart of the router for bench/publish-to-socket-latency.mjs:
// reads the raw stream as a consumer group (XREADGROUP, blocking, up to
// BATCH entries, as the router reads), stores each batch with one multi-row
// INSERT into a bare table, pushes one `notification` per event to its
// user's room through the Socket.IO Redis emitter (as the router's pusher
// does, a PING confirming the publishes), then XACKs. No validation, routing,
// preferences or unread counts: what the machine can do on the same path.
//   REDIS_URL=… DATABASE_URL=… RAW_STREAM=… RAW_SOCKET_KEY=… node bench/lib/raw-router.mjs
import { createRequire } from "node:module";
import { ROOT } from "../../scripts/lib/service-runner.mjs";

const require = createRequire(`${ROOT}/package.json`);
const { Redis } = require("ioredis");
const { Client } = require("pg");
const { Emitter } = require("@socket.io/redis-emitter");

const { REDIS_URL, DATABASE_URL, RAW_STREAM: stream, RAW_SOCKET_KEY: key } = process.env;
const BATCH = Number(process.env.RAW_BATCH ?? 200);
const GROUP = "raw-router";

const reader = new Redis(REDIS_URL);
const redis = new Redis(REDIS_URL);
const emitter = new Emitter(redis, { key });
const pg = new Client({ connectionString: DATABASE_URL });
await pg.connect();
await pg.query(`CREATE TABLE IF NOT EXISTS raw_notifications (
  id bigserial PRIMARY KEY, event_id text NOT NULL UNIQUE, user_id text NOT NULL, payload jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);
await redis.xgroup("CREATE", stream, GROUP, "$", "MKSTREAM").catch((error) => {
  if (!String(error.message).includes("BUSYGROUP")) throw error;
});
process.send?.("ready");

// Runs until killed (SIGTERM) or its parent goes.
process.on("disconnect", () => process.exit(0));
for (;;) {
  const reply = await reader.xreadgroup("GROUP", GROUP, "raw", "COUNT", BATCH, "BLOCK", 500, "STREAMS", stream, ">");
  const entries = reply?.[0]?.[1] ?? [];
  if (entries.length === 0) continue;
  const events = entries.map(([, fields]) => JSON.parse(fields[fields.indexOf("event") + 1]));
  const { rows } = await pg.query(
    `INSERT INTO raw_notifications (event_id, user_id, payload)
     SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[]) ON CONFLICT (event_id) DO NOTHING
     RETURNING id, event_id, user_id, created_at`,
    [events.map((e) => e.id), events.map((e) => e.payload.ownerUserId), events.map((e) => JSON.stringify(e.payload))],
  );
  for (const row of rows)
    emitter.to(`user:${row.user_id}`).emit("notification", { id: Number(row.id), eventId: row.event_id, createdAt: row.created_at });
  await redis.ping();
  await redis.xack(stream, GROUP, ...entries.map(([id]) => id));
}
