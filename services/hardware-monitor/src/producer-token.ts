import { publishScope, signToken } from "@herald/auth";
import { PLATFORM_TENANT } from "@herald/contract";
import { ConfigError } from "@herald/runtime";
import type { HardwareMonitorConfig } from "./config";

const DEV_TOKEN_SECONDS = 3600;

/**
 * What the monitor publishes, and all a token of its own may publish: a
 * token taken from a host, or the dev one, cannot pass for a job's or a
 * review's producer (ingest answers 403).
 */
export const MONITOR_PUBLISH_SCOPES: readonly string[] = [publishScope("system.*")];

/**
 * The token the agent publishes with: HERALD_TOKEN, or, for local
 * development only (HERALD_DEV_AUTH=1, which `npm start` sets, and never in
 * production), a short-lived producer token it signs itself with the JWT
 * settings, so `npm start` works with nothing to set up. Re-signed before it
 * expires.
 */
export function producerToken(config: HardwareMonitorConfig, subject: string): { token: string | (() => string); minted: boolean } {
  const configured = config.hardwareMonitor.token;
  if (configured) return { token: configured, minted: false };
  if (config.production)
    throw new ConfigError("HERALD_TOKEN must be set to a producer token (scope events:publish:system.*) when NODE_ENV=production");
  if (!config.devAuth) {
    throw new ConfigError(
      "HERALD_TOKEN must be set to a producer token (scope events:publish:system.*); for local development only, HERALD_DEV_AUTH=1 lets the monitor sign its own",
    );
  }
  if (!config.auth.signingSecret) {
    throw new ConfigError("HERALD_TOKEN is not set and cannot be minted with an RS256 public key: set HERALD_TOKEN");
  }
  let token = "";
  let renewAt = 0;
  return {
    minted: true,
    token: () => {
      if (Date.now() >= renewAt) {
        // A platform producer: it names the tenant per event (MONITOR_TENANT).
        token = signToken(
          { kind: "service", sub: subject, scopes: MONITOR_PUBLISH_SCOPES, tenant: PLATFORM_TENANT },
          config.auth,
          DEV_TOKEN_SECONDS,
        );
        renewAt = Date.now() + (DEV_TOKEN_SECONDS / 2) * 1000;
      }
      return token;
    },
  };
}
