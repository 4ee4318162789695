import type { NextFunction, Request, Response } from "express";
import type { z } from "zod";
import { ApiError, isEventTypeName, type EventTypeName, type ValidationIssue } from "@herald/contract";

/** Each issue on its own field; an unknown field is named itself, not as its parent. */
function problemsOf(error: z.ZodError, fallback: string, unknown: string): ValidationIssue[] {
  return error.issues.flatMap((issue): ValidationIssue[] => {
    const path = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: [...path, key].join("."), message: unknown }));
    }
    return [{ path: path.join(".") || fallback, message: issue.message }];
  });
}

function fieldsOf(problems: readonly ValidationIssue[]): string {
  return [...new Set(problems.map((p) => p.path))].join(", ");
}

/** Parses a query string object: a 400 `invalid_query` names every bad parameter. */
export function parseQuery<T>(schema: z.ZodType<T>, query: unknown): T {
  const parsed = schema.safeParse(query);
  if (parsed.success) return parsed.data;
  const details = problemsOf(parsed.error, "query", "unknown parameter");
  throw new ApiError(400, "invalid_query", `invalid query parameter(s): ${fieldsOf(details)}`, details);
}

/** Parses a JSON body: a 400 `invalid_body` names every bad field. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const details = problemsOf(parsed.error, "body", "unknown field");
  throw new ApiError(400, "invalid_body", `invalid field(s): ${fieldsOf(details)}`, details);
}

/** A path's `:eventType`: a catalog type, else 400 `unknown_event_type` naming it. */
export function parseEventTypeParam(raw: string): EventTypeName {
  if (isEventTypeName(raw)) return raw;
  throw new ApiError(400, "unknown_event_type", `eventType: unknown event type ${raw}`, [
    { path: "eventType", message: "unknown event type" },
  ]);
}

/** Express middleware: refuses a body that is not declared JSON (before it is read). */
export function requireJson(req: Request, _res: Response, next: NextFunction): void {
  if (!req.is("application/json")) {
    throw new ApiError(415, "unsupported_media_type", "Content-Type must be application/json");
  }
  next();
}
