/** The two publishing endpoints the lean handler serves (publish-handler.ts); Express serves everything else. */
export type PublishRoute = "single" | "batch";

/**
 * Which publishing endpoint a request is for, matched as Express matched the
 * publish router it replaces (mounted at /api/v1/events with POST / and POST
 * /batch): case-insensitive, an optional trailing slash, any query string.
 */
export function publishRouteOf(method: string | undefined, url: string | undefined): PublishRoute | undefined {
  if (method !== "POST" || url === undefined) return undefined;
  const query = url.indexOf("?");
  const path = query === -1 ? url : url.slice(0, query);
  // Producers send the exact paths; only other spellings pay for toLowerCase.
  switch (path === "/api/v1/events" || path === "/api/v1/events/batch" ? path : path.toLowerCase()) {
    case "/api/v1/events":
    case "/api/v1/events/":
      return "single";
    case "/api/v1/events/batch":
    case "/api/v1/events/batch/":
      return "batch";
    default:
      return undefined;
  }
}
