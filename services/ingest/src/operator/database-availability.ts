import type { ErrorRequestHandler, RequestHandler } from "express";
import { ApiError } from "@herald/contract";
import type { Logger } from "@herald/runtime";

export interface DatabaseAvailabilityOptions {
  /** Whether Postgres answers now. */
  readonly ping: () => Promise<boolean>;
  /** Applies the migrations; absent when they are applied elsewhere (MIGRATE_ON_START=false). */
  readonly migrate?: () => Promise<unknown>;
  readonly logger: Logger;
  /** Longest wait between two migration attempts. */
  readonly retryMaxMs?: number;
}

const unavailable = (why: string) => new ApiError(503, "database_unavailable", `the database is unavailable (${why}); retry later`);

/**
 * Ingest publishes through Redis alone and must go on doing so while
 * Postgres is down, even when it starts without it: so migrations are
 * applied in the background, retried until Postgres takes them, and only the
 * operator API (which reads Postgres) waits for them, answering 503 meanwhile.
 */
export class DatabaseAvailability {
  private migrated: boolean;
  private stopped = false;
  private timer?: NodeJS.Timeout;

  constructor(private readonly options: DatabaseAvailabilityOptions) {
    this.migrated = options.migrate === undefined;
  }

  start(): void {
    if (!this.migrated) void this.migrateUntilDone(500);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** For GET /ready: migrated and answering. */
  async ready(): Promise<boolean> {
    return this.migrated && (await this.options.ping());
  }

  /** Express middleware: the database-backed routes wait for the migrations. */
  readonly guard: RequestHandler = (_req, _res, next) => {
    if (!this.migrated) throw unavailable("migrations are not applied yet");
    next();
  };

  /**
   * Express error middleware: an unexpected error while Postgres does not
   * answer is an outage (503), not a bug (500).
   */
  readonly errors: ErrorRequestHandler = (error: unknown, _req, _res, next) => {
    // ApiErrors and body-parser errors (which carry a `type`) speak for themselves.
    if (error instanceof ApiError || (typeof error === "object" && error !== null && "type" in error)) return next(error);
    this.options.ping().then(
      (up) => next(up ? error : unavailable("postgres does not answer")),
      () => next(unavailable("postgres does not answer")),
    );
  };

  private async migrateUntilDone(delayMs: number): Promise<void> {
    const { logger, migrate, retryMaxMs = 30_000 } = this.options;
    try {
      await migrate!();
      this.migrated = true;
      logger.info("database migrations applied");
    } catch (error) {
      if (this.stopped) return;
      logger.warn(
        { err: (error as Error).message, retryInMs: delayMs },
        "could not apply migrations; publishing goes on, the operator API waits",
      );
      this.timer = setTimeout(() => void this.migrateUntilDone(Math.min(delayMs * 2, retryMaxMs)), delayMs);
      this.timer.unref();
    }
  }
}
