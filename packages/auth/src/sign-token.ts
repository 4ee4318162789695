import jwt from "jsonwebtoken";
import type { AuthConfig } from "./auth-config";
import { PUBLISH_SCOPE } from "./claims";

export type TokenRequest =
  | {
      readonly kind: "user";
      readonly sub: string;
      readonly role: "admin" | "user";
      readonly email?: string;
      readonly projects?: readonly string[];
      /** Omitted: the token has no `tenant` claim, i.e. `default`. */
      readonly tenant?: string;
    }
  | { readonly kind: "service"; readonly sub: string; readonly scopes?: readonly string[]; readonly tenant?: string };

/**
 * Signs a token with the configured HMAC secret. Meant for development and
 * tests; production tokens come from the platform's identity provider.
 */
export function signToken(request: TokenRequest, auth: AuthConfig, expiresInSeconds = 24 * 3600): string {
  if (!auth.signingSecret) {
    throw new Error("tokens can only be signed with an HS256 JWT_SECRET (RS256 keys verify, they do not sign here)");
  }
  const claims = {
    ...(request.kind === "user"
      ? { role: request.role, ...(request.email && { email: request.email }), projects: request.projects ?? [] }
      : { scope: (request.scopes ?? [PUBLISH_SCOPE]).join(" ") }),
    ...(request.tenant !== undefined && { tenant: request.tenant }),
  };
  return jwt.sign(claims, auth.signingSecret, { algorithm: "HS256", subject: request.sub, expiresIn: expiresInSeconds });
}
