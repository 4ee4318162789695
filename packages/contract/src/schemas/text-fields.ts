import { z } from "zod";

/** C0 controls and DEL: no identity provider issues them in an id, and in a name or filter they only garble logs. */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/**
 * A UTF-16 surrogate without its other half. JSON can carry it (`"\ud800"`),
 * but it is no Unicode text: PostgreSQL refuses it and UTF-8 cannot encode it.
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const EARLIEST = Date.parse("0001-01-01T00:00:00.000Z");
const LATEST = Date.parse("9999-12-31T23:59:59.999Z");

/**
 * A short text field (an id, a name, a filter): `min` to `max` characters,
 * no control characters, valid Unicode. Every text field a request may store
 * or compare in PostgreSQL uses it, so none of them can reach the database
 * with a NUL byte or a lone surrogate.
 */
export function plainText(max: number, min = 1) {
  return z
    .string()
    .min(min, min === 1 ? "must not be empty" : `must be at least ${min} characters`)
    .max(max, `must be at most ${max} characters`)
    .refine((v) => !CONTROL_CHARACTER.test(v), "must not contain control characters (such as NUL)")
    .refine((v) => !LONE_SURROGATE.test(v), "must be valid Unicode (no lone UTF-16 surrogates)");
}

/**
 * An ISO 8601 date-time with an offset, between the years 0001 and 9999 once
 * in UTC: what PostgreSQL's timestamptz and `Date.toISOString()` both hold.
 * (`0000-01-01T00:00:00Z` and `9999-12-31T23:59:59-05:00` are well-formed but
 * neither can.)
 */
export const isoDateTime = z.iso
  .datetime({ offset: true, error: "must be an ISO 8601 date-time" })
  // A malformed value is reported by the format check alone.
  .refine((v) => {
    const time = Date.parse(v);
    return Number.isNaN(time) || (time >= EARLIEST && time <= LATEST);
  }, "must be between 0001-01-01 and 9999-12-31 (UTC)");
