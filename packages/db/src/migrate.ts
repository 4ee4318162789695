import { createHash, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { Client } from "pg";
import { STREAM_EVENT_TYPES } from "@herald/contract";

/**
 * Applies the SQL migrations in prisma/migrations/ and seeds `event_types`
 * from the catalog.
 *
 * Migrations are kept in Prisma's folder layout and recorded in Prisma's own
 * `_prisma_migrations` table with Prisma's checksum (SHA-256 of the file), so
 * `prisma migrate deploy` and `prisma migrate status` treat them as applied.
 * Doing it here means no migration engine binary is needed: services can
 * migrate on start on machines that cannot download Prisma's engines.
 */
export interface MigrateOptions {
  readonly databaseUrl: string;
  readonly migrationsDir?: string;
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface MigrateResult {
  readonly applied: string[];
  readonly alreadyApplied: number;
}

// Arbitrary constant: serializes concurrent migrators (several services starting at once).
const MIGRATION_LOCK_ID = 72_011_943;

export function defaultMigrationsDir(): string {
  // packages/db/{src,dist}/migrate.* -> <repo>/prisma/migrations
  return path.resolve(__dirname, "..", "..", "..", "prisma", "migrations");
}

/** Creates the database named in the URL if it does not exist yet. */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ""));
  if (!name) throw new Error("DATABASE_URL names no database");
  url.pathname = "/postgres";
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    const found = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (found.rowCount) return false;
    try {
      await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    } catch (error) {
      // Another process created it between our check and our CREATE.
      if ((error as { code?: string }).code !== "42P04") throw error;
      return false;
    }
    return true;
  } finally {
    await admin.end();
  }
}

interface MigrationFile {
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

async function readMigrations(dir: string): Promise<MigrationFile[]> {
  if (!existsSync(dir)) throw new Error(`migrations folder not found: ${dir}`);
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const files: MigrationFile[] = [];
  for (const name of names) {
    const file = path.join(dir, name, "migration.sql");
    if (!existsSync(file)) continue;
    const content = await readFile(file);
    files.push({ name, sql: content.toString("utf8"), checksum: createHash("sha256").update(content).digest("hex") });
  }
  return files;
}

// The table exactly as Prisma's migration engine creates it.
const CREATE_PRISMA_MIGRATIONS = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

async function seedEventTypes(client: Client): Promise<void> {
  await client.query(
    `INSERT INTO event_types (name, category, description, is_critical)
     SELECT name, category, description, critical FROM jsonb_to_recordset($1::jsonb)
       AS t(name text, category text, description text, critical boolean)
     ON CONFLICT (name) DO UPDATE SET category = EXCLUDED.category, description = EXCLUDED.description,
       is_critical = EXCLUDED.is_critical, updated_at = now()
     WHERE (event_types.category, event_types.description, event_types.is_critical)
       IS DISTINCT FROM (EXCLUDED.category, EXCLUDED.description, EXCLUDED.is_critical)`,
    [JSON.stringify(STREAM_EVENT_TYPES)],
  );
}

export async function applyMigrations(options: MigrateOptions): Promise<MigrateResult> {
  const log = options.log ?? (() => undefined);
  if (await ensureDatabase(options.databaseUrl)) log("created database");
  const migrations = await readMigrations(options.migrationsDir ?? defaultMigrationsDir());
  const client = new Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_ID]);
    await client.query(CREATE_PRISMA_MIGRATIONS);
    const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`,
    );
    const done = new Map(rows.map((r) => [r.migration_name, r]));
    const applied: string[] = [];
    for (const migration of migrations) {
      const record = done.get(migration.name);
      if (record) {
        if (!record.finished_at) {
          throw new Error(`migration ${migration.name} failed earlier and was not rolled back; resolve it before migrating`);
        }
        if (record.checksum !== migration.checksum) {
          log("applied migration was edited since; leaving it as it is", { migration: migration.name });
        }
        continue;
      }
      await client.query("BEGIN");
      try {
        await client.query(migration.sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), now(), 1)`,
          [randomUUID(), migration.checksum, migration.name],
        );
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw new Error(`migration ${migration.name} failed: ${(error as Error).message}`);
      }
      applied.push(migration.name);
      log("applied migration", { migration: migration.name });
    }
    await seedEventTypes(client);
    return { applied, alreadyApplied: migrations.length - applied.length };
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_ID]).catch(() => undefined);
    await client.end();
  }
}

/** Applies the migrations the way a service's settings ask for, logging through `log`. */
export function migrationsFor(
  config: { readonly databaseUrl: string; readonly migrationsDir?: string },
  log: (message: string, fields?: Record<string, unknown>) => void,
): () => Promise<MigrateResult> {
  return () => applyMigrations({ databaseUrl: config.databaseUrl, migrationsDir: config.migrationsDir, log });
}
