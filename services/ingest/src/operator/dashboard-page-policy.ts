import type { NextFunction, Request, Response } from "express";

/**
 * What bull-board's UI needs, and nothing more: its scripts, styles, images
 * and API calls all come from our own origin. Styles may be inline (its
 * loading placeholder uses style attributes and a <style> element); scripts
 * may not, so markup injected through a job's name or data cannot run.
 * No frames of it anywhere (clickjacking its buttons), and the page's
 * <base href> must stay ours.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": DASHBOARD_CSP,
  "x-content-type-options": "nosniff",
  // Full referrers to ourselves (the session's same-site check may use them), none elsewhere.
  "referrer-policy": "same-origin",
};

/** The one thing bull-board's page loads from elsewhere: its fonts, from Google. */
const THIRD_PARTY_FONTS = /<link\b[^>]*\bhref="https:\/\/fonts\.googleapis\.com\/[^"]*"[^>]*>\s*/gi;

/** bull-board's page as it renders it, less the third-party font stylesheet (the UI falls back to system fonts). */
export function withoutThirdPartyFonts(html: string): string {
  return html.replace(THIRD_PARTY_FONTS, "");
}

/**
 * Sets DASHBOARD_HEADERS on every dashboard response, and takes the Google
 * Fonts link out of its HTML page: an operator console of a self-hosted
 * system should tell no third party who opens it, and 'self' alone in the
 * CSP then holds without a violation.
 */
export function dashboardPagePolicy(_req: Request, res: Response, next: NextFunction): void {
  res.set(DASHBOARD_HEADERS);
  const send = res.send.bind(res);
  res.send = (body?: unknown) => send(typeof body === "string" && /^\s*<!doctype html/i.test(body) ? withoutThirdPartyFonts(body) : body);
  next();
}
