import { DEFAULT_IDEMPOTENCY_TTL_SECONDS, type ToastConfig } from "@herald/contract";
import { AUTH_ENV, authConfigOnFirstUse, type AuthConfig } from "@herald/auth";
import {
  INSTALLATION_ENV,
  installationConfig,
  ADDRESS_POLICY_ENV,
  commaList,
  ConfigError,
  nonNegativeInt,
  optionalNonNegativeInt,
  optionalString,
  parseEnv,
  port,
  positiveInt,
  SERVICE_PORTS,
  webhookAllowedHosts,
  type InstallationConfig,
} from "@herald/runtime";
import { z } from "zod";

export const GATEWAY_TRANSPORTS = ["polling", "websocket"] as const;
export type GatewayTransport = (typeof GATEWAY_TRANSPORTS)[number];

const ENV = {
  ...INSTALLATION_ENV,
  ...AUTH_ENV,
  // The settings API refuses webhook URLs with a private IP literal unless allowlisted, as the worker does on delivery.
  ...ADDRESS_POLICY_ENV,
  GATEWAY_PORT: port(SERVICE_PORTS.gateway),
  CORS_ORIGINS: optionalString,
  /**
   * Ingest's base URL as the gateway reaches it: the web UI's admin panel calls ingest's operator API through this
   * gateway (same origin, so the page's CSP keeps connect-src 'self'). Unset: /api/v1/admin here answers 404.
   */
  INGEST_URL: z.string().url().optional(),
  /** Ingest's base URL as a browser reaches it, for the admin panel's link to the queue dashboard (default INGEST_URL). */
  INGEST_PUBLIC_URL: z.string().url().optional(),
  /**
   * How long a new connection may take to complete its Socket.IO handshake
   * (authenticated, in its room) before the gateway closes it; Socket.IO's default is 45 s.
   */
  GATEWAY_CONNECT_TIMEOUT_MS: positiveInt(10_000),
  /** Connections not yet authenticated that one gateway process holds at most; further ones are refused (HTTP 403) until some finish. */
  GATEWAY_MAX_PENDING_HANDSHAKES: positiveInt(1000),
  /** Sockets one user may hold on one gateway process; the next is refused. */
  GATEWAY_MAX_CONNECTIONS_PER_USER: positiveInt(20),
  /** Inbound Socket.IO messages per second one connection may send (sustained), and the burst above it. */
  GATEWAY_INBOUND_RATE_PER_SECOND: positiveInt(10),
  GATEWAY_INBOUND_BURST: positiveInt(20),
  /** Largest inbound Socket.IO message (clients only send small control messages). */
  GATEWAY_MAX_MESSAGE_BYTES: positiveInt(16 * 1024),
  /** Missed notifications replayed on reconnect at most; past it the newest are sent and the client told to reload the list. */
  GATEWAY_CATCH_UP_LIMIT: positiveInt(1000),
  /**
   * Bytes of notifications (payload as JSON, title, body, plus a fixed
   * allowance per item) one catch-up replays at most, always at least one;
   * past it, the newest that fit are sent and the client told to reload the list.
   */
  GATEWAY_CATCH_UP_MAX_BYTES: positiveInt(2 * 1024 * 1024),
  /** Bytes of notifications one REST list page holds at most, always at least one; the rest is on the next page (`nextCursor`). */
  GATEWAY_PAGE_MAX_BYTES: positiveInt(1024 * 1024),
  /** Engine.IO transports accepted: "websocket" alone needs no sticky sessions; polling does. */
  GATEWAY_TRANSPORTS: z.string().default("polling,websocket"),
  /** How long a toast stays up before it closes by itself (0: until dismissed), and per category. */
  /** How long the id of a notification.action the gateway published stays claimed (acting again within it publishes nothing). */
  IDEMPOTENCY_TTL_SECONDS: positiveInt(DEFAULT_IDEMPOTENCY_TTL_SECONDS),
  TOAST_EXPIRE_MS: nonNegativeInt(5_000),
  TOAST_EXPIRE_MS_JOB: optionalNonNegativeInt,
  TOAST_EXPIRE_MS_REVIEW: optionalNonNegativeInt,
  TOAST_EXPIRE_MS_SYSTEM: optionalNonNegativeInt,
  TOAST_EXPIRE_MS_COLLABORATION: optionalNonNegativeInt,
  TOAST_EXPIRE_MS_DIGEST: optionalNonNegativeInt,
};

