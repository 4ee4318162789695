/** Connection settings shared by every test; override with the usual env variables. */
export const TEST_REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
export const TEST_PG_URL = process.env.TEST_PG_URL ?? "postgresql://postgres@127.0.0.1:5432";
export const TEMPLATE_DATABASE = "herald_test_template";
export const TEST_JWT_SECRET = "herald-test-secret-0123456789abcdef0123456789";
