import { randomUUID } from "node:crypto";
import axios, { type AxiosInstance, type AxiosResponse } from "axios";
import { backoffDelay, MAX_BATCH_EVENTS, type EventTypeName, type NotificationAction } from "@herald/contract";
import { retryAfterMs } from "./retry-after";
import { HeraldPublishError, isRetryableStatus } from "./publish-error";

/** One event as a producer publishes it (the contract's event shape). */
export interface HeraldEventInput {
  /** Idempotency key: publishing the same id twice yields one event. Generated when absent. */
  readonly id?: string;
  readonly type: EventTypeName;
  readonly occurredAt?: string | Date;
  readonly actorUserId?: string | number;
  readonly projectId?: string;
  readonly source?: { readonly type: string; readonly id: string };
  readonly payload?: Readonly<Record<string, unknown>>;
  readonly recipients?: readonly (string | number)[];
  /** Groups its notifications per user and type while unread, within the router's GROUP_WINDOW_MS (≤ 200 characters). */
  readonly groupKey?: string;
  /** Where its notifications lead: an `http:`/`https:` URL or a path starting with `/`. */
  readonly url?: string;
  /** Up to 3 buttons (`id` as `[a-z0-9_-]{1,32}`, `label` ≤ 40 characters); acting publishes `notification.action`. */
  readonly actions?: readonly NotificationAction[];
  /** The tenant it is for: only a platform producer (token tenant `*`) names one; others publish for their own. */
  readonly tenantId?: string;
}

export interface RetryNotice {
  /** The attempt that just failed, counting from 1. */
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: HeraldPublishError;
}

export interface HeraldPublisherOptions {
  /** Where ingest listens, e.g. `http://127.0.0.1:3000`. */
  readonly baseUrl: string;
  /** A producer token, or a function that returns a current one (called before every request). */
  readonly token: string | (() => string | Promise<string>);
  /** Limit for one HTTP request, connection included. Default 10 s. */
  readonly timeoutMs?: number;
  /** Requests per publish, the first included. Default 5. */
  readonly maxAttempts?: number;
  /** Upper bound of the first retry's delay; doubles per retry. Default 200 ms. */
  readonly initialDelayMs?: number;
  /** Cap on any one retry delay (a server's Retry-After included). Default 10 s. */
  readonly maxDelayMs?: number;
  /** Called before each retry's wait, e.g. to log it. */
  readonly onRetry?: (notice: RetryNotice) => void;
  /** Source of randomness for jitter, in [0, 1). */
  readonly random?: () => number;
}

export interface PublishOptions {
  /** Aborts the publish, including any wait between retries. */
  readonly signal?: AbortSignal;
}

export interface PublishResult {
  readonly id: string;
  readonly attempts: number;
}

export interface PublishBatchResult {
  readonly ids: readonly string[];
  readonly attempts: number;
}

type WireEvent = Omit<HeraldEventInput, "occurredAt"> & { readonly id: string; readonly occurredAt?: string };

interface ErrorBody {
  readonly error?: { readonly code?: unknown; readonly message?: unknown; readonly details?: unknown };
}

const DEFAULTS = { timeoutMs: 10_000, maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 10_000 } as const;

/**
 * Publishes events to Herald's ingest API, retrying what may pass on a
 * retry (network errors, timeouts, 429, 5xx) and nothing else. Every event
 * gets its id before the first request, so a retry of a request whose
 * answer was lost can never create a second event.
 */
export class HeraldPublisher {
  private readonly http: AxiosInstance;
  private readonly settings: Required<Pick<HeraldPublisherOptions, keyof typeof DEFAULTS>>;

  constructor(private readonly options: HeraldPublisherOptions) {
    this.settings = {
      timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs,
      maxAttempts: Math.max(1, options.maxAttempts ?? DEFAULTS.maxAttempts),
      initialDelayMs: options.initialDelayMs ?? DEFAULTS.initialDelayMs,
      maxDelayMs: options.maxDelayMs ?? DEFAULTS.maxDelayMs,
    };
    this.http = axios.create({
      baseURL: options.baseUrl.replace(/\/+$/, ""),
      headers: { "content-type": "application/json", accept: "application/json" },
      // Every status is handled below; a body that is not JSON (a proxy's
      // HTML 502) must not turn into a parse exception.
      validateStatus: () => true,
      responseType: "text",
      transformResponse: [(data: unknown) => data],
      maxRedirects: 0,
    });
  }

