/** Connection settings shared by every test; override with the usual env variables. */
export const TEST_REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
export const TEST_PG_URL = process.env.TEST_PG_URL ?? "postgresql://postgres@127.0.0.1:5432";
/**
 * The migrated template every suite clones, one per test run (named by the
 * run's global setup, which sets the env for the workers it starts): two
 * runs on one machine must not drop each other's template mid-run.
 */
export function templateDatabase(): string {
  return process.env.HERALD_TEST_TEMPLATE ?? "herald_test_template";
}
export const TEST_JWT_SECRET = "herald-test-secret-0123456789abcdef0123456789";
/** Set by `npm run test:cluster` (scripts/redis-cluster.mjs): services and tests then talk to a Redis Cluster. */
export const TEST_REDIS_CLUSTER_NODES = process.env.REDIS_CLUSTER_NODES?.trim() || undefined;
