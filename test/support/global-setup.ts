import { Client } from "pg";
import { applyMigrations } from "@herald/db";
import { TEST_PG_URL } from "./env";

async function withAdmin(fn: (admin: Client) => Promise<unknown>): Promise<void> {
  const admin = new Client({ connectionString: `${TEST_PG_URL}/postgres` });
  await admin.connect();
  try {
    await fn(admin);
  } finally {
    await admin.end();
  }
}

/**
 * Builds a migrated template database once per run; each suite then clones it
 * (CREATE DATABASE … TEMPLATE), which takes milliseconds and keeps suites
 * isolated from each other. The template is this run's own (by pid), so a
 * second run on the same machine cannot drop it mid-run; templates of runs
 * whose process is gone are removed.
 */
export default async function globalSetup(): Promise<void> {
  const name = `herald_test_template_${process.pid}`;
  process.env.HERALD_TEST_TEMPLATE = name;
  await withAdmin(async (admin) => {
    const { rows } = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname ~ '^herald_test_template(_[0-9]+)?$'`,
    );
    for (const { datname } of rows) {
      const pid = Number(datname.split("_").pop());
      if (datname !== name && (!Number.isInteger(pid) || !alive(pid))) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    }
  });
  await applyMigrations({ databaseUrl: `${TEST_PG_URL}/${name}` });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
