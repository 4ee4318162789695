import { RETRY_POLICY_ENV, retryPolicies, THROTTLE_ENV, type RetryPolicies } from "@herald/dispatch";
import {
  EVENT_RETENTION_ENV,
  INSTALLATION_ENV,
  installationConfig,
  optionalString,
  parseEnv,
  port,
  positiveInt,
  SERVICE_PORTS,
  type InstallationConfig,
} from "@herald/runtime";

const ENV = {
  ...INSTALLATION_ENV,
  ...RETRY_POLICY_ENV,
  ...EVENT_RETENTION_ENV,
  ...THROTTLE_ENV,
  ROUTER_PORT: port(SERVICE_PORTS.router),
  /** The most stream entries a batch reads (BatchSizer picks each batch's size up to it). */
  ROUTER_BATCH_SIZE: positiveInt(1_000),
  /** The rows (one per candidate of each event) a batch aims at, whatever its events' recipients. */
  ROUTER_BATCH_ROWS: positiveInt(4_000),
  /** A pending entry idle this long belongs to a dead consumer and is reclaimed. */
  ROUTER_CLAIM_IDLE_MS: positiveInt(30_000),
  ROUTER_BLOCK_MS: positiveInt(2_000),
  /**
   * An event with more candidates than this is a large fan-out: acknowledged
   * once stored with a durable cursor, then written and pushed this many
   * recipients at a time, other events' batches going on in between.
   */
  ROUTER_FANOUT_CHUNK: positiveInt(1_000),
  /**
   * This router's name in the consumer group; default `<hostname>:<ROUTER_PORT>`
   * (consumer-name.ts). Keep it across restarts, so a restarted router finishes
   * what it left pending at once; never give two running routers the same one.
   */
  ROUTER_CONSUMER_NAME: optionalString,
  /**
   * Failed attempts at one stream entry, with an error of unknown kind and its
   * dependencies up, after which it goes to the dead-letter stream. Data
   * errors dead-letter at once; outages never do.
   */
  ROUTER_MAX_DELIVERIES: positiveInt(10),
  /** Safety net for the router's preference cache, on top of explicit invalidation. */
  PREFERENCE_CACHE_TTL_MS: positiveInt(60_000),
  /**
   * The subscription index is reloaded when ingest announces a change (one GET
   * per batch notices it); past this age it is reloaded anyway, should an
   * announcement have been lost (Redis down when the change was made).
   */
  ROUTER_SUBSCRIPTION_CACHE_TTL_MS: positiveInt(30_000),
  /** How long after its first event a group (user, type, groupKey) takes more events into its notification. */
  GROUP_WINDOW_MS: positiveInt(60_000),
};

export interface RouterConfig extends InstallationConfig {
  /** Health port. */
  readonly port: number;
  readonly router: {
    readonly batchSize: number;
    readonly batchRows: number;
    readonly claimIdleMs: number;
    readonly blockMs: number;
    readonly fanoutChunk: number;
    readonly consumerName?: string;
    readonly maxDeliveries: number;
    readonly preferenceCacheTtlMs: number;
    readonly subscriptionCacheTtlMs: number;
    /** The event stream keeps no entry older than this, whoever still needs it. */
    readonly eventRetentionMs: number;
    readonly groupWindowMs: number;
    readonly throttleWindowMs: number;
  };
  readonly retryPolicies: RetryPolicies;
}

export function loadConfig(source: Record<string, string | undefined> = process.env): RouterConfig {
  const env = parseEnv(ENV, source);
  return {
    ...installationConfig(env),
    port: env.ROUTER_PORT,
    router: {
      batchSize: env.ROUTER_BATCH_SIZE,
      batchRows: env.ROUTER_BATCH_ROWS,
      claimIdleMs: env.ROUTER_CLAIM_IDLE_MS,
      blockMs: env.ROUTER_BLOCK_MS,
      fanoutChunk: env.ROUTER_FANOUT_CHUNK,
      consumerName: env.ROUTER_CONSUMER_NAME,
      maxDeliveries: env.ROUTER_MAX_DELIVERIES,
      preferenceCacheTtlMs: env.PREFERENCE_CACHE_TTL_MS,
      subscriptionCacheTtlMs: env.ROUTER_SUBSCRIPTION_CACHE_TTL_MS,
      eventRetentionMs: env.EVENT_RETENTION_MS,
      groupWindowMs: env.GROUP_WINDOW_MS,
      throttleWindowMs: env.THROTTLE_WINDOW_MS,
    },
    retryPolicies: retryPolicies(env),
  };
}
