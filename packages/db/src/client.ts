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
 * Prisma 7 with the node-postgres driver adapter: no query engine binary is
 * needed at run time.
 */
export function createDatabase(databaseUrl: string, options: { readonly poolSize?: number } = {}): Database {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: options.poolSize ?? 10, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
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
