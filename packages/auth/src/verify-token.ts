import jwt from "jsonwebtoken";
import type { AuthConfig } from "./auth-config";
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

function stringList(value: unknown): string[] | undefined {
  if (typeof value === "string") return value.split(/[ ,]+/).filter(Boolean);
  if (Array.isArray(value)) return value.map((v) => String(v));
  return undefined;
}

/**
 * Verifies a bearer token and turns its claims into a principal. A token with
 * a `role` is a user; one without a role but with a `scope` is a producer.
 */
export function verifyToken(token: string | undefined, auth: AuthConfig): Principal {
  if (!token) throw new TokenError("missing", "a bearer token is required");
  let claims: jwt.JwtPayload;
  try {
    const decoded = jwt.verify(token, auth.verificationKey, { algorithms: [auth.algorithm] });
    if (typeof decoded === "string") throw new TokenError("invalid", "token payload must be a JSON object");
    claims = decoded;
  } catch (error) {
    if (error instanceof TokenError) throw error;
    if (error instanceof jwt.TokenExpiredError) throw new TokenError("expired", "token has expired");
    throw new TokenError("invalid", `invalid token: ${(error as Error).message}`);
  }
  const subject = claims.sub === undefined ? undefined : String(claims.sub);
  if (!subject) throw new TokenError("invalid", "token has no subject (sub)");

  if (claims.role === "admin" || claims.role === "user") {
    const email = typeof claims.email === "string" ? claims.email : undefined;
    const projects = stringList(claims.projects);
    return {
      kind: "user",
      userId: subject,
      role: claims.role,
      ...(email !== undefined && { email }),
      ...(projects !== undefined && { projects }),
      ...(claims.exp !== undefined && { expiresAt: claims.exp }),
    };
  }
  if (claims.role !== undefined) throw new TokenError("invalid", "role must be admin or user");
  const scopes = stringList(claims.scope);
  if (!scopes) throw new TokenError("invalid", "token has neither a role nor a scope");
  return { kind: "service", subject, scopes, ...(claims.exp !== undefined && { expiresAt: claims.exp }) };
}
