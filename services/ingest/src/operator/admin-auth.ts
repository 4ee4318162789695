import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from "express";
import { refuseOutsideOperatorTenant } from "./operator-tenant";
import { z } from "zod";
import { ApiError } from "@herald/contract";
import type { AuthConfig } from "@herald/auth";
import { requireUser, TokenError, verifyToken, type UserPrincipal } from "@herald/auth";
import { ADMIN_COOKIE, clearedCookieOptions, readCookie, requestOrigin, sessionCookieOptions } from "./admin-session";
import type { AdminSessionStore } from "./admin-session-store";
import { LOGIN_PAGE_HEADERS, renderLoginPage } from "./login-page";
import { parseBody } from "@herald/runtime";

export const LOGIN_PATH = "/admin/login";
export const DASHBOARD_PATH = "/admin/queues";

export interface AdminAuthOptions {
  readonly auth: AuthConfig;
  /** Where the cookie's session ids lead to the admin they were opened for. */
  readonly sessions: AdminSessionStore;
  /** Mark the cookie Secure even on a plain-http request (production sits behind TLS). */
  readonly secureCookies: boolean;
  /** Only this tenant's admins log in (OPERATOR_TENANT): the dashboard shows every tenant's jobs. */
  readonly operatorTenant: string;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function wantsHtml(req: Request): boolean {
  return req.accepts(["json", "html"]) === "html";
}

function cookieIsSecure(req: Request, options: AdminAuthOptions): boolean {
  return options.secureCookies || req.secure;
}

/** Verifies a token as an admin's: 401 when it is not a valid token, 403 when it is not an admin's. */
function verifyAdmin(token: string, auth: AuthConfig): UserPrincipal {
  let principal;
  try {
    principal = verifyToken(token, auth);
  } catch (error) {
    if (error instanceof TokenError) throw new ApiError(401, "unauthorized", error.message);
    throw error;
  }
  if (principal.kind !== "user" || principal.role !== "admin") throw new ApiError(403, "forbidden", "an admin token is required");
  return principal;
}

/** The session store is Redis: without it no session can be checked, opened or ended. */
async function sessionStore<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch {
    throw new ApiError(503, "redis_unavailable", "dashboard sessions are unavailable; retry later");
  }
}

/**
 * Guards the dashboard: an admin bearer token, or the login cookie's session. Requests
 * that change something on the strength of the cookie must come from our
 * own pages (Origin or Referer naming this host): SameSite=Strict already
 * keeps the cookie off other sites' requests, this also covers browsers
 * that ignore SameSite. A browser page load without a session is sent to
 * the login form instead of getting a JSON 401.
 */
export function requireAdminSession(options: AdminAuthOptions): RequestHandler {
  const bearer = requireUser(options.auth, { admin: true });
  return async (req, res, next) => {
    if (req.headers.authorization !== undefined) return bearer(req, res, next);
    const toLogin = (error: ApiError): void => {
      if ((req.method === "GET" || req.method === "HEAD") && wantsHtml(req)) return res.redirect(303, LOGIN_PATH);
      throw error;
    };
    const sessionId = readCookie(req.headers.cookie, ADMIN_COOKIE);
    if (sessionId === undefined)
      return toLogin(new ApiError(401, "unauthorized", `an admin bearer token or a session from ${LOGIN_PATH} is required`));
    const principal = await sessionStore(() => options.sessions.find(sessionId));
    if (principal === undefined) {
      // Logged out, idle too long, expired with its token, or never ours: the browser stops sending it.
      res.clearCookie(ADMIN_COOKIE, clearedCookieOptions(cookieIsSecure(req, options)));
      return toLogin(new ApiError(401, "unauthorized", `session has ended; log in again at ${LOGIN_PATH}`));
    }
    if (!SAFE_METHODS.has(req.method) && requestOrigin(req.headers) !== "same") {
      throw new ApiError(
        403,
        "cross_site_request",
        "a session-authenticated change must come from this site's own pages (Origin or Referer)",
      );
    }
    req.principal = principal;
    next();
  };
}

/** Frames of admin pages are refused: no clickjacking of dashboard buttons. */
export function denyFraming(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader("x-frame-options", "DENY");
  next();
}

const loginSchema = z
  .object({
    // Pasting "Bearer eyJ…" straight from a curl line works too.
    token: z
      .string()
      .trim()
      .transform((t) => t.replace(/^Bearer\s+/i, ""))
      .pipe(z.string().min(1, "paste an admin token")),
  })
  .strict();

/** A login POST from another site could plant a session of the attacker's choosing. */
function refuseCrossSite(req: Request): void {
  if (requestOrigin(req.headers) === "cross") {
    throw new ApiError(403, "cross_site_request", "this request must come from this site's own login page");
  }
}

/**
 * GET /login: the form; POST /login: checks the pasted token is an admin's
 * and one that expires, opens a session and sets its cookie; POST /logout:
 * ends the session and drops the cookie. Mounted under /admin.
 */
export function createAdminLoginRouter(options: AdminAuthOptions): Router {
  const router = Router();
  const renderPage = (res: Response, status: number, error?: string) =>
    res
      .status(status)
      .set(LOGIN_PAGE_HEADERS)
      .type("html")
      .send(renderLoginPage({ action: LOGIN_PATH, error }));

  router.get("/login", (_req, res) => {
    renderPage(res, 200);
  });

  const bodyParsers = [express.urlencoded({ extended: false, limit: "16kb" }), express.json({ limit: "16kb", strict: false })];
  router.post("/login", ...bodyParsers, async (req, res) => {
    try {
      refuseCrossSite(req);
      if (!req.is(["application/x-www-form-urlencoded", "application/json"])) {
        throw new ApiError(415, "unsupported_media_type", "send the token as application/x-www-form-urlencoded or application/json");
      }
      const { token } = parseBody(loginSchema, req.body);
      const admin = verifyAdmin(token, options.auth);
      refuseOutsideOperatorTenant(admin.tenant, options.operatorTenant);
      // A token that never expires would make a session that ends only at logout or when idle.
      const { expiresAt } = admin;
      if (expiresAt === undefined) throw new ApiError(401, "unauthorized", "the dashboard needs a token that expires (exp)");
      const sessionId = await sessionStore(() => options.sessions.create({ ...admin, expiresAt }));
      if (sessionId === undefined) throw new ApiError(401, "unauthorized", "token has expired");
      res.cookie(ADMIN_COOKIE, sessionId, sessionCookieOptions(expiresAt, cookieIsSecure(req, options)));
      if (wantsHtml(req)) return res.redirect(303, DASHBOARD_PATH);
      res.json({ userId: admin.subject, expiresAt: new Date(expiresAt * 1000).toISOString() });
    } catch (error) {
      // A person at the form sees what went wrong on the form; programs get the JSON error.
      if (error instanceof ApiError && wantsHtml(req)) return renderPage(res, error.status, error.message);
      throw error;
    }
  });

  router.post("/logout", async (req, res) => {
    refuseCrossSite(req);
    const sessionId = readCookie(req.headers.cookie, ADMIN_COOKIE);
    if (sessionId !== undefined) await sessionStore(() => options.sessions.revoke(sessionId));
    res.clearCookie(ADMIN_COOKIE, clearedCookieOptions(cookieIsSecure(req, options)));
    if (wantsHtml(req)) return res.redirect(303, LOGIN_PATH);
    res.status(204).end();
  });

  return router;
}
