import { Client } from "pg";
import { applyMigrations } from "@herald/db";
import { TEMPLATE_DATABASE, TEST_PG_URL } from "./env";

/**
 * Builds a migrated template database once per run; each suite then clones it
 * (CREATE DATABASE … TEMPLATE), which takes milliseconds and keeps suites
 * isolated from each other.
 */
export default async function globalSetup(): Promise<void> {
  const admin = new Client({ connectionString: `${TEST_PG_URL}/postgres` });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  await applyMigrations({ databaseUrl: `${TEST_PG_URL}/${TEMPLATE_DATABASE}` });
}
