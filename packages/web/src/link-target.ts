/**
 * Where clicking a notification may take the page: an `http:` or `https:` URL, or a path on this origin. Anything
 * else (`javascript:`, `data:`, a protocol-relative `//host` or a path the URL parser turns into one, like `/\host`)
 * is not followed: a producer's url must never run script in the page or leave it for an unexpected scheme.
 * Returns the absolute URL to go to, or null.
 */
export function linkTarget(url: string | null, origin: string): string | null {
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = url.startsWith("/") ? new URL(url, origin) : new URL(url);
  } catch {
    return null;
  }
  if (url.startsWith("/")) return parsed.origin === origin ? parsed.href : null;
  return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
}
