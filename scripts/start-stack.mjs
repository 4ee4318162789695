// `npm start`: builds, migrates and runs the whole Herald stack locally, then
// prints where to connect and dev tokens to connect with.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import net from "node:net";
import { preflight } from "./lib/preflight.mjs";
import { ROOT, STACK_SERVICES, startService, stopAll, waitReady } from "./lib/service-runner.mjs";

const require = createRequire(`${ROOT}/package.json`);

/** True when something accepts TCP connections at host:port (no SMTP conversation). */
function listening(host, port, timeoutMs = 1500) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

// A local stack: the public dev JWT secret is opted in, for the services
// (which inherit this environment) and the tokens printed below. A JWT_SECRET
// or JWT_PUBLIC_KEY that is set still wins; HERALD_DEV_AUTH=0 turns it off.
process.env.HERALD_DEV_AUTH ??= "1";

console.log("herald: building…");
run("npx", ["turbo", "run", "build", "--output-logs=errors-only"]);

const { loadInstallationConfig } = require("@herald/runtime");
const { applyMigrations } = require("@herald/db");
const { loadAuthConfig, signToken } = require("@herald/auth");
/** A service's own settings, parsed by its own config module (built above), as it will see them. */
const serviceConfig = (name) => require(`${ROOT}/services/${name}/dist/config.js`).loadConfig();
const config = loadInstallationConfig();
const auth = loadAuthConfig();
const monitor = serviceConfig("hardware-monitor");
const port = Object.fromEntries(STACK_SERVICES.map((s) => [s.name, serviceConfig(s.name).port]));

const problems = await preflight({ redisUrl: config.redisUrl, databaseUrl: config.databaseUrl });
if (problems.length > 0) {
  console.error(`\nherald: cannot start:\n\n${problems.join("\n\n")}\n`);
  process.exit(1);
}

const migrated = await applyMigrations({ databaseUrl: config.databaseUrl, migrationsDir: config.migrationsDir });
console.log(`herald: database ready (${migrated.applied.length} migration(s) applied now, ${migrated.alreadyApplied} before)`);

// Outside production the monitor signs its own short-lived dev token; in
// production it insists on HERALD_TOKEN, which this script can mint for it.
const { MONITOR_PUBLISH_SCOPES } = require(`${ROOT}/services/hardware-monitor/dist/producer-token.js`);
const monitorToken =
  config.production && !monitor.hardwareMonitor.token && auth.signingSecret
    ? { HERALD_TOKEN: signToken({ kind: "service", sub: "hardware-monitor", scopes: MONITOR_PUBLISH_SCOPES }, auth, 30 * 24 * 3600) }
    : {};
const extraEnv = {
  // The web UI's admin panel calls ingest's operator API through the gateway.
  "realtime-gateway": { ...(!process.env.INGEST_URL && { INGEST_URL: `http://127.0.0.1:${port.ingest}` }) },
  "hardware-monitor": { ...(!process.env.INGEST_URL && { INGEST_URL: `http://127.0.0.1:${port.ingest}` }), ...monitorToken },
};
// Migrations just ran: the services need not race each other to do it again.
// Each in its own process group: Ctrl-C reaches this script only, which stops
// every service with one SIGTERM, so each shuts down gracefully.
const children = STACK_SERVICES.map((s) => ({
  ...s,
  child: startService(s.name, { MIGRATE_ON_START: "false", ...extraEnv[s.name] }, { ownProcessGroup: true }),
}));
// Out of Ctrl-C's reach, they would outlive this script if it died of an
// error: take them down with it (a no-op for those already stopped).
process.on("exit", () => {
  for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
});
let stopping = false;
for (const { name, child } of children) {
  child.on("exit", (code, signal) => {
    if (stopping) return;
    console.error(`herald: ${name} exited unexpectedly (${signal ?? code}); stopping the stack`);
    void shutdown(1);
  });
}
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  console.log("herald: stopping…");
  await stopAll(children.map((c) => c.child));
  process.exit(code);
}
// Further signals change nothing (npm and a process group can deliver the
// same Ctrl-C several times); each service bounds its own shutdown.
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));
process.on("SIGHUP", () => void shutdown(0)); // terminal closed

try {
  await Promise.all(
    children.map(({ name, child }) =>
      waitReady(child, `http://127.0.0.1:${port[name]}`).catch((e) => {
        throw new Error(`${name}: ${e.message}`);
      }),
    ),
  );
} catch (error) {
  console.error(`herald: ${error.message}`);
  await shutdown(1);
}

// Email is not needed to start: the worker connects per message and retries.
// Say where it goes, and whether anything is there to take it.
const smtp = serviceConfig("delivery-worker").delivery.smtp;
const smtpAt = `${smtp.host}:${smtp.port}`;
const smtpNote = (await listening(smtp.host, smtp.port))
  ? ""
  : `
                 nothing listens on ${smtpAt}: emails are retried, then dead-lettered.
                 To catch them locally: docker compose up -d mailpit, then
                 SMTP_PORT=1025 npm start, and read them at http://127.0.0.1:8025`;

const adminToken = signToken({ kind: "user", sub: "admin", role: "admin" }, auth);
const producerToken = signToken({ kind: "service", sub: "dev-producer" }, auth);
const ingest = `http://127.0.0.1:${port.ingest}`;
const gateway = `http://127.0.0.1:${port["realtime-gateway"]}`;
console.log(`
herald is running${auth.usingDevSecret ? " (dev JWT secret: tokens below are for local use only)" : ""}

  web UI         ${gateway}/   (paste the admin token below, or one from HERALD_DEV_AUTH=1 npm run token -- --sub 42)
  producer API   ${ingest}/api/v1/events
  notifications  ${gateway}/api/v1/notifications   (Socket.IO at ${gateway}/socket.io)
  hardware       http://127.0.0.1:${port["hardware-monitor"]}/health   (this machine's GPUs and disks; alerts go to admins)
  digests        http://127.0.0.1:${port["digest-scheduler"]}/health   (digest-scheduler: digests and DND releases)
  deliveries     http://127.0.0.1:${port["delivery-worker"]}/health   (delivery-worker: webhooks, and email)
  email          SMTP ${smtpAt}${smtp.secure ? " (TLS)" : ""}, from ${smtp.from}${smtpNote}

  producer token  ${producerToken}
  admin token     ${adminToken}        (user id "admin"; more: HERALD_DEV_AUTH=1 npm run token -- --sub 42 --role user)

  try it:
    curl -X POST ${ingest}/api/v1/events -H 'content-type: application/json' \\
      -H "authorization: Bearer ${producerToken}" \\
      -d '{"type":"job.completed","payload":{"ownerUserId":"admin","jobName":"hello"}}'
    curl ${gateway}/api/v1/notifications -H "authorization: Bearer ${adminToken}"

Ctrl-C stops everything.
`);
