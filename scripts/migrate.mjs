// `npm run db:migrate`: creates the database if missing, applies prisma/migrations
// and seeds the event catalog. See docs/migrations.md.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { applyMigrations } = require("@herald/db");
const { loadInstallationConfig } = require("@herald/runtime");

const config = loadInstallationConfig();
try {
  const result = await applyMigrations({
    databaseUrl: config.databaseUrl,
    migrationsDir: config.migrationsDir,
    log: (message, fields) => console.log(JSON.stringify({ msg: message, ...fields })),
  });
  console.log(JSON.stringify({ msg: "database is up to date", applied: result.applied, alreadyApplied: result.alreadyApplied }));
} catch (error) {
  console.error(`db:migrate failed: ${error.message}`);
  if (error.code === "ECONNREFUSED") {
    console.error(
      `PostgreSQL is not reachable at ${config.databaseUrl}. Start it (e.g. \`docker compose up -d postgres\`) or set DATABASE_URL.`,
    );
  }
  process.exit(1);
}
