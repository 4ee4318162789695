import { randomBytes } from "node:crypto";
import { redisNames, type RedisClient, type RedisNames } from "@herald/runtime";
import { createTestDatabase, type TestDatabase } from "./database";
import { TEST_JWT_SECRET, TEST_REDIS_CLUSTER_NODES, TEST_REDIS_URL } from "./env";
import { ServiceProcess, type ServiceName, type WaitFor } from "./service-process";
import { deleteKeys, keysEverywhere, testRedis } from "./test-redis";

/**
 * Where a stack lives: by default a fresh database cloned on the shared test
 * PostgreSQL and the shared test Redis; the chaos suite passes its own
 * PostgreSQL cluster's database and its own Redis, which it may kill.
 */
export interface StackPlacement {
  readonly database?: TestDatabase;
  readonly redisUrl?: string;
}

/**
 * A Herald installation of a test's own: its own database, its own Redis
 * namespace, and the services it asks for as separate processes.
 */
export class TestStack {
  readonly services = new Map<string, ServiceProcess>();
  readonly names: RedisNames;

  private constructor(
    readonly db: TestDatabase,
    readonly redis: RedisClient,
    readonly namespace: string,
    private readonly extraEnv: Record<string, string>,
    readonly redisUrl: string,
  ) {
    this.names = redisNames(namespace);
  }

  static async create(extraEnv: Record<string, string> = {}, placement: StackPlacement = {}): Promise<TestStack> {
    const db = placement.database ?? (await createTestDatabase());
    const redisUrl = placement.redisUrl ?? TEST_REDIS_URL;
    const namespace = `t${randomBytes(4).toString("hex")}`;
    return new TestStack(db, testRedis(redisUrl), namespace, extraEnv, redisUrl);
  }

  /** Under `npm run test:cluster`, the cluster's seeds: the stack's services connect to it (not to a suite's own Redis). */
  get redisClusterNodes(): string | undefined {
    return this.redisUrl === TEST_REDIS_URL ? TEST_REDIS_CLUSTER_NODES : undefined;
  }

  env(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      DATABASE_URL: this.db.url,
      REDIS_URL: this.redisUrl,
      ...(this.redisClusterNodes ? { REDIS_CLUSTER_NODES: this.redisClusterNodes } : {}),
      HERALD_NAMESPACE: this.namespace,
      JWT_SECRET: TEST_JWT_SECRET,
      ...this.extraEnv,
      ...overrides,
    };
  }

  async start(name: ServiceName, options: { key?: string; env?: Record<string, string>; waitFor?: WaitFor } = {}): Promise<ServiceProcess> {
    const service = await ServiceProcess.start(name, this.env(options.env), options.waitFor);
    this.services.set(options.key ?? name, service);
    return service;
  }

  service(key: string): ServiceProcess {
    const service = this.services.get(key);
    if (!service) throw new Error(`no service ${key} in this stack`);
    return service;
  }

  async streamLength(): Promise<number> {
    return this.redis.xlen(this.names.eventStream);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.services.values()].map((s) => s.stop().catch(() => s.kill())));
    await deleteKeys(this.redis, await keysEverywhere(this.redis, `${this.namespace}:*`));
    this.redis.disconnect();
    await this.db.drop();
  }
}
