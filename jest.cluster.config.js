// The cluster suite (`npm run test:cluster`): end-to-end suites that cover
// every service, run with REDIS_CLUSTER_NODES set against a local 3-master
// Redis Cluster that scripts/redis-cluster.mjs starts and tears down.
const base = require("./jest.config");

if (!process.env.REDIS_CLUSTER_NODES) {
  throw new Error("jest.cluster.config.js: REDIS_CLUSTER_NODES is not set; run `npm run test:cluster`");
}
// Cluster clients discover the slots before their first command: give services longer to come up.
process.env.SERVICE_READY_TIMEOUT_MS ??= "40000";

const SUITES = [
  "walking-skeleton",
  "external-delivery",
  "gateway-cluster",
  "gateway-catch-up",
  "tenants",
  "ingest-producers",
  "retention",
  "sdk-subscribe",
  "multi-router-order",
  "routing-preferences",
  "router-poison",
  "ingest-operator",
  "delivery-recovery",
];

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  // test/cluster/: what only a cluster can show (kept out of npm test, like test/chaos/).
  testMatch: [...SUITES.map((name) => `<rootDir>/test/e2e/${name}.test.ts`), "<rootDir>/test/cluster/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/"],
  testTimeout: 120_000,
};