export interface GatewayConfig {
  readonly connectTimeoutMs: number;
  readonly maxPendingHandshakes: number;
  readonly maxConnectionsPerUser: number;
  readonly inboundRatePerSecond: number;
  readonly inboundBurst: number;
  readonly maxMessageBytes: number;
  readonly catchUpLimit: number;
  readonly catchUpMaxBytes: number;
  readonly pageMaxBytes: number;
  readonly transports: readonly GatewayTransport[];
  readonly toast: ToastConfig;
}

export interface RealtimeGatewayConfig extends InstallationConfig {
  readonly port: number;
  /** Resolved on first use, so the other settings parse without the JWT ones. */
  readonly auth: AuthConfig;
  /** Allowed browser origins for REST and Socket.IO; undefined means any. */
  readonly corsOrigins?: readonly string[];
  readonly webhookAllowedHosts: readonly string[];
  readonly gateway: GatewayConfig;
  readonly idempotencyTtlSeconds: number;
  /** Where the admin panel's operator calls go; undefined: no admin panel. */
  readonly ingest?: { readonly url: string; readonly publicUrl: string };
}

function gatewayConfig(env: z.infer<z.ZodObject<typeof ENV>>): GatewayConfig {
  const transports = [...new Set(commaList(env.GATEWAY_TRANSPORTS))];
  const unknown = transports.filter((t) => !(GATEWAY_TRANSPORTS as readonly string[]).includes(t));
  if (transports.length === 0 || unknown.length > 0) {
    throw new ConfigError(
      `GATEWAY_TRANSPORTS: expected a comma-separated subset of ${GATEWAY_TRANSPORTS.join(", ")}, got ${env.GATEWAY_TRANSPORTS}`,
    );
  }
  const fallback = env.TOAST_EXPIRE_MS;
  return {
    connectTimeoutMs: env.GATEWAY_CONNECT_TIMEOUT_MS,
    maxPendingHandshakes: env.GATEWAY_MAX_PENDING_HANDSHAKES,
    maxConnectionsPerUser: env.GATEWAY_MAX_CONNECTIONS_PER_USER,
    inboundRatePerSecond: env.GATEWAY_INBOUND_RATE_PER_SECOND,
    inboundBurst: env.GATEWAY_INBOUND_BURST,
    maxMessageBytes: env.GATEWAY_MAX_MESSAGE_BYTES,
    catchUpLimit: env.GATEWAY_CATCH_UP_LIMIT,
    catchUpMaxBytes: env.GATEWAY_CATCH_UP_MAX_BYTES,
    pageMaxBytes: env.GATEWAY_PAGE_MAX_BYTES,
    transports: transports as GatewayTransport[],
    toast: {
      defaultAutoExpireMs: fallback,
      categories: {
        job: env.TOAST_EXPIRE_MS_JOB ?? fallback,
        review: env.TOAST_EXPIRE_MS_REVIEW ?? fallback,
        system: env.TOAST_EXPIRE_MS_SYSTEM ?? fallback,
        collaboration: env.TOAST_EXPIRE_MS_COLLABORATION ?? fallback,
        digest: env.TOAST_EXPIRE_MS_DIGEST ?? fallback,
      },
    },
  };
}

export function loadConfig(source: Record<string, string | undefined> = process.env): RealtimeGatewayConfig {
  const env = parseEnv(ENV, source);
  const installation = installationConfig(env);
  const auth = authConfigOnFirstUse(env, installation.production);
  return {
    ...installation,
    port: env.GATEWAY_PORT,
    get auth(): AuthConfig {
      return auth();
    },
    corsOrigins: commaList(env.CORS_ORIGINS),
    webhookAllowedHosts: webhookAllowedHosts(env),
    gateway: gatewayConfig(env),
    idempotencyTtlSeconds: env.IDEMPOTENCY_TTL_SECONDS,
    ...(env.INGEST_URL && {
      ingest: { url: env.INGEST_URL.replace(/\/$/, ""), publicUrl: (env.INGEST_PUBLIC_URL ?? env.INGEST_URL).replace(/\/$/, "") },
    }),
  };
}
