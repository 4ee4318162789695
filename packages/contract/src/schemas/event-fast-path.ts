import { isEventTypeName } from "../catalog";
import {
  ACTION_ID_PATTERN,
  EVENT_ID_PATTERN,
  linkProblem,
  MAX_ACTION_LABEL_LENGTH,
  MAX_EVENT_ACTIONS,
  MAX_GROUP_KEY_LENGTH,
  MAX_EVENT_ID_LENGTH,
  MAX_PROJECT_ID_LENGTH,
  MAX_SOURCE_ID_LENGTH,
  MAX_SOURCE_TYPE_LENGTH,
  MAX_USER_ID_LENGTH,
  MAX_USER_ID_LIST,
  PAYLOAD_USER_ID_FIELDS,
  PAYLOAD_USER_ID_LIST_FIELDS,
} from "./event-fields";
import { isTenantId } from "../tenant";
import { isoDateTime } from "./text-fields";

/** What publishEventSchema produces from an event (its output type, without importing the schema). */
export interface ParsedEventFields {
  readonly id?: string;
  readonly type: string;
  readonly occurredAt?: string;
  readonly actorUserId?: string;
  readonly projectId?: string;
  readonly source?: { readonly type: string; readonly id: string };
  readonly payload?: Record<string, unknown>;
  readonly recipients?: string[];
  readonly groupKey?: string;
  readonly url?: string;
  readonly actions?: { id: string; label: string }[];
  readonly tenantId?: string;
}

/**
 * Text that plainText() accepts whatever its length: no control character and
 * no surrogate at all. (A surrogate pair is valid there too, but rare in ids:
 * such text takes zod's path.)
 */
const PLAIN = /^[^\u0000-\u001f\u007f\ud800-\udfff]+$/;

const RECIPIENT_FIELDS: readonly string[] = [...PAYLOAD_USER_ID_FIELDS, ...PAYLOAD_USER_ID_LIST_FIELDS];

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype;

const isText = (value: unknown, max: number): value is string => typeof value === "string" && value.length <= max && PLAIN.test(value);

/** A user id as the schema outputs it (numbers as strings), or undefined when the schema might disagree. */
function userIdOf(value: unknown): string | undefined {
  if (isText(value, MAX_USER_ID_LENGTH)) return value;
  // -0 is left to zod: it is valid there, but too odd to be worth a rule here.
  if (typeof value === "number" && Number.isSafeInteger(value) && value > 0) return String(value);
  if (value === 0 && 1 / value > 0) return "0";
  return undefined;
}

/** The list as the schema outputs it: the very array when every id is text already (nothing to convert), else a copy. */
function userIdListOf(value: unknown): string[] | undefined {
  if (!Array.isArray(value) || value.length > MAX_USER_ID_LIST) return undefined;
  let ids: string[] | undefined;
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    const id = userIdOf(item);
    if (id === undefined) return undefined;
    if (id !== item) ids ??= value.slice(0, i);
    ids?.push(id);
  }
  return ids ?? (value as string[]);
}

/**
 * The payload as the loose recipientFields object outputs it: its recipient
 * fields first (in the schema's order), then the rest as sent. That is the
 * very object sent when its recipient fields need no conversion and already
 * come first in that order (what producers send, mostly); else a copy.
 */
function payloadOf(value: unknown): Record<string, unknown> | undefined {
  if (!isPlainObject(value)) return undefined;
  let converted: Record<string, unknown> | undefined;
  let present = 0;
  for (const field of PAYLOAD_USER_ID_FIELDS) {
    if (!(field in value)) continue;
    const id = userIdOf(value[field]);
    if (id === undefined) return undefined;
    present++;
    if (id !== value[field]) (converted ??= {})[field] = id;
  }
  for (const field of PAYLOAD_USER_ID_LIST_FIELDS) {
    if (!(field in value)) continue;
    const ids = userIdListOf(value[field]);
    if (ids === undefined) return undefined;
    present++;
    if (ids !== value[field]) (converted ??= {})[field] = ids;
  }
  // As sent when the recipient fields are its first keys, in the schema's order.
  let inOrder = converted === undefined;
  let index = 0;
  let schemaPosition = -1;
  for (const key in value) {
    // zod drops a "__proto__" key; it is left to zod rather than copied (where it would set the prototype).
    if (key === "__proto__") return undefined;
    if (!inOrder || index++ >= present) continue;
    const position = RECIPIENT_FIELDS.indexOf(key);
    if (position <= schemaPosition) inOrder = false;
    schemaPosition = position;
  }
  if (inOrder) return value;
  const payload: Record<string, unknown> = {};
  for (const field of RECIPIENT_FIELDS) if (field in value) payload[field] = converted?.[field] ?? value[field];
  for (const key in value) if (!(key in payload)) payload[key] = value[key];
  return payload;
}

