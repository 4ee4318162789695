import { AUTH_ENV, authConfigOnFirstUse, type AuthConfig } from "@herald/auth";
import { RETRY_POLICY_ENV, retryPolicies, type RetryPolicies } from "@herald/dispatch";
import { INSTALLATION_ENV, installationConfig, parseEnv, port, positiveInt, SERVICE_PORTS, type InstallationConfig } from "@herald/runtime";

const ENV = {
  ...INSTALLATION_ENV,
  ...AUTH_ENV,
  // The operator API re-enqueues dead letters with the same policies the router uses.
  ...RETRY_POLICY_ENV,
  INGEST_PORT: port(SERVICE_PORTS.ingest),
  INGEST_MAX_BODY_BYTES: positiveInt(1024 * 1024),
  /** Unprocessed stream entries above which ingest answers 429. */
  INGEST_MAX_BACKLOG: positiveInt(100_000),
  IDEMPOTENCY_TTL_SECONDS: positiveInt(24 * 3600),
  /** A dashboard session unused this long ends (it ends with its token's expiry, or at logout, in any case). */
  ADMIN_SESSION_IDLE_SECONDS: positiveInt(30 * 60),
};

export interface IngestConfig extends InstallationConfig {
  readonly port: number;
  /** Resolved on first use, so the other settings parse without the JWT ones. */
  readonly auth: AuthConfig;
  readonly ingest: {
    readonly maxBodyBytes: number;
    readonly maxBacklog: number;
    readonly idempotencyTtlSeconds: number;
  };
  readonly retryPolicies: RetryPolicies;
  readonly dashboard: {
    readonly sessionIdleSeconds: number;
  };
}

export function loadConfig(source: Record<string, string | undefined> = process.env): IngestConfig {
  const env = parseEnv(ENV, source);
  const installation = installationConfig(env);
  const auth = authConfigOnFirstUse(env, installation.production);
  return {
    ...installation,
    port: env.INGEST_PORT,
    get auth(): AuthConfig {
      return auth();
    },
    ingest: {
      maxBodyBytes: env.INGEST_MAX_BODY_BYTES,
      maxBacklog: env.INGEST_MAX_BACKLOG,
      idempotencyTtlSeconds: env.IDEMPOTENCY_TTL_SECONDS,
    },
    retryPolicies: retryPolicies(env),
    dashboard: { sessionIdleSeconds: env.ADMIN_SESSION_IDLE_SECONDS },
  };
}
