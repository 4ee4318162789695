import type { NextFunction, Request, Response } from "express";
import { ApiError } from "@herald/contract";
import type { AuthConfig } from "./auth-config";
import { PUBLISH_SCOPE, publishGrant, type Principal, type ServicePrincipal, type UserPrincipal } from "./claims";
import { TokenError, verifyToken } from "./verify-token";

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  return match?.[1];
}

function authenticate(req: Request, auth: AuthConfig): Principal {
  try {
    return verifyToken(bearerToken(req.headers.authorization), auth);
  } catch (error) {
    if (error instanceof TokenError) throw new ApiError(401, "unauthorized", error.message);
    throw error;
  }
}

declare module "express-serve-static-core" {
  interface Request {
    principal?: Principal;
  }
}

/** Express middleware: the request must carry a user token (admin if `admin`). */
export function requireUser(auth: AuthConfig, options: { readonly admin?: boolean } = {}) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const principal = authenticate(req, auth);
    if (principal.kind !== "user") throw new ApiError(403, "forbidden", "a user token is required");
    if (options.admin && principal.role !== "admin") throw new ApiError(403, "forbidden", "an admin token is required");
    req.principal = principal;
    next();
  };
}

/**
 * Express middleware: the request must carry a token with a publish scope
 * (`events:publish`, or `events:publish:<pattern>`: which types it allows is
 * for the publishing route to check, event by event, with grantAllows).
 */
export function requirePublisher(auth: AuthConfig) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const principal = authenticate(req, auth);
    const scopes = principal.kind === "service" ? principal.scopes : [];
    if (!publishGrant(scopes)) {
      throw new ApiError(403, "forbidden", `token lacks the ${PUBLISH_SCOPE} scope`);
    }
    req.principal = principal;
    next();
  };
}

export function userOf(req: Request): UserPrincipal {
  if (req.principal?.kind !== "user") throw new ApiError(401, "unauthorized", "a user token is required");
  return req.principal;
}

export function serviceOf(req: Request): ServicePrincipal {
  if (req.principal?.kind !== "service") throw new ApiError(401, "unauthorized", "a service token is required");
  return req.principal;
}
