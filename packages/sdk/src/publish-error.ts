/**
 * Why a publish failed, as ingest said it (`status`, `code`, `details` from the
 * contract's `{"error": {...}}` body) or as the client saw it (`network_error`,
 * `timeout`, `aborted`, `invalid_response`, `invalid_request`).
 */
export class HeraldPublishError extends Error {
  override readonly name = "HeraldPublishError";
  /** HTTP status, absent when no response arrived. */
  readonly status?: number;
  readonly code: string;
  readonly details?: unknown;
  /** Whether trying again later could succeed (network, timeout, 429, 5xx). */
  readonly retryable: boolean;
  /** Requests made before giving up. */
  readonly attempts: number;

  constructor(init: {
    readonly status?: number;
    readonly code: string;
    readonly message: string;
    readonly details?: unknown;
    readonly retryable: boolean;
    readonly attempts: number;
    readonly cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    if (init.status !== undefined) this.status = init.status;
    this.code = init.code;
    if (init.details !== undefined) this.details = init.details;
    this.retryable = init.retryable;
    this.attempts = init.attempts;
  }
}

/** 429 is back-pressure and 5xx a server or proxy in trouble: both may pass. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}
