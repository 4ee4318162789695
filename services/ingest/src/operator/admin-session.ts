import { parse } from "cookie";
import type { CookieOptions } from "express";

/** The dashboard session cookie: a session id (AdminSessionStore), never the admin token itself. */
export const ADMIN_COOKIE = "herald_admin";
/** Only the dashboard and its login see it: the JSON API takes bearer tokens only. */
export const ADMIN_COOKIE_PATH = "/admin";

/** The value of one cookie in a Cookie header, if present and well formed (a value that does not URL-decode is not). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  // cookie's own decoding falls back to the raw text on a bad escape; a token must decode or be refused.
  const raw = parse(header, { decode: (value) => value })[name];
  if (raw === undefined) return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/**
 * HttpOnly (scripts never see the session id), SameSite=Strict (no other
 * site can make the browser send it), Secure where it travels over https,
 * and gone when the token it was opened with expires.
 */
export function sessionCookieOptions(expiresAtSeconds: number, secure: boolean): CookieOptions {
  return { httpOnly: true, sameSite: "strict", secure, path: ADMIN_COOKIE_PATH, expires: new Date(expiresAtSeconds * 1000) };
}

/** The options a cookie was set with, less its lifetime: what clearing it needs. */
export function clearedCookieOptions(secure: boolean): CookieOptions {
  return { httpOnly: true, sameSite: "strict", secure, path: ADMIN_COOKIE_PATH };
}

export type RequestOrigin = "same" | "cross" | "unknown";

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * Where a browser says a request comes from: its Origin (sent on every
 * cross-origin request and every non-GET one by current browsers), else its
 * Referer, compared with the Host it was sent to. Only hosts are compared,
 * not schemes: behind a TLS-terminating proxy the page is https while we see
 * http. "unknown" when the request carries neither (curl, scripts).
 */
export function requestOrigin(headers: { readonly origin?: string; readonly referer?: string; readonly host?: string }): RequestOrigin {
  const source = headers.origin ?? headers.referer;
  if (source === undefined) return "unknown";
  const host = headers.host?.toLowerCase();
  // "Origin: null" (sandboxed frames, some redirects) names no site: never ours.
  return host !== undefined && hostOf(source) === host ? "same" : "cross";
}
