import type { Logger } from "@herald/runtime";

/** Driver adapter error kinds (@prisma/adapter-pg) that mean the server is not there, not that it refused the statement. */
const UNREACHABLE_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);
/** Socket errors of node-postgres itself, before Prisma wraps them (or when it does not). */
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);
/** Prisma's own codes for "cannot reach", "timed out", "closed the connection", "no connection from the pool in time". */
const PRISMA_CODES = new Set(["P1001", "P1002", "P1017", "P2024"]);
/**
 * SQLSTATEs of a server going away: class 08 (connection exception),
 * 57P01-57P03 (shut down, crashed, not accepting connections yet), 53300
 * (too many connections).
 */
const UNREACHABLE_SQLSTATE = /^(08|57P0[123]$|53300$)/;
/** node-postgres's messages for a connection lost mid-statement, which reach us as plain Errors. */
const LOST_CONNECTION = /Connection terminated|connection timeout|Client has encountered a connection error/i;

interface ErrorShape {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly cause?: unknown;
  readonly meta?: {
    readonly driverAdapterError?: {
      readonly cause?: { readonly kind?: unknown; readonly originalCode?: unknown; readonly code?: unknown };
    };
  };
}

/**
 * Whether an error from a Postgres statement says the server could not be
 * reached (an outage: retrying later will do) rather than that it refused
 * the statement. Pure; looks through Prisma's wrapping and `cause` chains.
 */
export function isUnreachable(error: unknown, depth = 0): boolean {
  if (typeof error !== "object" || error === null || depth > 5) return false;
  const e = error as ErrorShape;
  const adapterCause = e.meta?.driverAdapterError?.cause;
  if (adapterCause) {
    if (typeof adapterCause.kind === "string" && UNREACHABLE_KINDS.has(adapterCause.kind)) return true;
    const sqlState = adapterCause.originalCode ?? adapterCause.code;
    if (typeof sqlState === "string" && UNREACHABLE_SQLSTATE.test(sqlState)) return true;
  }
  if (typeof e.code === "string" && (SOCKET_CODES.has(e.code) || PRISMA_CODES.has(e.code) || UNREACHABLE_SQLSTATE.test(e.code)))
    return true;
  if (typeof e.message === "string" && LOST_CONNECTION.test(e.message)) return true;
  return isUnreachable(e.cause, depth + 1);
}

/** What the outage pauses: BullMQ workers. */
export interface Pausable {
  pause(doNotWaitActive?: boolean): Promise<void>;
  resume(): void | Promise<void>;
}

export interface PostgresOutageOptions {
  /** Whether Postgres answers now. */
  readonly ping: () => Promise<boolean>;
  /** How often to ask again while it does not. */
  readonly probeMs: number;
  readonly logger: Logger;
}

/**
 * Knows whether Postgres is down, and keeps the workers from spending
 * deliveries' attempts on it. The first statement that fails for want of
 * Postgres starts an outage: every worker is paused (it takes no new job;
 * the jobs in hand are put back by the processor without using an attempt)
 * and Postgres is pinged every `probeMs` until it answers, when the workers
 * resume. Pausing, rather than letting each job find out for itself, keeps
 * a large backlog from cycling through Redis for as long as the outage
 * lasts.
 */
export class PostgresOutage {
  private down = false;
  private workers: readonly Pausable[] = [];
  private waiting: (() => void)[] = [];

  constructor(private readonly options: PostgresOutageOptions) {}

  get probeMs(): number {
    return this.options.probeMs;
  }

  /** The workers to pause during an outage. */
  watch(workers: readonly Pausable[]): void {
    this.workers = workers;
  }

  /**
   * Whether `error`, from a Postgres statement, is an outage; if so the
   * outage is on (workers paused) until Postgres answers. An error that does
   * not say so is still one when Postgres does not answer a ping.
   */
  async isOutage(error: unknown): Promise<boolean> {
    if (this.down) return true;
    if (!isUnreachable(error) && (await this.options.ping())) return false;
    this.begin(error);
    return true;
  }

  /** Resolves once Postgres answers again: at once when no outage is on. */
  whenBack(): Promise<void> {
    if (!this.down) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private begin(error: unknown): void {
    if (this.down) return;
    this.down = true;
    this.options.logger.error({ err: (error as Error).message }, "postgres unreachable: delivery workers paused, no attempt is spent");
    for (const worker of this.workers) void worker.pause(true);
    this.schedule();
  }

  // Probing goes on during a shutdown, so jobs holding an answer can still record it if Postgres returns in time.
  private schedule(): void {
    setTimeout(() => void this.probe(), this.options.probeMs).unref();
  }

  private async probe(): Promise<void> {
    if (!(await this.options.ping())) return this.schedule();
    this.down = false;
    this.options.logger.info("postgres answers again: delivery workers resumed");
    for (const worker of this.workers) void worker.resume();
    this.release();
  }

  private release(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}
