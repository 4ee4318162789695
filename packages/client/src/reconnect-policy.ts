import type { GatewayErrorCode as ErrorCode } from "@herald/contract";

/**
 * What to do after a connection attempt failed or a connection ended:
 * - `retry`: try again after a back-off delay, on the next gateway URL;
 * - `refresh`: get a fresh token and reconnect at once;
 * - `stop`: give up and report the error (retrying cannot help).
 */
export type NextStep = "retry" | "refresh" | "stop";

/**
 * `code` is the gateway's reason (connect_error data.code, or the code of
 * auth_expired / limit_exceeded / gateway_error just before it closed the
 * socket); undefined for network failures, a gateway going away and the like.
 * `canRefresh` is whether the token comes from a function that can mint a
 * new one.
 */
export function nextStep(code: ErrorCode | undefined, canRefresh: boolean): NextStep {
  switch (code) {
    case undefined:
    case "rate_limited":
    case "catch_up_failed":
    case "unavailable":
      return "retry";
    case "token_expired":
      return canRefresh ? "refresh" : "stop";
    case "token_missing":
    case "token_invalid":
    case "subject_mismatch":
      // A token function may have been handed a revoked or wrong token once; asking it again is cheap, looping is not.
      return "stop";
    case "invalid_handshake":
    case "origin_not_allowed":
    case "too_many_connections":
      return "stop";
  }
}

/** A JWT's claims, read without verifying (the gateway verifies): for display and timers only. Undefined if it is not a JWT. */
export function unverifiedClaims(token: string): Readonly<Record<string, unknown>> | undefined {
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const json = atob(
      payload
        .replace(/-/g, "+")
        .replace(/_/g, "/")
        .padEnd(Math.ceil(payload.length / 4) * 4, "="),
    );
    const claims: unknown = JSON.parse(json);
    return typeof claims === "object" && claims !== null ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** When a JWT expires (its `exp`, seconds since the epoch), read without verifying; undefined if it has none or is not a JWT. */
export function tokenExpiry(token: string): number | undefined {
  const exp = unverifiedClaims(token)?.exp;
  return typeof exp === "number" ? exp : undefined;
}
