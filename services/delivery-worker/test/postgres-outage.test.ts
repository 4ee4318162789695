import { isUnreachable, PostgresOutage, type Pausable } from "../src/postgres-outage";

/** Errors as @prisma/adapter-pg and node-postgres really throw them (shapes taken from a cut TCP proxy). */
const prismaError = (cause: Record<string, unknown>) =>
  Object.assign(new Error("Invalid `prisma.$queryRaw()` invocation"), {
    code: "P2010",
    meta: { driverAdapterError: { name: "DriverAdapterError", cause } },
  });

describe("isUnreachable", () => {
  const cases: [string, boolean, unknown][] = [
    ["connection refused (Prisma)", true, prismaError({ kind: "DatabaseNotReachable", host: "127.0.0.1", port: 5432 })],
    ["connection reset (Prisma)", true, prismaError({ kind: "ConnectionClosed" })],
    ["socket timeout (Prisma)", true, prismaError({ kind: "SocketTimeout" })],
    ["too many connections (Prisma)", true, prismaError({ kind: "TooManyConnections", cause: "sorry" })],
    [
      "server shutting down",
      true,
      prismaError({ kind: "postgres", code: "57P01", message: "terminating connection due to administrator command" }),
    ],
    ["server starting up", true, prismaError({ kind: "postgres", code: "57P03", message: "the database system is starting up" })],
    ["connection exception class 08", true, prismaError({ kind: "postgres", code: "08006", message: "connection failure" })],
    ["lost mid-statement (node-postgres)", true, new Error("Connection terminated unexpectedly")],
    ["lost while connecting (node-postgres)", true, new Error("Connection terminated due to connection timeout")],
    ["a raw socket error", true, Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" })],
    ["Prisma cannot reach the server", true, Object.assign(new Error("Can't reach database server"), { code: "P1001" })],
    ["no pooled connection in time", true, Object.assign(new Error("Timed out fetching a new connection"), { code: "P2024" })],
    ["wrapped in a cause", true, new Error("load failed", { cause: new Error("Connection terminated unexpectedly") })],
    ["a syntax error", false, prismaError({ kind: "postgres", code: "42601", message: "syntax error" })],
    ["a unique violation", false, prismaError({ kind: "UniqueConstraintViolation", constraint: { fields: ["id"] } })],
    ["a missing database", false, prismaError({ kind: "DatabaseDoesNotExist", db: "x" })],
    ["a bug in our code", false, new TypeError("cannot read properties of undefined")],
    ["not an error at all", false, "boom"],
    ["null", false, null],
  ];
  it.each(cases)("%s → %s", (_what, expected, error) => {
    expect(isUnreachable(error)).toBe(expected);
  });
});

describe("PostgresOutage", () => {
  const logger = { error: jest.fn(), info: jest.fn(), warn: jest.fn(), debug: jest.fn() } as never;
  const fakeWorker = () => {
    const calls: string[] = [];
    const worker: Pausable = {
      pause: async (doNotWaitActive) => void calls.push(`pause:${doNotWaitActive}`),
      resume: () => void calls.push("resume"),
    };
    return { worker, calls };
  };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it("pauses the workers on an unreachable Postgres, pings until it answers, then resumes them and lets waiters go", async () => {
    let up = false;
    let pings = 0;
    const outage = new PostgresOutage({ ping: async () => (pings++, up), probeMs: 10, logger });
    const a = fakeWorker();
    const b = fakeWorker();
    outage.watch([a.worker, b.worker]);

    expect(await outage.isOutage(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(a.calls).toEqual(["pause:true"]);
    expect(b.calls).toEqual(["pause:true"]);
    // While it lasts, any error is the outage's; the workers are paused once.
    expect(await outage.isOutage(new Error("anything"))).toBe(true);
    expect(a.calls).toEqual(["pause:true"]);

    let back = false;
    const waiting = outage.whenBack().then(() => (back = true));
    // Waits for pings, not for a time: a loaded machine may run fewer 10 ms timers in 50 ms than it should.
    while (pings < 3) await sleep(10);
    expect(back).toBe(false);
    up = true;
    await waiting;
    expect(a.calls).toEqual(["pause:true", "resume"]);
    expect(b.calls).toEqual(["pause:true", "resume"]);
    await expect(outage.whenBack()).resolves.toBeUndefined();
  });

  it("takes an error that does not say so for an outage only when Postgres does not answer a ping", async () => {
    let up = true;
    const outage = new PostgresOutage({ ping: async () => up, probeMs: 10, logger });
    const a = fakeWorker();
    outage.watch([a.worker]);
    expect(await outage.isOutage(new TypeError("a bug"))).toBe(false);
    expect(a.calls).toEqual([]);
    up = false;
    expect(await outage.isOutage(new TypeError("a bug"))).toBe(true);
    expect(a.calls).toEqual(["pause:true"]);
    up = true;
    await outage.whenBack();
    expect(a.calls).toEqual(["pause:true", "resume"]);
  });
});
