import { BASE_ENV, baseConfig, ConfigError, optionalString, parseEnv } from "@herald/runtime";

/** Signs and verifies local development tokens only: production refuses it. */
export const DEV_JWT_SECRET = "herald-dev-secret-not-for-production";

/** The JWT settings, for services that verify or sign tokens. */
export const AUTH_ENV = {
  JWT_SECRET: optionalString,
  JWT_PUBLIC_KEY: optionalString,
};

export interface AuthConfig {
  readonly algorithm: "HS256" | "RS256";
  /** HMAC secret (HS256) or PEM public key (RS256). */
  readonly verificationKey: string;
  /** Only set for HS256: the same secret signs dev tokens. */
  readonly signingSecret?: string;
  readonly usingDevSecret: boolean;
}

/** RS256 with a public key, else HS256 with the secret; the dev secret, or a short one, is refused in production. */
export function authConfig(env: { readonly JWT_SECRET?: string; readonly JWT_PUBLIC_KEY?: string }, production: boolean): AuthConfig {
  if (env.JWT_PUBLIC_KEY) {
    return { algorithm: "RS256", verificationKey: env.JWT_PUBLIC_KEY.replace(/\\n/g, "\n"), usingDevSecret: false };
  }
  const secret = env.JWT_SECRET ?? DEV_JWT_SECRET;
  const usingDevSecret = secret === DEV_JWT_SECRET;
  if (production && usingDevSecret) {
    throw new ConfigError("JWT_SECRET must be set to a real secret when NODE_ENV=production (the dev default is refused)");
  }
  if (production && secret.length < 32) {
    throw new ConfigError("JWT_SECRET must be at least 32 characters when NODE_ENV=production");
  }
  return { algorithm: "HS256", verificationKey: secret, signingSecret: secret, usingDevSecret };
}

/**
 * The JWT settings, resolved when first read: a service's config still parses
 * its other settings (ports, limits) without them, and a service that uses
 * tokens refuses to start as soon as it reads them and they are wrong.
 */
export function authConfigOnFirstUse(env: Parameters<typeof authConfig>[0], production: boolean): () => AuthConfig {
  let resolved: AuthConfig | undefined;
  return () => (resolved ??= authConfig(env, production));
}

/** The JWT settings alone, for scripts and tests that sign or verify tokens. */
export function loadAuthConfig(source: Record<string, string | undefined> = process.env): AuthConfig {
  const env = parseEnv({ ...BASE_ENV, ...AUTH_ENV }, source);
  return authConfig(env, baseConfig(env).production);
}
