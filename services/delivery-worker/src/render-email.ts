import type { DeliveryContext } from "./delivery-store";
import escapeHtml from "escape-html";

export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** Payload fields worth listing: scalars, shortened. */
function details(payload: Record<string, unknown>): [string, string][] {
  return Object.entries(payload)
    .filter(([, v]) => ["string", "number", "boolean"].includes(typeof v))
    .slice(0, 20)
    .map(([k, v]) => [k, String(v).slice(0, 300)]);
}

/**
 * The notification's link as an email can carry it: absolute as stored (ingest let only http(s) through),
 * a path against Herald's public address, none when there is no address to resolve a path against.
 */
function emailLink(url: string | null, publicUrl: string | undefined): string | undefined {
  if (url === null) return undefined;
  if (!url.startsWith("/")) return url;
  return publicUrl === undefined ? undefined : new URL(url, publicUrl).toString();
}

/**
 * Subject with the event type, a plain-text body and an HTML body in which
 * every value from the event is escaped, and the notification's link. Its
 * actions are left out: a button in an email would need a signed,
 * single-use, expiring link to act for the user. Pure.
 */
export function renderEmail(notification: DeliveryContext["notification"], publicUrl?: string): RenderedEmail {
  const subject = `[Herald] ${notification.critical ? "CRITICAL " : ""}${notification.type}: ${notification.title}`.replace(
    /[\r\n]+/g,
    " ",
  );
  const rows = details(notification.payload);
  const when = notification.occurredAt.toISOString();
  const link = emailLink(notification.url, publicUrl);
  const text = [
    notification.title,
    "",
    notification.body,
    "",
    ...(link ? [`Open: ${link}`, ""] : []),
    `Event: ${notification.type}${notification.eventId ? ` (${notification.eventId})` : ""}`,
    `When: ${when}`,
    ...(rows.length > 0 ? ["", ...rows.map(([k, v]) => `${k}: ${v}`)] : []),
  ].join("\n");
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<h2>${escapeHtml(notification.title)}</h2>`,
    `<p>${escapeHtml(notification.body)}</p>`,
    link ? `<p><a href="${escapeHtml(link)}">Open in Herald</a></p>` : "",
    `<p style="color:#555">Event: <code>${escapeHtml(notification.type)}</code>${notification.eventId ? ` (<code>${escapeHtml(notification.eventId)}</code>)` : ""}<br>When: ${escapeHtml(when)}</p>`,
    rows.length > 0
      ? `<table cellpadding="4">${rows.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join("")}</table>`
      : "",
    "</body></html>",
  ].join("\n");
  return { subject, text, html };
}
