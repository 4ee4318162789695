/**
 * What a failed attempt to route stream entries says about them:
 * - `data`: the entries themselves cannot be stored or pushed, now or ever
 *   (Postgres rejected a value, the payload is too deep to serialize): retrying
 *   is pointless, so the entry at fault is found and dead-lettered at once;
 * - `infrastructure`: a dependency is down, slow or busy (connection refused
 *   or reset, timeouts, Redis loading or read-only, too many connections): no
 *   entry is at fault, so everything waits and retries, and nothing is ever
 *   dead-lettered for it;
 * - `unknown`: anything else (a bug, an error nobody foresaw): the entry at
 *   fault is isolated and retried a bounded number of times before it is
 *   dead-lettered, without holding the others.
 */
export type FailureKind = "data" | "infrastructure" | "unknown";

export interface Failure {
  readonly kind: FailureKind;
  /** One line for logs and the dead-letter entry. */
  readonly reason: string;
}

/**
 * SQLSTATE classes about the values in the statement: 22 data exception
 * (invalid text, out-of-range dates, bad JSON), 23 integrity constraint
 * violation (a NOT NULL or CHECK the value breaks; ON CONFLICT absorbs the
 * unique keys), 54 program limit exceeded (nesting too deep, value too long).
 */
const DATA_SQLSTATE_CLASSES = new Set(["22", "23", "54"]);
/**
 * Classes about the server or the installation, never the values: 08
 * connection exception, 25 invalid transaction state, 28 authorization, 3D
 * no such database, 40 transaction rollback (serialization failure,
 * deadlock), 42 syntax or access rule (the statement's parameters cannot
 * cause it: the schema is out of date), 53 insufficient resources (disk
 * full, out of memory, too many connections), 55 object not in prerequisite
 * state (lock not available), 57 operator intervention (shutdown, statement
 * timeout), 58 system error (I/O), XX internal error. Entries wait for the
 * installation to be fixed rather than being dead-lettered one by one.
 */
const INFRASTRUCTURE_SQLSTATE_CLASSES = new Set(["08", "25", "28", "3D", "40", "42", "53", "55", "57", "58", "XX"]);

/** Prisma's own codes (P1xxx: connection; P2xxx: the query) that are about the data, and those about reaching the database. */
const PRISMA_DATA_CODES = new Set(["P2000", "P2005", "P2006", "P2007", "P2011", "P2012", "P2019", "P2020", "P2023", "P2033"]);
const PRISMA_INFRASTRUCTURE_CODES = new Set(["P1001", "P1002", "P1008", "P1011", "P1017", "P2024", "P2034", "P2037"]);

/** Prisma's driver-adapter error kinds that mean the database could not be reached or kept. */
const ADAPTER_INFRASTRUCTURE_KINDS = new Set([
  "DatabaseNotReachable",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
  "TransactionWriteConflict",
  "TlsConnectionError",
]);

/** Node socket error codes. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * Messages of clients (ioredis, node-postgres, BullMQ) that lost or never had
 * their connection, and Redis replies that mean "not now" rather than "not this".
 */
const INFRASTRUCTURE_MESSAGE =
  /Connection is closed|Connection terminated|connection timeout|timeout exceeded when trying to connect|Stream isn't writeable|max retries per request|Command timed out|socket hang up|^(LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY|OOM|NOREPLICAS)\b/i;

/** Any thrown value's fields, none of them trusted. */
type ErrorLike = Readonly<Record<string, unknown>>;

const asObject = (value: unknown): ErrorLike | undefined =>
  typeof value === "object" && value !== null ? (value as ErrorLike) : undefined;
const SQLSTATE = /^[0-9A-Z]{5}$/;
const asString = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);
/** Client errors put the informative line last (Prisma prefixes "Invalid `prisma.$queryRaw()` invocation:"). */
const lastLine = (text: string) =>
  text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .at(-1) ?? text;

/** The Postgres error behind a Prisma driver-adapter error (`meta.driverAdapterError.cause`), or a pg error itself. */
function postgresCause(error: ErrorLike): { sqlState?: string; kind?: string; message?: string; detail?: string } | undefined {
  const cause = asObject(asObject(asObject(error.meta)?.driverAdapterError)?.cause);
  if (cause) {
    const code = asString(cause.originalCode) ?? asString(cause.code);
    return {
      sqlState: code && SQLSTATE.test(code) ? code : undefined,
      kind: asString(cause.kind),
      message: asString(cause.originalMessage) ?? asString(cause.message),
      detail: asString(cause.detail),
    };
  }
  // node-postgres errors carry the SQLSTATE in `code`, and a `severity`.
  const code = asString(error.code);
  if (code && SQLSTATE.test(code) && typeof error.severity === "string") {
    return { sqlState: code, message: asString(error.message), detail: asString(error.detail) };
  }
  return undefined;
}

function classifyOne(error: ErrorLike): Failure | undefined {
  const message = asString(error.message) ?? String(error);
  const postgres = postgresCause(error);
  if (postgres?.sqlState) {
    const reason = `postgres ${postgres.sqlState}: ${postgres.message ?? lastLine(message)}${postgres.detail ? ` (${postgres.detail})` : ""}`;
    const sqlClass = postgres.sqlState.slice(0, 2);
    if (DATA_SQLSTATE_CLASSES.has(sqlClass)) return { kind: "data", reason };
    if (INFRASTRUCTURE_SQLSTATE_CLASSES.has(sqlClass)) return { kind: "infrastructure", reason };
    return { kind: "unknown", reason };
  }
  if (postgres?.kind && ADAPTER_INFRASTRUCTURE_KINDS.has(postgres.kind)) {
    return { kind: "infrastructure", reason: `postgres ${postgres.kind}: ${lastLine(message)}` };
  }
  const code = asString(error.code);
  if (code && PRISMA_DATA_CODES.has(code)) return { kind: "data", reason: `prisma ${code}: ${lastLine(message)}` };
  if (code && PRISMA_INFRASTRUCTURE_CODES.has(code)) return { kind: "infrastructure", reason: `prisma ${code}: ${lastLine(message)}` };
  if (code && NETWORK_CODES.has(code)) return { kind: "infrastructure", reason: `${code}: ${lastLine(message)}` };
  const name = asString(error.name);
  // Prisma refusing the query's arguments before sending it: the data does not fit.
  if (name === "PrismaClientValidationError") return { kind: "data", reason: `prisma validation: ${lastLine(message)}` };
  // Serializing the entry blew the stack or the string limit (deep nesting, huge
  // payloads), or JSON text did not parse: the same every time for this entry.
  if (name === "RangeError" || name === "SyntaxError") return { kind: "data", reason: `${name}: ${lastLine(message)}` };
  if (name === "MaxRetriesPerRequestError" || INFRASTRUCTURE_MESSAGE.test(message)) {
    return { kind: "infrastructure", reason: lastLine(message) };
  }
  return undefined;
}

/**
 * Classifies an error thrown while routing a batch. Looks through `cause`
 * chains and AggregateErrors (a connection refused on every address): the
 * first cause that says something decides. Pure: no I/O.
 */
export function classifyFailure(error: unknown): Failure {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const current = queue.shift();
    const object = asObject(current);
    if (!object || seen.has(object)) continue;
    seen.add(object);
    const found = classifyOne(object);
    if (found) return found;
    if (object.cause !== undefined) queue.push(object.cause);
    if (Array.isArray(object.errors)) queue.push(...(object.errors as unknown[]));
  }
  const object = asObject(error);
  const message = object ? (asString(object.message) ?? String(error)) : String(error);
  return { kind: "unknown", reason: lastLine(message) };
}
