/**
 * The limits of a published event's fields, shared by the zod schema
 * (publishEventSchema, the rules) and its fast path (event-fast-path.ts,
 * which only ever accepts what the schema accepts).
 */
export const EVENT_ID_PATTERN = /^[A-Za-z0-9._:@\/-]+$/;
export const MAX_EVENT_ID_LENGTH = 128;
export const MAX_USER_ID_LENGTH = 128;
export const MAX_USER_ID_LIST = 1000;
export const MAX_PROJECT_ID_LENGTH = 128;
export const MAX_SOURCE_TYPE_LENGTH = 64;
export const MAX_SOURCE_ID_LENGTH = 128;
/** The payload's fields that name recipients, as the schema declares them (in this order). */
export const PAYLOAD_USER_ID_FIELDS = ["ownerUserId", "contentOwnerUserId"] as const;
export const PAYLOAD_USER_ID_LIST_FIELDS = ["reviewerUserIds", "mentionedUserIds", "notifyUserIds"] as const;
/** Grouping, links and actions (second wave). */
export const MAX_GROUP_KEY_LENGTH = 200;
export const MAX_URL_LENGTH = 2048;
export const MAX_EVENT_ACTIONS = 3;
export const ACTION_ID_PATTERN = /^[a-z0-9_-]{1,32}$/;
export const MAX_ACTION_LABEL_LENGTH = 40;

/** No control characters or whitespace in a link: a browser strips some of them and reads the rest differently. */
const LINK_CHARACTERS = /^[^\u0000-\u0020\u007f-\u009f\ud800-\udfff]+$/;

/**
 * A link a notification may carry: an absolute `http:`/`https:` URL without credentials, or a path on
 * Herald's own origin (starting with `/`, but not `//` or `/\`, which browsers read as another host).
 * Anything else (`javascript:`, `data:`, relative paths) could run or lead where the user does not expect.
 */
export function linkProblem(value: string): string | undefined {
  if (value.length === 0) return "must not be empty";
  if (value.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
  if (!LINK_CHARACTERS.test(value)) return "must not contain spaces or control characters";
  if (value.startsWith("/")) {
    return value[1] === "/" || value[1] === "\\" ? "a path must not start with // or /\\ (another host)" : undefined;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be an http(s) URL or a path starting with /";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "must be an http(s) URL or a path starting with /";
  if (url.username || url.password) return "must not carry credentials";
  return undefined;
}
