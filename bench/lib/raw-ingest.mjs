// The raw counterpart of ingest for bench/ingest-throughput.mjs: a bare
// node:http server that reads the body, parses the JSON and XADDs each event
// to a stream with an auto-pipelined ioredis client, answering 202. No auth,
// validation, idempotency or limits: what the machine can do with the same
// bytes in and the same Redis writes out.
//   RAW_PORT=… REDIS_URL=… RAW_STREAM=… node bench/lib/raw-ingest.mjs
import http from "node:http";
import { createRequire } from "node:module";
import { ROOT } from "../../scripts/lib/service-runner.mjs";

const require = createRequire(`${ROOT}/package.json`);
const { Redis } = require("ioredis");

const redis = new Redis(process.env.REDIS_URL, { enableAutoPipelining: true });
const stream = process.env.RAW_STREAM;

const server = http.createServer((req, res) => {
  if (req.method === "GET") {
    res.writeHead(200).end("ok");
    return;
  }
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", async () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      const events = Array.isArray(body.events) ? body.events : [body];
      await Promise.all(events.map((e) => redis.xadd(stream, "*", "event", JSON.stringify(e))));
      res.writeHead(202, { "content-type": "application/json" }).end(JSON.stringify({ accepted: events.length }));
    } catch (error) {
      res.writeHead(400).end(String(error));
    }
  });
});
server.listen(Number(process.env.RAW_PORT), "127.0.0.1", () => process.send?.("listening"));
