import { DEFAULT_IDEMPOTENCY_TTL_SECONDS, DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_TENANT, isTenantId } from "@herald/contract";
import { AUTH_ENV, authConfigOnFirstUse, type AuthConfig } from "@herald/auth";
import type { BacklogPolicy } from "./publish/event-publisher";
import { RETRY_POLICY_ENV, retryPolicies, type RetryPolicies } from "@herald/dispatch";
import { z } from "zod";
import {
  ADDRESS_POLICY_ENV,
  INSTALLATION_ENV,
  installationConfig,
  nonNegativeInt,
  parseEnv,
  port,
  positiveInt,
  SERVICE_PORTS,
  webhookAllowedHosts,
  type InstallationConfig,
} from "@herald/runtime";

const ENV = {
  ...INSTALLATION_ENV,
  ...AUTH_ENV,
  // The operator API re-enqueues dead letters with the same policies the router uses.
  ...RETRY_POLICY_ENV,
  // Subscription URLs follow the rule user webhooks do.
  ...ADDRESS_POLICY_ENV,
  INGEST_PORT: port(SERVICE_PORTS.ingest),
  INGEST_MAX_BODY_BYTES: positiveInt(1024 * 1024),
  /**
   * Cap on one event's payload as serialized JSON, below the body cap: a batch
   * may be large, but each event is stored as one jsonb value and pushed whole
   * to every recipient's sockets.
   */
  INGEST_MAX_PAYLOAD_BYTES: positiveInt(DEFAULT_MAX_PAYLOAD_BYTES),
  /** Unprocessed stream entries above which ingest answers 429. */
  INGEST_MAX_BACKLOG: positiveInt(100_000),
  /**
   * How far past INGEST_MAX_BACKLOG a request of critical events only (the
   * hardware monitor's system.* alerts) is still admitted: a flood of
   * ordinary events must not keep a GPU alert out.
   */
  INGEST_CRITICAL_BACKLOG_HEADROOM: nonNegativeInt(10_000),
  /**
   * The share (percent, above 0) of the backlog one producer's unprocessed
   * events may take, so that one producer filling it leaves room for the
   * others. 100 turns it off (one producer may fill it all).
   */
  INGEST_PRODUCER_BACKLOG_PERCENT: z.coerce.number().positive().max(100).default(25),
  /**
   * Events one tenant's producers may publish per second, all together (0:
   * unlimited). Past it the tenant gets 429 tenant_rate_limited while the
   * others go on. Platform producers (tenant *) are held by their producer
   * share instead.
   */
  TENANT_MAX_EVENTS_PER_SECOND: nonNegativeInt(0),
  /** How far past TENANT_MAX_EVENTS_PER_SECOND a request of critical events only still gets in, per second. */
  TENANT_CRITICAL_HEADROOM_PER_SECOND: nonNegativeInt(100),
  IDEMPOTENCY_TTL_SECONDS: positiveInt(DEFAULT_IDEMPOTENCY_TTL_SECONDS),
  /**
   * The tenant whose admins operate the installation: only they may open the
   * queue dashboard, which shows every tenant's jobs (BullMQ queues are shared).
   */
  OPERATOR_TENANT: z.string().refine(isTenantId, "must be a tenant id ([A-Za-z0-9_.-]{1,64})").default(DEFAULT_TENANT),
  /** Most events one subscription replay may send (more in its window: 400, narrow the window). */
  SUBSCRIPTION_REPLAY_MAX_EVENTS: positiveInt(10_000),
  /** A dashboard session unused this long ends (it ends with its token's expiry, or at logout, in any case). */
  ADMIN_SESSION_IDLE_SECONDS: positiveInt(30 * 60),
};

export interface IngestConfig extends InstallationConfig {
  readonly port: number;
  /** Resolved on first use, so the other settings parse without the JWT ones. */
  readonly auth: AuthConfig;
  readonly ingest: {
    readonly maxBodyBytes: number;
    readonly maxPayloadBytes: number;
    readonly backlog: BacklogPolicy;
    readonly idempotencyTtlSeconds: number;
  };
  readonly retryPolicies: RetryPolicies;
  readonly subscriptions: {
    /** WEBHOOK_ALLOWED_HOSTS: subscription URLs may name these private hosts. */
    readonly allowedHosts: readonly string[];
    readonly replayMaxEvents: number;
  };
  readonly dashboard: {
    /** Only this tenant's admins open it: it shows every tenant's jobs. */
    readonly operatorTenant: string;
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
      maxPayloadBytes: env.INGEST_MAX_PAYLOAD_BYTES,
      backlog: {
        maxBacklog: env.INGEST_MAX_BACKLOG,
        criticalHeadroom: env.INGEST_CRITICAL_BACKLOG_HEADROOM,
        producerSharePercent: env.INGEST_PRODUCER_BACKLOG_PERCENT,
        tenantEventsPerSecond: env.TENANT_MAX_EVENTS_PER_SECOND,
        tenantCriticalHeadroom: env.TENANT_CRITICAL_HEADROOM_PER_SECOND,
      },
      idempotencyTtlSeconds: env.IDEMPOTENCY_TTL_SECONDS,
    },
    retryPolicies: retryPolicies(env),
    subscriptions: { allowedHosts: webhookAllowedHosts(env), replayMaxEvents: env.SUBSCRIPTION_REPLAY_MAX_EVENTS },
    dashboard: { operatorTenant: env.OPERATOR_TENANT, sessionIdleSeconds: env.ADMIN_SESSION_IDLE_SECONDS },
  };
}
