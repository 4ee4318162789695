import { HeraldClientError } from "@herald/client";
import { ApiError, fieldProblems } from "@herald/contract";

/** A failure as the page shows it: the message, and the code where the client or the gateway gave one. */
export function errorText(error: unknown): string {
  if (error instanceof HeraldClientError || error instanceof ApiError) return `${error.message} (${error.code})`;
  return error instanceof Error ? error.message : String(error);
}

/** A refused change in the gateway's words: its message, then what it said of each field. */
export function problemText(error: unknown): string {
  const problems = error instanceof ApiError ? fieldProblems(error.details) : [];
  if (problems.length > 0) return `${(error as ApiError).message} — ${problems.map((d) => `${d.path}: ${d.message}`).join("; ")}`;
  return error instanceof ApiError ? error.message : errorText(error);
}
