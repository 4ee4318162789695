import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { redisNames, type RedisNames } from "@herald/runtime";
import { createTestDatabase, type TestDatabase } from "./database";
import { TEST_JWT_SECRET, TEST_REDIS_URL } from "./env";
import { ServiceProcess, type ServiceName, type WaitFor } from "./service-process";

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
    readonly redis: Redis,
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
    return new TestStack(db, new Redis(redisUrl), namespace, extraEnv, redisUrl);
  }

  env(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      DATABASE_URL: this.db.url,
      REDIS_URL: this.redisUrl,
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
    const keys = await this.redis.keys(`${this.namespace}:*`);
    if (keys.length > 0) await this.redis.del(...keys);
    this.redis.disconnect();
    await this.db.drop();
  }
}
