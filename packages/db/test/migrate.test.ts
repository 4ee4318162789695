import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Client } from "pg";
import { STREAM_EVENT_TYPES } from "@herald/contract";
import { applyMigrations, defaultMigrationsDir } from "../src";
import { TEST_PG_URL } from "../../../test/support/env";

/** The migrator against a database that does not exist yet. */
describe("applyMigrations", () => {
  const name = `herald_migrate_${process.pid}`;
  const url = `${TEST_PG_URL}/${name}`;
  let client: Client | undefined;

  afterAll(async () => {
    await client?.end();
    const admin = new Client({ connectionString: `${TEST_PG_URL}/postgres` });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it("creates the database, applies every migration once, records it as Prisma does and seeds the catalog", async () => {
    const first = await applyMigrations({ databaseUrl: url });
    const folders = readdirSync(defaultMigrationsDir(), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    expect(folders[0]).toBe("20261122000000_init");
    expect(first.applied).toEqual(folders);
    // Concurrent starts (several services at once) wait for each other and apply nothing twice.
    const again = await Promise.all([applyMigrations({ databaseUrl: url }), applyMigrations({ databaseUrl: url })]);
    expect(again.map((r) => r.applied)).toEqual([[], []]);

    client = new Client({ connectionString: url });
    await client.connect();
    const { rows: recorded } = await client.query(
      `SELECT migration_name, checksum, finished_at IS NOT NULL AS done FROM _prisma_migrations ORDER BY migration_name`,
    );
    const sql = readFileSync(path.join(defaultMigrationsDir(), "20261122000000_init", "migration.sql"));
    expect(recorded).toHaveLength(folders.length);
    expect(recorded[0]).toEqual({
      migration_name: "20261122000000_init",
      checksum: createHash("sha256").update(sql).digest("hex"),
      done: true,
    });

    const { rows: types } = await client.query(`SELECT name, category, is_critical AS critical, description FROM event_types ORDER BY id`);
    expect(types).toEqual(
      STREAM_EVENT_TYPES.map(({ name, category, critical, description }) => ({ name, category, critical, description })),
    );

    const { rows: indexes } = await client.query(`SELECT indexdef FROM pg_indexes WHERE indexname = 'notifications_user_unread_idx'`);
    expect(indexes[0].indexdef).toContain("WHERE (is_read = false)");
  });

  it("refuses a duplicate notification for the same event and user", async () => {
    await client!.query(`INSERT INTO users (id) VALUES ('u1')`);
    await client!.query(
      `INSERT INTO events (id, event_type_id, occurred_at) SELECT 'e1', id, now() FROM event_types WHERE name = 'job.completed'`,
    );
    const insert = `INSERT INTO notifications (event_id, user_id, event_type, category, title, body) VALUES ('e1', 'u1', 'job.completed', 'job', 't', 'b')`;
    await client!.query(insert);
    await expect(client!.query(insert)).rejects.toThrow(/notifications_event_id_user_id_key/);
  });
});
