import { existsSync } from "node:fs";
import path from "node:path";
import { loadConfig as loadDeliveryWorkerConfig } from "../../services/delivery-worker/src/config";
import { loadConfig as loadSchedulerConfig } from "../../services/digest-scheduler/src/config";
import { loadConfig as loadMonitorConfig } from "../../services/hardware-monitor/src/config";
import { loadConfig as loadIngestConfig } from "../../services/ingest/src/config";
import { loadConfig as loadGatewayConfig } from "../../services/realtime-gateway/src/config";
import { loadConfig as loadRouterConfig } from "../../services/router/src/config";

/** Each service's settings as its own config module parses them. */
export const SERVICE_CONFIG = {
  ingest: loadIngestConfig,
  "realtime-gateway": loadGatewayConfig,
  router: loadRouterConfig,
  "delivery-worker": loadDeliveryWorkerConfig,
  "digest-scheduler": loadSchedulerConfig,
  "hardware-monitor": loadMonitorConfig,
};

export const ROOT = path.resolve(__dirname, "..", "..");

/**
 * Every Herald service, present or planned, with the port it listens on by
 * default. Taken from the config defaults so the deployment files are checked
 * against what the code actually does.
 */
export const SERVICE_PORTS: Readonly<Record<string, { readonly env: string; readonly port: number }>> = {
  ingest: { env: "INGEST_PORT", port: loadIngestConfig({}).port },
  "realtime-gateway": { env: "GATEWAY_PORT", port: loadGatewayConfig({}).port },
  router: { env: "ROUTER_PORT", port: loadRouterConfig({}).port },
  "delivery-worker": { env: "DELIVERY_WORKER_PORT", port: loadDeliveryWorkerConfig({}).port },
  "digest-scheduler": { env: "DIGEST_SCHEDULER_PORT", port: loadSchedulerConfig({}).port },
  "hardware-monitor": { env: "HARDWARE_MONITOR_PORT", port: loadMonitorConfig({}).port },
};

/** The service a container command starts (`node services/<name>/dist/main.js`), if any. */
export function serviceOf(command: readonly unknown[] | undefined): string | undefined {
  for (const arg of command ?? []) {
    const match = typeof arg === "string" ? /^(?:\.\/)?services\/([^/]+)\/dist\/main\.js$/.exec(arg) : null;
    if (match) return match[1];
  }
  return undefined;
}

/** True when services/<name> is a workspace of this repository. */
export function serviceExists(name: string): boolean {
  return existsSync(path.join(ROOT, "services", name, "package.json"));
}

/** Names of variables whose values must never be written into a deployment file. */
export const SECRET_NAME = /SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|(^|_)KEY$|DATABASE_URL/i;

/** A URL carrying a password, e.g. postgresql://user:pw@host/db. */
export const URL_WITH_PASSWORD = /\/\/[^/\s:@]+:[^@\s]+@/;
