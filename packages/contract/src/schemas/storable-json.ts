import type { ValidationIssue } from "../event";

/** What a JSON value must keep to, to be stored in PostgreSQL's jsonb and pushed to sockets. */
export interface StorableJsonLimits {
  /** Containers nested in one another, the value itself included. */
  readonly maxDepth: number;
  /** UTF-8 bytes of the value's `JSON.stringify`. */
  readonly maxBytes: number;
}

/** Enough for a producer to fix a payload; a payload full of bad strings must not make a huge answer. */
const MAX_ISSUES = 10;

/** Printable ASCII other than `"` and `\`: serialized as is, one byte each. The common case, tested natively. */
const VERBATIM = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * The state of one walk. A plain object passed down, not closures, so a walk
 * allocates nothing per node beyond the path segments it steps through.
 */
interface Walk {
  readonly limits: StorableJsonLimits;
  readonly issues: ValidationIssue[];
  readonly prefix: string;
  /** Keys and indices from the value to the node being looked at. */
  readonly path: (string | number)[];
  bytes: number;
}

function report(walk: Walk, message: string): void {
  if (walk.issues.length >= MAX_ISSUES) return;
  walk.issues.push({ path: [walk.prefix, ...walk.path.map(String)].filter(Boolean).join("."), message });
}

/**
 * UTF-8 bytes of a string as JSON.stringify writes it, quotes and escapes
 * included; reports a NUL or a lone surrogate (PostgreSQL's jsonb refuses
 * `\u0000`, and a lone surrogate is no Unicode text).
 */
function stringBytes(walk: Walk, s: string, what: string): number {
  if (VERBATIM.test(s)) return s.length + 2;
  let bytes = 2;
  let nul = false;
  let lone = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x20) bytes += c === 0x22 || c === 0x5c ? 2 : 1;
      // \b \t \n \f \r have two-character escapes; the other controls are \u00XX.
      else bytes += c === 8 || c === 9 || c === 10 || c === 12 || c === 13 ? 2 : 6;
      if (c === 0) nul = true;
    } else if (c < 0x800) {
      bytes += 2;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      bytes += 6;
      lone = true;
    } else {
      bytes += 3;
    }
  }
  if (nul) report(walk, `${what} must not contain NUL (\\u0000) characters`);
  if (lone) report(walk, `${what} must be valid Unicode (no lone UTF-16 surrogates)`);
  return bytes;
}

function visit(walk: Walk, value: unknown, depth: number): void {
  if (value === null) {
    walk.bytes += 4;
    return;
  }
  switch (typeof value) {
    case "string":
      walk.bytes += stringBytes(walk, value, "a string");
      return;
    case "number":
      if (!Number.isFinite(value)) report(walk, "must be a finite number");
      walk.bytes += String(value).length;
      return;
    case "boolean":
      walk.bytes += value ? 4 : 5;
      return;
    case "object":
      break;
    default:
      report(walk, `must be JSON (got a ${typeof value})`);
      return;
  }
  if (depth > walk.limits.maxDepth) {
    report(walk, `must not nest more than ${walk.limits.maxDepth} levels of objects and arrays`);
    return;
  }
  if (Array.isArray(value)) {
    walk.bytes += value.length > 0 ? value.length + 1 : 2; // brackets and commas
    for (let i = 0; i < value.length; i++) {
      walk.path.push(i);
      visit(walk, value[i], depth + 1);
      walk.path.pop();
    }
    return;
  }
  const keys = Object.keys(value);
  walk.bytes += keys.length > 0 ? keys.length * 2 + 1 : 2; // braces, colons and commas
  for (const key of keys) {
    walk.path.push(key);
    walk.bytes += stringBytes(walk, key, "an object key");
    visit(walk, (value as Record<string, unknown>)[key], depth + 1);
    walk.path.pop();
  }
}

/**
 * Checks a parsed JSON value in one walk: every string and object key free of
 * NUL characters and lone surrogates, nesting within `maxDepth`, and its
 * serialized size within `maxBytes`. Appends what is wrong to `issues`, with
 * paths under `prefix` (e.g. `events.3.payload`). What passes, PostgreSQL
 * stores as jsonb and JSON.stringify serializes without hitting a stack limit.
 */
export function checkStorableJson(value: unknown, limits: StorableJsonLimits, prefix: string, issues: ValidationIssue[]): void {
  const walk: Walk = { limits, issues, prefix, path: [], bytes: 0 };
  visit(walk, value, 1);
  if (walk.bytes > limits.maxBytes) {
    report(walk, `must serialize to at most ${limits.maxBytes} bytes of JSON (got ${walk.bytes})`);
  }
}
