import { createPublicKey, createSecretKey, type KeyObject } from "node:crypto";
import jwt from "jsonwebtoken";
import type { AuthConfig } from "./auth-config";
import { DEFAULT_TENANT, PLATFORM_TENANT, isTenantId, tenantKey } from "@herald/contract";
import { emailAddressSchema } from "@herald/contract/schemas";
import type { Principal } from "./claims";

export class TokenError extends Error {
  override readonly name = "TokenError";
  constructor(
    readonly reason: "missing" | "expired" | "invalid",
    message: string,
  ) {
    super(message);
  }
}

/** Longest user, producer or project id a token may carry. */
const MAX_CLAIM_ID_LENGTH = 256;
/** Control characters and lone surrogates: ids end up in Postgres text, Redis keys, room names and logs. */
const UNSAFE_CHARACTER = /[\p{Cc}\p{Cs}]/u;

/** A string id as is, or undefined when the claim is anything else (null, a number, an object, an array, "", too long). */
function claimId(value: unknown): string | undefined {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_CLAIM_ID_LENGTH) return undefined;
  return UNSAFE_CHARACTER.test(value) ? undefined : value;
}

/** A space- or comma-separated string, or an array of strings, each one an id; anything else is a bad claim. */
function idList(value: unknown, claim: string): string[] | undefined {
  if (value === undefined) return undefined;
  const items = typeof value === "string" ? value.split(/[ ,]+/).filter(Boolean) : value;
  if (!Array.isArray(items)) throw new TokenError("invalid", `${claim} must be a list of strings`);
  return items.map((item: unknown) => {
    const id = claimId(item);
    if (id === undefined)
      throw new TokenError("invalid", `${claim} must hold only non-empty strings of at most ${MAX_CLAIM_ID_LENGTH} characters`);
    return id;
  });
}

/**
 * The `email` claim as one plain address, as the settings API takes it: a
 * list (`a@x.com, b@evil.example`), a group or a display name could make a
 * critical alert go to an address of the token holder's choosing. A token
 * with one is refused rather than stripped of it, so that a misconfigured
 * identity provider shows at once.
 */
function emailClaim(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const email = emailAddressSchema.safeParse(value);
  if (!email.success) throw new TokenError("invalid", "email must be a single email address");
  return email.data;
}

/**
 * The `tenant` claim: absent is `default` (installations from before tenants
 * keep working); anything but a tenant id is refused rather than defaulted,
 * since a typo would otherwise put a user in `default`'s data. `*` is for
 * producers only: no user may read across tenants.
 */
function tenantClaim(value: unknown, kind: "user" | "service"): string {
  if (value === undefined) return DEFAULT_TENANT;
  if (value === PLATFORM_TENANT && kind === "service") return PLATFORM_TENANT;
  if (!isTenantId(value)) {
    throw new TokenError(
      "invalid",
      kind === "user"
        ? "tenant must be a tenant id ([A-Za-z0-9_.-]{1,64})"
        : "tenant must be a tenant id ([A-Za-z0-9_.-]{1,64}) or * for a platform producer",
    );
  }
  return value;
}

/**
 * The configured key as a KeyObject, made once per config: given a string,
 * jsonwebtoken builds one on every call (it first tries to parse it as a
 * public key), which took 38 % of ingest's CPU under load (bench:ingest).
 */
const keyObjects = new WeakMap<AuthConfig, KeyObject>();
function keyObjectOf(auth: AuthConfig): KeyObject {
  let key = keyObjects.get(auth);
  if (key === undefined) {
    key = auth.algorithm === "HS256" ? createSecretKey(Buffer.from(auth.verificationKey, "utf8")) : createPublicKey(auth.verificationKey);
    keyObjects.set(auth, key);
  }
  return key;
}

/**
 * Verifies a bearer token and turns its claims into a principal. A token with
 * a `role` is a user; one without a role but with a `scope` is a producer.
 */
export function verifyToken(token: string | undefined, auth: AuthConfig): Principal {
  if (!token) throw new TokenError("missing", "a bearer token is required");
  let claims: jwt.JwtPayload;
  try {
    const decoded = jwt.verify(token, keyObjectOf(auth), { algorithms: [auth.algorithm] });
    if (typeof decoded === "string") throw new TokenError("invalid", "token payload must be a JSON object");
    claims = decoded;
  } catch (error) {
    if (error instanceof TokenError) throw error;
    if (error instanceof jwt.TokenExpiredError) throw new TokenError("expired", "token has expired");
    throw new TokenError("invalid", `invalid token: ${(error as Error).message}`);
  }
  if (claims.sub === undefined) throw new TokenError("invalid", "token has no subject (sub)");
  // Only a string is an id: String(null), String({}) and String(["42"]) would make users of "null", "[object Object]" and "42".
  const subject = claimId(claims.sub);
  if (subject === undefined) {
    throw new TokenError(
      "invalid",
      `sub must be a non-empty string of at most ${MAX_CLAIM_ID_LENGTH} characters without control characters`,
    );
  }

  if (claims.role === "admin" || claims.role === "user") {
    const email = emailClaim(claims.email);
    const projects = idList(claims.projects, "projects");
    const tenant = tenantClaim(claims.tenant, "user");
    return {
      kind: "user",
      userId: tenantKey(tenant, subject),
      subject,
      tenant,
      role: claims.role,
      ...(email !== undefined && { email }),
      ...(projects !== undefined && { projects }),
      ...(claims.exp !== undefined && { expiresAt: claims.exp }),
    };
  }
  if (claims.role !== undefined) throw new TokenError("invalid", "role must be admin or user");
  const scopes = idList(claims.scope, "scope");
  if (!scopes) throw new TokenError("invalid", "token has neither a role nor a scope");
  return {
    kind: "service",
    subject,
    tenant: tenantClaim(claims.tenant, "service"),
    scopes,
    ...(claims.exp !== undefined && { expiresAt: claims.exp }),
  };
}
