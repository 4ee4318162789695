import type { NextFunction, Request, Response } from "express";
import { ApiError, PLATFORM_TENANT } from "@herald/contract";
import type { AuthConfig } from "./auth-config";
import {
  PUBLISH_SCOPE,
  SUBSCRIBE_SCOPE,
  publishGrant,
  type Principal,
  type PublishGrant,
  type ServicePrincipal,
  type UserPrincipal,
} from "./claims";
import { TokenError, verifyToken } from "./verify-token";

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  return match?.[1];
}

/**
 * The principal of an Authorization header, verified by `verify` (verifyToken,
 * or a VerifiedTokens' verify): 401 when the token is missing or bad.
 */
export function authenticate(header: string | undefined, verify: (token: string | undefined) => Principal): Principal {
  try {
    return verify(bearerToken(header));
  } catch (error) {
    if (error instanceof TokenError) throw new ApiError(401, "unauthorized", error.message);
    throw error;
  }
}

/**
 * A principal that may publish, with what it may publish: 403 unless it has a
 * publish scope (`events:publish`, or `events:publish:<pattern>`: which types
 * it allows is for the publishing route to check, event by event, with
 * grantAllows).
 */
export function publisherOf(principal: Principal): { readonly producer: ServicePrincipal; readonly grant: PublishGrant } {
  const grant = principal.kind === "service" ? publishGrant(principal.scopes) : undefined;
  if (principal.kind !== "service" || !grant) {
    throw new ApiError(403, "forbidden", `token lacks the ${PUBLISH_SCOPE} scope`);
  }
  return { producer: principal, grant };
}

/**
 * A service token that may manage webhook subscriptions (scope
 * `events:subscribe`), of one tenant: a platform producer (`*`) belongs to
 * no tenant whose subscriptions it could own, so it is refused too.
 */
export function subscriberOf(principal: Principal): ServicePrincipal {
  if (principal.kind !== "service" || !principal.scopes.includes(SUBSCRIBE_SCOPE)) {
    throw new ApiError(403, "forbidden", `token lacks the ${SUBSCRIBE_SCOPE} scope`);
  }
  if (principal.tenant === PLATFORM_TENANT) {
    throw new ApiError(403, "forbidden", "a platform token (tenant *) has no tenant to subscribe in; use a token of the tenant");
  }
  return principal;
}

declare module "express-serve-static-core" {
  interface Request {
    principal?: Principal;
  }
}

/** Express middleware: the request must carry a user token (admin if `admin`). */
export function requireUser(auth: AuthConfig, options: { readonly admin?: boolean } = {}) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const principal = authenticate(req.headers.authorization, (token) => verifyToken(token, auth));
    if (principal.kind !== "user") throw new ApiError(403, "forbidden", "a user token is required");
    if (options.admin && principal.role !== "admin") throw new ApiError(403, "forbidden", "an admin token is required");
    req.principal = principal;
    next();
  };
}

export function userOf(req: Request): UserPrincipal {
  if (req.principal?.kind !== "user") throw new ApiError(401, "unauthorized", "a user token is required");
  return req.principal;
}
