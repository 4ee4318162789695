import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "pg";
import { applyMigrations, defaultMigrationsDir } from "../src";
import { TEST_PG_URL } from "../../../test/support/env";

const TENANTS = "20261202200000_tenants";

/** An installation from before tenants, upgraded: every row lands in `default`, nothing lost. */
describe("the tenants migration on a database with data from before", () => {
  const name = `herald_tenants_migration_${process.pid}`;
  const url = `${TEST_PG_URL}/${name}`;
  const before = mkdtempSync(path.join(os.tmpdir(), "herald-migrations-"));
  let client: Client;

  beforeAll(async () => {
    // The migrations as they were before tenants (and the lock file), in a folder of their own.
    for (const entry of readdirSync(defaultMigrationsDir())) {
      if (entry >= TENANTS && /^\d{14}_/.test(entry)) continue;
      cpSync(path.join(defaultMigrationsDir(), entry), path.join(before, entry), { recursive: true });
    }
    await applyMigrations({ databaseUrl: url, migrationsDir: before });
    client = new Client({ connectionString: url });
    await client.connect();
  });

  afterAll(async () => {
    await client.end();
    rmSync(before, { recursive: true, force: true });
    const admin = new Client({ connectionString: `${TEST_PG_URL}/postgres` });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it("keeps every user, event, notification and preference, all of tenant default", async () => {
    await client.query(`INSERT INTO users (id, role) VALUES ('42', 'user'), ('ops', 'admin')`);
    await client.query(`INSERT INTO events (id, event_type_id, occurred_at, payload)
      SELECT 'e1', id, now(), '{"ownerUserId":"42"}' FROM event_types WHERE name = 'job.completed'`);
    await client.query(`INSERT INTO notifications (event_id, user_id, event_type, category, title, body)
      VALUES ('e1', '42', 'job.completed', 'job', 'Job completed', 'train')`);
    await client.query(`INSERT INTO notification_preferences (user_id, event_type_id, scope)
      SELECT 'ops', id, 'all' FROM event_types WHERE name = 'job.failed'`);
    expect(
      await client.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'tenant_id'`),
    ).toMatchObject({
      rowCount: 0,
    });

    const upgrade = await applyMigrations({ databaseUrl: url });
    expect(upgrade.applied[0]).toBe(TENANTS);

    expect((await client.query(`SELECT id, role, tenant_id FROM users ORDER BY id`)).rows).toEqual([
      { id: "42", role: "user", tenant_id: "default" },
      { id: "ops", role: "admin", tenant_id: "default" },
    ]);
    expect((await client.query(`SELECT id, tenant_id, payload FROM events`)).rows).toEqual([
      { id: "e1", tenant_id: "default", payload: { ownerUserId: "42" } },
    ]);
    expect((await client.query(`SELECT event_id, user_id, title FROM notifications`)).rows).toEqual([
      { event_id: "e1", user_id: "42", title: "Job completed" },
    ]);
    expect((await client.query(`SELECT user_id, scope FROM notification_preferences`)).rows).toEqual([{ user_id: "ops", scope: "all" }]);
  });
});
