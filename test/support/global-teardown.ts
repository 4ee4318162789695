import { Client } from "pg";
import { TEST_PG_URL, templateDatabase } from "./env";

/** Drops this run's template database (see global-setup.ts). */
export default async function globalTeardown(): Promise<void> {
  const admin = new Client({ connectionString: `${TEST_PG_URL}/postgres` });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${templateDatabase()} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
