import { existsSync } from "node:fs";
import path from "node:path";
import { loadConfig } from "@herald/runtime";

export const ROOT = path.resolve(__dirname, "..", "..");

const ports = loadConfig({}).ports;

/**
 * Every Herald service, present or planned, with the port it listens on by
 * default. Taken from the config defaults so the deployment files are checked
 * against what the code actually does.
 */
export const SERVICE_PORTS: Readonly<Record<string, { readonly env: string; readonly port: number }>> = {
  ingest: { env: "INGEST_PORT", port: ports.ingest },
  "realtime-gateway": { env: "GATEWAY_PORT", port: ports.gateway },
  router: { env: "ROUTER_PORT", port: ports.router },
  "delivery-worker": { env: "DELIVERY_WORKER_PORT", port: ports.deliveryWorker },
  "digest-scheduler": { env: "DIGEST_SCHEDULER_PORT", port: ports.digestScheduler },
  "hardware-monitor": { env: "HARDWARE_MONITOR_PORT", port: ports.hardwareMonitor },
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
