/**
 * Whether an error thrown by a Prisma call means Postgres could not be
 * reached or dropped the connection: an outage (answer 503, retry later),
 * not a bug. Only the connection's failures count; a query Postgres answered
 * with an error (a missing table, a constraint, bad SQL) is a bug and stays one.
 *
 * The failures arrive in three shapes: Prisma's known errors (connection
 * codes P1xxx, or the driver adapter's `kind` in `meta`), Node socket errors,
 * and node-postgres's own plain Errors for a connection that ended or timed
 * out (which the adapter passes through untouched, with no code at all).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; isObject(e) && depth < 5; e = e.cause, depth++) {
    if (typeof e.code === "string" && (PRISMA_CONNECTION_CODES.has(e.code) || SOCKET_CODES.has(e.code))) return true;
    if (typeof e.errorCode === "string" && PRISMA_CONNECTION_CODES.has(e.errorCode)) return true;
    const cause = adapterCause(e);
    if (cause && typeof cause.kind === "string" && ADAPTER_KINDS.has(cause.kind)) return true;
    if (cause && typeof cause.originalCode === "string" && isConnectionSqlState(cause.originalCode)) return true;
    if (typeof e.message === "string" && PG_CONNECTION_MESSAGES.some((m) => m.test(e.message as string))) return true;
  }
  return false;
}

type Loose = Record<string, unknown> & { cause?: unknown; message?: unknown };

const isObject = (value: unknown): value is Loose => typeof value === "object" && value !== null;

/** P1001 can't reach, P1002 timed out, P1008 operation timed out, P1017 server closed the connection, P2024 no pool connection in time. */
const PRISMA_CONNECTION_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);

const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);

/** @prisma/adapter-pg's kinds for a connection that failed (not for errors Postgres answered with). */
const ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);

/** node-postgres (pg, pg-pool) messages for a connection that ended, could not be made in time, or broke. */
const PG_CONNECTION_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect$/,
  /^Client has encountered a connection error and is not queryable$/,
];

/** SQLSTATE class 08 (connection exception), the server shutting down or starting (57P01–57P03), too many connections (53300). */
function isConnectionSqlState(code: string): boolean {
  return code.startsWith("08") || code === "57P01" || code === "57P02" || code === "57P03" || code === "53300";
}

function adapterCause(e: Loose): Loose | undefined {
  const meta = e.meta;
  if (!isObject(meta) || !isObject(meta.driverAdapterError)) return undefined;
  const cause = meta.driverAdapterError.cause;
  return isObject(cause) ? cause : undefined;
}
