import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { templateDatabase, TEST_PG_URL } from "./env";

export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  query<T extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

async function withAdmin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: `${TEST_PG_URL}/postgres` });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh, migrated database of this suite's own. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `herald_t_${randomBytes(5).toString("hex")}`;
  await withAdmin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${templateDatabase()}`));
  const url = `${TEST_PG_URL}/${name}`;
  const client = new Client({ connectionString: url });
  await client.connect();
  return {
    url,
    name,
    async query<T extends Record<string, unknown>>(sql: string, params: unknown[] = []) {
      return (await client.query(sql, params)).rows as T[];
    },
    async drop() {
      await client.end();
      await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
