import { readFileSync } from "node:fs";
import type { Redis } from "ioredis";
import type { TestDatabase } from "../../support/database";

/** Resident set size of a process, in MiB (from /proc: what the kernel holds for it, heap or not). */
export function rssMiB(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

export interface RedisFootprint {
  readonly usedMemoryMiB: number;
  readonly keys: number;
  readonly streamLength: number;
}

export async function redisFootprint(redis: Redis, stream: string): Promise<RedisFootprint> {
  const [memory, keys, streamLength] = await Promise.all([redis.info("memory"), redis.dbsize(), redis.xlen(stream)]);
  const used = Number(/used_memory:(\d+)/.exec(memory)?.[1] ?? Number.NaN);
  return { usedMemoryMiB: used / 1024 / 1024, keys, streamLength };
}

export interface TableFootprint {
  readonly table: string;
  readonly rows: number;
  readonly MiB: number;
}

const GROWING_TABLES = ["events", "notifications", "users", "deliveries", "delivery_attempts"] as const;

/** Row counts and on-disk size (indexes and TOAST included) of the tables that grow with traffic. */
export async function tableFootprints(db: TestDatabase): Promise<TableFootprint[]> {
  const footprints: TableFootprint[] = [];
  for (const table of GROWING_TABLES) {
    const [row] = await db.query<{ rows: number; bytes: string }>(
      `SELECT count(*)::int AS rows, pg_total_relation_size('${table}')::text AS bytes FROM ${table}`,
    );
    footprints.push({ table, rows: row!.rows, MiB: Number(row!.bytes) / 1024 / 1024 });
  }
  return footprints;
}
