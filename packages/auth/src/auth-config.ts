import { BASE_ENV, baseConfig, ConfigError, flag, optionalString, parseEnv } from "@herald/runtime";

/** Signs and verifies local development tokens only: public, so only ever used with HERALD_DEV_AUTH=1 and never in production. */
export const DEV_JWT_SECRET = "herald-dev-secret-not-for-production";

/** The JWT settings, for services that verify or sign tokens. */
export const AUTH_ENV = {
  JWT_SECRET: optionalString,
  JWT_PUBLIC_KEY: optionalString,
  /**
   * Opt-in to the public dev secret when JWT_SECRET is unset (`npm start`
   * and the tests set it). Without it a missing secret stops the service,
   * whatever NODE_ENV says: a forgotten NODE_ENV must not open the door.
   */
  HERALD_DEV_AUTH: flag(false),
};

type AuthEnv = { readonly JWT_SECRET?: string; readonly JWT_PUBLIC_KEY?: string; readonly HERALD_DEV_AUTH?: boolean };

export interface AuthConfig {
  readonly algorithm: "HS256" | "RS256";
  /** HMAC secret (HS256) or PEM public key (RS256). */
  readonly verificationKey: string;
  /** Only set for HS256: the same secret signs dev tokens. */
  readonly signingSecret?: string;
  readonly usingDevSecret: boolean;
}

/**
 * RS256 with a public key, else HS256 with JWT_SECRET. The dev secret only
 * with HERALD_DEV_AUTH and never in production; a short secret is refused in
 * production.
 */
export function authConfig(env: AuthEnv, production: boolean): AuthConfig {
  if (env.JWT_PUBLIC_KEY) {
    return { algorithm: "RS256", verificationKey: env.JWT_PUBLIC_KEY.replace(/\\n/g, "\n"), usingDevSecret: false };
  }
  if (env.JWT_SECRET === undefined && !env.HERALD_DEV_AUTH) {
    throw new ConfigError(
      "JWT_SECRET (or JWT_PUBLIC_KEY) must be set; for local development only, HERALD_DEV_AUTH=1 uses the public dev secret instead",
    );
  }
  const secret = env.JWT_SECRET ?? DEV_JWT_SECRET;
  const usingDevSecret = secret === DEV_JWT_SECRET;
  if (production && usingDevSecret) {
    throw new ConfigError("JWT_SECRET must be set to a real secret when NODE_ENV=production (the dev default is refused)");
  }
  if (usingDevSecret && !env.HERALD_DEV_AUTH) {
    throw new ConfigError("JWT_SECRET is the public dev secret: set a real one, or HERALD_DEV_AUTH=1 for local development");
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
export function authConfigOnFirstUse(env: AuthEnv, production: boolean): () => AuthConfig {
  let resolved: AuthConfig | undefined;
  return () => (resolved ??= authConfig(env, production));
}

/** The JWT settings alone, for scripts and tests that sign or verify tokens. */
export function loadAuthConfig(source: Record<string, string | undefined> = process.env): AuthConfig {
  const env = parseEnv({ ...BASE_ENV, ...AUTH_ENV }, source);
  return authConfig(env, baseConfig(env).production);
}
