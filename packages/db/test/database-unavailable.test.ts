import net from "node:net";
import { createDatabase, isDatabaseUnavailable, Prisma } from "../src";
import { TEST_PG_URL } from "../../../test/support/env";

const known = (code: string, cause?: Record<string, unknown>) =>
  new Prisma.PrismaClientKnownRequestError("failed", {
    code,
    clientVersion: "7",
    meta: cause ? { driverAdapterError: { name: "DriverAdapterError", cause } } : undefined,
  });

describe("isDatabaseUnavailable", () => {
  // Shapes as Prisma 7 on @prisma/adapter-pg throws them (captured against a closed port, a proxy that dropped
  // connections, one that never answered, and a real Postgres).
  it.each([
    ["can't reach (model query)", known("P1001", { kind: "DatabaseNotReachable", host: "127.0.0.1", port: 1 })],
    ["can't reach (raw query)", known("P2010", { kind: "DatabaseNotReachable", host: "127.0.0.1", port: 1 })],
    ["connection closed", known("P2010", { kind: "ConnectionClosed" })],
    ["socket timeout", known("P2010", { kind: "SocketTimeout" })],
    ["too many connections", known("P2010", { kind: "TooManyConnections", cause: "sorry, too many clients already" })],
    ["server shutting down", known("P2010", { kind: "postgres", code: "57P01", originalCode: "57P01" })],
    ["connection failure", known("P2010", { kind: "postgres", code: "08006", originalCode: "08006" })],
    ["server closed the connection", known("P1017")],
    ["dropped mid-query (pg)", new Error("Connection terminated unexpectedly")],
    ["connect timed out (pg)", new Error("Connection terminated due to connection timeout", { cause: new Error("timeout expired") })],
    ["pool connect timed out (pg-pool)", new Error("timeout exceeded when trying to connect")],
    ["refused (socket)", Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" })],
    ["wrapped", new Error("user sync failed", { cause: Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }) })],
    ["initialization", Object.assign(new Error("Can't reach database server"), { errorCode: "P1001" })],
  ])("an outage: %s", (_label, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ["missing table", known("P2021", { kind: "TableDoesNotExist", originalCode: "42P01", table: "public.users" })],
    ["bad SQL", known("P2010", { kind: "postgres", code: "42601", originalCode: "42601" })],
    ["unique violation", known("P2002", { kind: "UniqueConstraintViolation", originalCode: "23505" })],
    ["authentication failed (a misconfiguration)", known("P1000", { kind: "AuthenticationFailed" })],
    ["no such database (a misconfiguration)", known("P1003", { kind: "DatabaseDoesNotExist" })],
    ["a bug", new TypeError("Cannot read properties of undefined (reading 'id')")],
    ["not an error", "Connection terminated"],
    ["nothing", undefined],
    ["null", null],
  ])("not an outage: %s", (_label, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

describe("isDatabaseUnavailable on real failures", () => {
  it("a closed port is an outage; a query Postgres refuses is not", async () => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));

    const down = createDatabase(`postgresql://postgres@127.0.0.1:${port}/postgres`);
    const up = createDatabase(`${TEST_PG_URL}/postgres`);
    try {
      const outage = await down.$queryRaw`SELECT 1`.catch((e: unknown) => e);
      const modelOutage = await down.user.findFirst().catch((e: unknown) => e);
      const bug = await up.$queryRaw`SELECT * FROM no_such_table`.catch((e: unknown) => e);
      expect([isDatabaseUnavailable(outage), isDatabaseUnavailable(modelOutage), isDatabaseUnavailable(bug)]).toEqual([true, true, false]);
    } finally {
      await Promise.all([down.$disconnect(), up.$disconnect()]);
    }
  });
});
