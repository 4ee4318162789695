// The chaos suite (test/chaos/, `npm run test:chaos`): kills and stops its
// own Redis, PostgreSQL and services, one scenario at a time, and prints
// what was accepted, stored, pushed, delivered, lost and duplicated. Kept out
// of `npm test`, which must not spend minutes on it.
const os = require("node:os");
const path = require("node:path");
const base = require("./jest.config");

// Scenarios start many services at once on a small machine: give each longer to come up than npm test does.
process.env.SERVICE_READY_TIMEOUT_MS ??= "60000";
// One file for every scenario's figures; the summary reporter prints them as one table at the end.
process.env.CHAOS_REPORT_FILE ??= path.join(os.tmpdir(), `herald-chaos-figures-${process.pid}.jsonl`);

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: base.testEnvironment,
  transform: base.transform,
  moduleNameMapper: base.moduleNameMapper,
  testMatch: ["<rootDir>/test/chaos/**/*.test.ts"],
  // Each scenario brings its own Redis and PostgreSQL: no shared template database to set up.
  // One scenario at a time: they kill processes and measure timings on a small machine.
  maxWorkers: 1,
  testTimeout: 300_000,
  forceExit: true,
  reporters: ["default", "<rootDir>/test/support/summary-reporter.js", "<rootDir>/test/chaos/support/summary-reporter.js"],
};
