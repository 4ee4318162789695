import type { Request } from "express";
import type { z } from "zod";
import { ApiError } from "@herald/core";

function issues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((i) => ({
    // Unknown keys are reported on the object, with the keys listed apart.
    path: i.path.join(".") || ((i as { keys?: string[] }).keys ?? []).join(", "),
    message: i.message,
  }));
}

/** Parses query parameters; a 400 names every offending parameter. */
export function parseQuery<T>(schema: z.ZodType<T>, req: Request): T {
  const parsed = schema.safeParse(req.query);
  if (!parsed.success) {
    const details = issues(parsed.error);
    const fields = [...new Set(details.map((d) => d.path || "query"))].join(", ");
    throw new ApiError(400, "invalid_query", `invalid query parameter(s): ${fields}`, details);
  }
  return parsed.data;
}

/** Parses a JSON body; a 400 names every offending field and nothing is changed. */
export function parseBody<T>(schema: z.ZodType<T>, req: Request): T {
  if (!req.is("application/json")) throw new ApiError(415, "unsupported_media_type", "Content-Type must be application/json");
  const parsed = schema.safeParse(req.body);
  if (!parsed.success) {
    const details = issues(parsed.error);
    const fields = [...new Set(details.map((d) => d.path).filter(Boolean))];
    const message = fields.length > 0 ? `invalid field(s): ${fields.join(", ")}` : details.map((d) => d.message).join("; ");
    throw new ApiError(400, "invalid_body", message, details);
  }
  return parsed.data;
}
