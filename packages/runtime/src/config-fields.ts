import { z } from "zod";

/**
 * Field helpers for the services' environment schemas: every value arrives as
 * a string (or not at all) and leaves typed, with its default.
 */
export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
export const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
export const nonNegativeInt = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
export const percent = (fallback: number) => z.coerce.number().min(0).max(100).default(fallback);
export const flag = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"])
    .default(fallback ? "true" : "false")
    .transform((v) => v === "true" || v === "1" || v === "yes");
/** Unset or blank is undefined: the setting then falls back to another one. */
export const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));
export const optionalNonNegativeInt = optionalString.pipe(z.coerce.number<string | undefined>().int().min(0).optional());

/** A comma-separated list, trimmed, blanks dropped; undefined stays undefined. */
export function commaList(value: string | undefined): string[] | undefined {
  return value
    ?.split(",")
    .map((v) => v.trim())
    .filter(Boolean);
}