function sourceOf(value: unknown): { type: string; id: string } | undefined {
  if (!isPlainObject(value)) return undefined;
  let keys = 0;
  for (const _ in value) keys++;
  const { type, id } = value;
  if (keys !== 2 || !isText(type, MAX_SOURCE_TYPE_LENGTH) || !isText(id, MAX_SOURCE_ID_LENGTH)) return undefined;
  return { type, id };
}

/** Actions as the schema outputs them (fresh objects, keys id then label), or undefined when the schema might disagree. */
function actionsOf(value: unknown): { id: string; label: string }[] | undefined {
  if (!Array.isArray(value) || value.length > MAX_EVENT_ACTIONS) return undefined;
  const actions: { id: string; label: string }[] = [];
  const ids = new Set<string>();
  for (const item of value as unknown[]) {
    if (!isPlainObject(item)) return undefined;
    let keys = 0;
    for (const _ in item) keys++;
    const { id, label } = item;
    if (keys !== 2 || typeof id !== "string" || !ACTION_ID_PATTERN.test(id) || ids.has(id)) return undefined;
    if (!isText(label, MAX_ACTION_LABEL_LENGTH)) return undefined;
    ids.add(id);
    actions.push({ id, label });
  }
  return actions;
}

/**
 * publishEventSchema's fast path: for an event that plainly keeps to the
 * schema, the very data `publishEventSchema.parse` would produce (same
 * values, same key order); undefined whenever it is not sure, and zod
 * decides. It accepts a subset of what the schema accepts, never more:
 * a table test (event-fast-path.test.ts) holds it to that. The limits come
 * from event-fields.ts, which the schema is written with.
 */
export function parseEventFast(input: unknown): ParsedEventFields | undefined {
  if (!isPlainObject(input)) return undefined;
  let id: string | undefined;
  let type: string | undefined;
  let occurredAt: string | undefined;
  let actorUserId: string | undefined;
  let projectId: string | undefined;
  let source: { type: string; id: string } | undefined;
  let payload: Record<string, unknown> | undefined;
  let recipients: string[] | undefined;
  let groupKey: string | undefined;
  let url: string | undefined;
  let actions: { id: string; label: string }[] | undefined;
  let tenantId: string | undefined;
  for (const key in input) {
    const value = input[key];
    switch (key) {
      case "id":
        if (typeof value !== "string" || value.length === 0 || value.length > MAX_EVENT_ID_LENGTH || !EVENT_ID_PATTERN.test(value)) {
          return undefined;
        }
        id = value;
        break;
      case "type":
        if (typeof value !== "string" || !isEventTypeName(value)) return undefined;
        type = value;
        break;
      case "occurredAt":
        // The date rules are intricate: zod's own field schema judges them.
        if (typeof value !== "string" || !isoDateTime.safeParse(value).success) return undefined;
        occurredAt = value;
        break;
      case "actorUserId":
        actorUserId = userIdOf(value);
        if (actorUserId === undefined) return undefined;
        break;
      case "projectId":
        if (!isText(value, MAX_PROJECT_ID_LENGTH)) return undefined;
        projectId = value;
        break;
      case "source":
        source = sourceOf(value);
        if (source === undefined) return undefined;
        break;
      case "payload":
        payload = payloadOf(value);
        if (payload === undefined) return undefined;
        break;
      case "recipients":
        recipients = userIdListOf(value);
        if (recipients === undefined) return undefined;
        break;
      case "groupKey":
        if (!isText(value, MAX_GROUP_KEY_LENGTH)) return undefined;
        groupKey = value;
        break;
      case "url":
        if (typeof value !== "string" || linkProblem(value) !== undefined) return undefined;
        url = value;
        break;
      case "actions":
        actions = actionsOf(value);
        if (actions === undefined) return undefined;
        break;
      case "tenantId":
        if (!isTenantId(value)) return undefined;
        tenantId = value;
        break;
      default:
        return undefined;
    }
  }
  if (type === undefined) return undefined;
  // The schema's key order, each key only when sent.
  const fields: { -readonly [K in keyof ParsedEventFields]: ParsedEventFields[K] } = id !== undefined ? { id, type } : { type };
  if (occurredAt !== undefined) fields.occurredAt = occurredAt;
  if (actorUserId !== undefined) fields.actorUserId = actorUserId;
  if (projectId !== undefined) fields.projectId = projectId;
  if (source !== undefined) fields.source = source;
  if (payload !== undefined) fields.payload = payload;
  if (recipients !== undefined) fields.recipients = recipients;
  if (groupKey !== undefined) fields.groupKey = groupKey;
  if (url !== undefined) fields.url = url;
  if (actions !== undefined) fields.actions = actions;
  if (tenantId !== undefined) fields.tenantId = tenantId;
  return fields;
}