  async publish(event: HeraldEventInput, options: PublishOptions = {}): Promise<PublishResult> {
    const wire = toWire(event);
    const { attempts } = await this.send("/api/v1/events", wire, options.signal);
    return { id: wire.id, attempts };
  }

  /** Publishes up to 1000 events atomically: ingest enqueues all of them or none. */
  async publishBatch(events: readonly HeraldEventInput[], options: PublishOptions = {}): Promise<PublishBatchResult> {
    if (events.length === 0) {
      throw new HeraldPublishError({ code: "invalid_request", message: "a batch needs at least one event", retryable: false, attempts: 0 });
    }
    if (events.length > MAX_BATCH_EVENTS) {
      throw new HeraldPublishError({
        code: "batch_too_large",
        message: `a batch holds at most ${MAX_BATCH_EVENTS} events, got ${events.length}`,
        retryable: false,
        attempts: 0,
      });
    }
    const wire = events.map(toWire);
    const { attempts } = await this.send("/api/v1/events/batch", { events: wire }, options.signal);
    return { ids: wire.map((e) => e.id), attempts };
  }

  private async send(path: string, body: unknown, signal: AbortSignal | undefined): Promise<{ attempts: number }> {
    const data = JSON.stringify(body);
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(path, data, attempt, signal);
      if (outcome.ok) return { attempts: attempt };
      const { error, retryAfter } = outcome;
      if (!error.retryable || attempt >= this.settings.maxAttempts) throw error;
      const jittered = backoffDelay(
        attempt,
        { initialMs: this.settings.initialDelayMs, maxMs: this.settings.maxDelayMs },
        this.options.random,
      );
      const delayMs = Math.min(this.settings.maxDelayMs, Math.max(jittered, retryAfter ?? 0));
      this.options.onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs, signal, attempt);
    }
  }

  private async attempt(
    path: string,
    data: string,
    attempt: number,
    signal: AbortSignal | undefined,
  ): Promise<{ ok: true } | { ok: false; error: HeraldPublishError; retryAfter?: number }> {
    if (signal?.aborted) throw abortedError(attempt - 1, signal.reason);
    // A token provider's failure is the caller's problem, not a network error to retry.
    const token = typeof this.options.token === "function" ? await this.options.token() : this.options.token;
    const timeout = AbortSignal.timeout(this.settings.timeoutMs);
    let response: AxiosResponse<string>;
    try {
      response = await this.http.post<string>(path, data, {
        headers: { authorization: `Bearer ${token}` },
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (cause) {
      if (signal?.aborted) throw abortedError(attempt, cause);
      if (timeout.aborted) {
        const error = new HeraldPublishError({
          code: "timeout",
          message: `no answer from ingest within ${this.settings.timeoutMs} ms`,
          retryable: true,
          attempts: attempt,
          cause,
        });
        return { ok: false, error };
      }
      const reason = (cause as { code?: unknown }).code;
      const error = new HeraldPublishError({
        code: "network_error",
        message: `ingest unreachable: ${typeof reason === "string" ? reason : (cause as Error).message}`,
        retryable: true,
        attempts: attempt,
        cause,
      });
      return { ok: false, error };
    }
    if (response.status >= 200 && response.status < 300) return { ok: true };
    const header = response.headers["retry-after"];
    return {
      ok: false,
      error: errorFromResponse(response.status, response.data, attempt),
      retryAfter: retryAfterMs(typeof header === "string" ? header : undefined),
    };
  }
}

function toWire(event: HeraldEventInput): WireEvent {
  const { occurredAt, ...rest } = event;
  return {
    ...rest,
    id: event.id ?? randomUUID(),
    ...(occurredAt !== undefined && { occurredAt: occurredAt instanceof Date ? occurredAt.toISOString() : occurredAt }),
  };
}

function errorFromResponse(status: number, raw: string, attempts: number): HeraldPublishError {
  let body: ErrorBody | undefined;
  try {
    body = JSON.parse(raw) as ErrorBody;
  } catch {
    body = undefined;
  }
  const error = body?.error;
  const code = typeof error?.code === "string" ? error.code : `http_${status}`;
  const message = typeof error?.message === "string" ? error.message : `ingest answered ${status}`;
  return new HeraldPublishError({ status, code, message, details: error?.details, retryable: isRetryableStatus(status), attempts });
}

function abortedError(attempts: number, cause: unknown): HeraldPublishError {
  return new HeraldPublishError({ code: "aborted", message: "publish aborted", retryable: false, attempts, cause });
}

function sleep(ms: number, signal: AbortSignal | undefined, attempts: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError(attempts, signal.reason));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError(attempts, signal?.reason));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
