// Runs `prisma generate` without needing Prisma's engine downloads.
// Prisma 7's client runs on the pg driver adapter and `generate` never runs the
// schema engine, but the CLI insists the binary exists; point it at any file
// (this node binary) unless the caller already named a real engine.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const prismaCli = createRequire(path.join(root, "package.json")).resolve("prisma/build/index.js");
const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
env.PRISMA_HIDE_UPDATE_MESSAGE ??= "1";
const result = spawnSync(process.execPath, [prismaCli, "generate"], { cwd: root, env, stdio: "inherit" });
process.exit(result.status ?? 1);
