import { createHash } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client";

export type Database = PrismaClient;

/**
 * How long opening a connection may take. node-postgres waits forever by
 * default: with Postgres partitioned away (connections accepted, never
 * answered) every query, and the HTTP request or handshake behind it, would
 * hang instead of failing as an outage the caller can report and retry.
 */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * The comment a raw statement starts with to be prepared once per connection,
 * its plan kept by Postgres. The driver adapter sends every statement unnamed
 * by default, so Postgres plans it again on every call: for the router's
 * batch statement (twenty-odd CTEs) planning took about a third of its time
 * (bind 9 ms p50 beside execute 17 ms under load, Dec 2026). Only statements
 * that say so are named: a statement whose text varies (an ORM query's IN
 * list of any length) would leave a new prepared statement on each
 * connection for every variant, and each would stay there for good. A marked
 * statement names its result columns (no top-level `SELECT *`): Postgres
 * re-plans it after a migration, but refuses a plan whose result type changed.
 */
export const PREPARED_STATEMENT_MARK = "/* prepared */";

/** The name a marked statement is prepared under (one per distinct text, so two texts can never share a name). */
export function preparedStatementName(sql: string): string | undefined {
  if (!sql.startsWith(PREPARED_STATEMENT_MARK)) return undefined;
  return `herald_${createHash("sha1").update(sql).digest("hex").slice(0, 24)}`;
}

/**
 * Prisma 7 with the node-postgres driver adapter: no query engine binary is
 * needed at run time.
 */
export function createDatabase(databaseUrl: string, options: { readonly poolSize?: number } = {}): Database {
  const adapter = new PrismaPg(
    { connectionString: databaseUrl, max: options.poolSize ?? 10, connectionTimeoutMillis: CONNECT_TIMEOUT_MS },
    { statementNameGenerator: (query) => preparedStatementName(query.sql) as string },
  );
  return new PrismaClient({ adapter });
}

export async function pingDatabase(db: Database): Promise<boolean> {
  try {
    await db.$queryRaw`SELECT 1`;
    return true;
  } catch {
    return false;
  }
}
