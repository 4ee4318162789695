import type { ValidationIssue } from "./event";

/** The JSON error body every Herald HTTP endpoint answers with. */
export interface ApiErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly details?: unknown;
  };
}

export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  toBody(): ApiErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.details !== undefined && { details: this.details }) } };
  }
}

/** The offending fields a 400's `details` name, each `{ path, message }`; anything else in `details` is left out. */
export function fieldProblems(details: unknown): ValidationIssue[] {
  if (!Array.isArray(details)) return [];
  return details.filter((d): d is ValidationIssue => typeof d?.path === "string" && typeof d?.message === "string");
}
