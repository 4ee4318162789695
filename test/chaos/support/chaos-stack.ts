import type { Redis } from "ioredis";
import { TestStack } from "../../support/stack";
import { OwnPostgres } from "./own-postgres";
import { OwnRedis, type AppendFsync } from "./own-redis";
import { removeScratchDir, scratchDir, sweepAbandoned } from "./scratch";

export interface ChaosStackOptions {
  /** Settings for every service of the stack. */
  readonly env?: Record<string, string>;
  readonly appendfsync?: AppendFsync;
}

/**
 * A Herald installation on a Redis and a PostgreSQL cluster of its own, which
 * scenarios may kill or stop: the services are TestStack's separate
 * processes, pointed at them. `stop()` removes everything, and a run that
 * died before it could is cleaned up by the next one (see scratch.ts).
 */
export class ChaosStack {
  private constructor(
    readonly stack: TestStack,
    readonly redis: OwnRedis,
    readonly postgres: OwnPostgres,
    /** The test's own client of `redis`, for measurements; rides out its restarts. */
    readonly probe: Redis,
    private readonly dir: string,
  ) {}

  static async create(options: ChaosStackOptions = {}): Promise<ChaosStack> {
    sweepAbandoned();
    const dir = scratchDir();
    let redis: OwnRedis | undefined;
    let postgres: OwnPostgres | undefined;
    try {
      redis = await OwnRedis.start(dir, options.appendfsync);
      postgres = await OwnPostgres.create(dir);
      const database = await postgres.database("herald");
      const stack = await TestStack.create(
        // Migrated above: services need not race each other to do it.
        { MIGRATE_ON_START: "false", ...options.env },
        { database, redisUrl: redis.url },
      );
      // TestStack's own client would log every failed reconnect while Redis is down.
      stack.redis.on("error", () => undefined);
      return new ChaosStack(stack, redis, postgres, redis.client(), dir);
    } catch (error) {
      await redis?.kill();
      await postgres?.stop("immediate").catch(() => undefined);
      removeScratchDir(dir);
      throw error;
    }
  }

  async stop(): Promise<void> {
    try {
      // The TestStack's cleanup deletes its Redis keys: pointless here, and impossible if a scenario left Redis down.
      await Promise.all([...this.stack.services.values()].map((s) => s.kill()));
      this.probe.disconnect();
      this.stack.redis.disconnect();
      await this.stack.db.drop();
    } finally {
      await this.redis.kill();
      await this.postgres.stop("immediate").catch(() => undefined);
      removeScratchDir(this.dir);
    }
  }
}
