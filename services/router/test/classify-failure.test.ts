import { classifyFailure, type FailureKind } from "../src/classify-failure";

/** The shape Prisma 7 throws for a failed $queryRaw on the pg driver adapter (P2010, cause under meta). */
function prismaRaw(cause: Record<string, unknown>): Error {
  return Object.assign(new Error("\nInvalid `prisma.$queryRaw()` invocation:\n\n\nRaw query failed. Code: `N/A`."), {
    name: "PrismaClientKnownRequestError",
    code: "P2010",
    meta: { driverAdapterError: { name: "DriverAdapterError", cause } },
  });
}
const postgres = (code: string, message: string, extra: Record<string, unknown> = {}) =>
  prismaRaw({ originalCode: code, originalMessage: message, kind: "postgres", code, severity: "ERROR", message, ...extra });
const prisma = (code: string, message = "prisma says no") =>
  Object.assign(new Error(message), { name: "PrismaClientKnownRequestError", code });
const system = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, errno: -111, syscall: "connect" });
const named = (name: string, message: string) => Object.assign(new Error(message), { name });

const CASES: readonly [label: string, error: unknown, kind: FailureKind, reason?: RegExp][] = [
  // The values Postgres refuses: the same on every retry.
  [
    "NUL in jsonb (22P05)",
    postgres("22P05", "unsupported Unicode escape sequence", { detail: "\\u0000 cannot be converted to text." }),
    "data",
    /^postgres 22P05: unsupported Unicode escape sequence \(\\u0000 cannot be converted to text\.\)$/,
  ],
  ["NUL in text (22021)", postgres("22021", 'invalid byte sequence for encoding "UTF8": 0x00'), "data", /22021/],
  [
    "year 0 (22008)",
    postgres("22008", 'date/time field value out of range: "0000-01-01T00:00:00Z"'),
    "data",
    /22008: date\/time field value out of range/,
  ],
  [
    "lone surrogate (22P02, mapped kind)",
    prismaRaw({ originalCode: "22P02", originalMessage: "invalid input syntax for type json", kind: "InvalidInputValue" }),
    "data",
    /22P02/,
  ],
  [
    "value out of range (22003, mapped kind)",
    prismaRaw({ originalCode: "22003", originalMessage: "out of range", kind: "ValueOutOfRange" }),
    "data",
  ],
  [
    "too long (22001, mapped kind)",
    prismaRaw({ originalCode: "22001", originalMessage: "value too long", kind: "LengthMismatch" }),
    "data",
  ],
  ["NOT NULL (23502)", prismaRaw({ originalCode: "23502", originalMessage: "null value", kind: "NullConstraintViolation" }), "data"],
  ["CHECK (23514)", postgres("23514", "violates check constraint"), "data"],
  ["nesting too deep (54001)", postgres("54001", "stack depth limit exceeded"), "data", /54001/],
  ["program limit (54000)", postgres("54000", "index row size exceeds maximum"), "data"],
  ["a bare node-postgres error", Object.assign(new Error("invalid byte sequence"), { code: "22021", severity: "ERROR" }), "data", /22021/],
  ["wrapped in a cause", new Error("batch failed", { cause: postgres("22P05", "unsupported Unicode escape sequence") }), "data", /22P05/],
  // Errors of the data before it reaches Postgres.
  ["Prisma validation", named("PrismaClientValidationError", "Argument `x`: Invalid value provided."), "data", /prisma validation/],
  ["Prisma P2000 value too long", prisma("P2000"), "data", /P2000/],
  ["Prisma P2007 data validation", prisma("P2007"), "data"],
  ["Prisma P2023 inconsistent column data", prisma("P2023"), "data"],
  [
    "JSON.stringify of a too-deep payload",
    new RangeError("Maximum call stack size exceeded"),
    "data",
    /^RangeError: Maximum call stack size exceeded$/,
  ],
  ["a string too long to build", new RangeError("Invalid string length"), "data"],
  ["JSON that does not parse", new SyntaxError("Unexpected token } in JSON"), "data", /^SyntaxError/],
  // Postgres down, busy or misdeployed: nobody's entry is at fault.
  [
    "Postgres not reachable (mapped kind, no SQLSTATE)",
    prismaRaw({ kind: "DatabaseNotReachable", host: "127.0.0.1", port: 5999 }),
    "infrastructure",
    /DatabaseNotReachable/,
  ],
  ["connection closed (mapped ECONNRESET)", prismaRaw({ kind: "ConnectionClosed" }), "infrastructure"],
  ["socket timeout", prismaRaw({ kind: "SocketTimeout" }), "infrastructure"],
  ["TLS failure", prismaRaw({ kind: "TlsConnectionError", reason: "bad cert" }), "infrastructure"],
  [
    "too many connections (53300)",
    prismaRaw({ originalCode: "53300", originalMessage: "sorry, too many clients", kind: "TooManyConnections" }),
    "infrastructure",
  ],
  ["disk full (53100)", postgres("53100", "could not extend file"), "infrastructure"],
  ["admin shutdown (57P01)", postgres("57P01", "terminating connection due to administrator command"), "infrastructure"],
  ["statement timeout (57014)", postgres("57014", "canceling statement due to statement timeout"), "infrastructure"],
  ["cannot connect now (57P03)", postgres("57P03", "the database system is starting up"), "infrastructure"],
  ["connection failure (08006)", postgres("08006", "connection failure"), "infrastructure"],
  [
    "serialization failure (40001)",
    prismaRaw({ originalCode: "40001", originalMessage: "could not serialize", kind: "TransactionWriteConflict" }),
    "infrastructure",
  ],
  ["deadlock (40P01)", postgres("40P01", "deadlock detected"), "infrastructure"],
  ["lock not available (55P03)", postgres("55P03", "could not obtain lock"), "infrastructure"],
  [
    "schema not migrated (42P01)",
    prismaRaw({ originalCode: "42P01", originalMessage: 'relation "events" does not exist', kind: "TableDoesNotExist" }),
    "infrastructure",
  ],
  [
    "password refused (28P01)",
    prismaRaw({ originalCode: "28P01", originalMessage: "password authentication failed", kind: "AuthenticationFailed" }),
    "infrastructure",
  ],
  [
    "no such database (3D000)",
    prismaRaw({ originalCode: "3D000", originalMessage: "database does not exist", kind: "DatabaseDoesNotExist" }),
    "infrastructure",
  ],
  ["I/O error (58030)", postgres("58030", "could not write"), "infrastructure"],
  ["internal error (XX000)", postgres("XX000", "cache lookup failed"), "infrastructure"],
  ["Prisma P1001 can't reach", prisma("P1001"), "infrastructure"],
  ["Prisma P1017 server closed", prisma("P1017"), "infrastructure"],
  ["Prisma P2024 pool timeout", prisma("P2024"), "infrastructure"],
  ["pg pool: connection terminated", new Error("Connection terminated unexpectedly"), "infrastructure"],
  ["pg pool: connect timeout", new Error("timeout exceeded when trying to connect"), "infrastructure"],
  ["ECONNREFUSED", system("ECONNREFUSED"), "infrastructure", /^ECONNREFUSED/],
  ["ECONNRESET", system("ECONNRESET"), "infrastructure"],
  ["ETIMEDOUT", system("ETIMEDOUT"), "infrastructure"],
  ["EPIPE", system("EPIPE"), "infrastructure"],
  ["refused on every address", new AggregateError([system("ECONNREFUSED"), system("ECONNREFUSED")], ""), "infrastructure"],
  // Redis (the push, the delivery queues) down or not accepting writes.
  ["ioredis connection closed", new Error("Connection is closed."), "infrastructure"],
  ["ioredis offline, fail-fast", new Error("Stream isn't writeable and enableOfflineQueue options is false"), "infrastructure"],
  ["ioredis gave up", named("MaxRetriesPerRequestError", "Reached the max retries per request limit (which is 1)."), "infrastructure"],
  ["ioredis command timeout", new Error("Command timed out"), "infrastructure"],
  ["Redis loading", named("ReplyError", "LOADING Redis is loading the dataset in memory"), "infrastructure"],
  ["Redis replica", named("ReplyError", "READONLY You can't write against a read only replica."), "infrastructure"],
  ["Redis out of memory", named("ReplyError", "OOM command not allowed when used memory > 'maxmemory'."), "infrastructure"],
  ["Redis busy script", named("ReplyError", "BUSY Redis is busy running a script."), "infrastructure"],
  // Nobody can tell: isolated, retried a few times, then dead-lettered.
  ["a bug", new TypeError("Cannot read properties of undefined (reading 'map')"), "unknown", /^Cannot read properties/],
  ["some error", new Error("boom"), "unknown", /^boom$/],
  ["feature not supported (0A000)", postgres("0A000", "not supported"), "unknown", /0A000/],
  ["another Prisma code", prisma("P2025"), "unknown"],
  ["another Redis reply", named("ReplyError", "ERR unknown command"), "unknown"],
  ["a thrown string", "plain string", "unknown", /^plain string$/],
  ["undefined", undefined, "unknown"],
  ["null", null, "unknown"],
  ["a number", 42, "unknown"],
  ["an object without message", {}, "unknown"],
  [
    "a cause cycle",
    (() => {
      const e = new Error("loop") as Error & { cause?: unknown };
      e.cause = e;
      return e;
    })(),
    "unknown",
    /^loop$/,
  ],
];

describe("classifyFailure", () => {
  it.each(CASES.map(([label, error, kind, reason]) => ({ label, error, kind, reason })))("$label → $kind", ({ error, kind, reason }) => {
    const failure = classifyFailure(error);
    expect(failure.kind).toBe(kind);
    expect(typeof failure.reason).toBe("string");
    expect(failure.reason).not.toMatch(/\n/);
    if (reason) expect(failure.reason).toMatch(reason);
  });

  it("gives Prisma's informative last line as the reason, not its invocation banner", () => {
    expect(classifyFailure(prisma("P2000", "\nInvalid `prisma.x()` invocation:\n\n\nThe provided value is too long")).reason).toBe(
      "prisma P2000: The provided value is too long",
    );
  });
});
