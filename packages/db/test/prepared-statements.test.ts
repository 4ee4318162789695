import { createDatabase, type Database } from "../src";
import { PREPARED_STATEMENT_MARK, preparedStatementName } from "../src/client";
import { TEST_PG_URL } from "../../../test/support/env";

describe("preparedStatementName: which raw statements are prepared once per connection", () => {
  const marked = `${PREPARED_STATEMENT_MARK}\n  UPDATE notifications SET status = 'delivered' WHERE id = ANY($1::bigint[])`;

  it("names a statement that starts with the mark, the same name for the same text every time", () => {
    const name = preparedStatementName(marked);
    expect(name).toMatch(/^herald_[0-9a-f]{24}$/);
    expect(preparedStatementName(`${marked}`)).toBe(name);
  });

  it("gives two marked texts two names (node-postgres refuses one name for two texts)", () => {
    expect(preparedStatementName(`${marked} AND status = 'pending'`)).not.toBe(preparedStatementName(marked));
  });

  it("leaves every other statement unnamed, however often it is sent: its variants would pile up on each connection", () => {
    expect(preparedStatementName("SELECT 1")).toBeUndefined();
    expect(preparedStatementName(`SELECT * FROM users WHERE id IN ($1, $2) ${PREPARED_STATEMENT_MARK}`)).toBeUndefined();
    expect(preparedStatementName(` ${marked}`)).toBeUndefined();
  });
});

describe("createDatabase on a real Postgres", () => {
  let db: Database;
  beforeAll(() => {
    // One connection, so the statements below and the look at pg_prepared_statements share a session.
    db = createDatabase(`${TEST_PG_URL}/postgres`, { poolSize: 1 });
  });
  afterAll(() => db.$disconnect());

  it("prepares a marked statement once on the connection and keeps it there; an unmarked one is not kept", async () => {
    for (const n of [1, 2, 3]) {
      const [row] = await db.$queryRaw<{ n: number }[]>`/* prepared */ SELECT ${n}::int AS n`;
      expect(row!.n).toBe(n);
      await db.$queryRaw`SELECT ${n}::int AS unmarked`;
    }
    const kept = await db.$queryRaw<{ name: string; statement: string }[]>`SELECT name, statement FROM pg_prepared_statements`;
    expect(kept.map((k) => k.statement)).toEqual(["/* prepared */ SELECT $1::int AS n"]);
    expect(kept[0]!.name).toBe(preparedStatementName(kept[0]!.statement));
  });
});
