import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { Cluster, Redis } from "ioredis";
import {
  DEFAULT_NAMESPACE,
  DEFAULT_TENANT,
  EVENT_STREAM_FIELD,
  eventStreamKey,
  isEventTypePattern,
  matchesAnyEventTypePattern,
  type HeraldEvent,
} from "@herald/contract";
import { parseStreamEvent } from "@herald/contract/schemas";

/** What a handler is told besides the event. */
export interface DeliveryInfo {
  /** The stream entry's id: increasing in publish order. */
  readonly streamId: string;
  /** 1 the first time this subscriber group is given the entry; more after a throw or a crashed sibling. */
  readonly attempt: number;
}

export interface SubscribeOptions {
  /**
   * The subscriber's name: its consumer group on the event stream. Processes
   * with one name share the events (each event goes to one of them); every
   * name gets every event.
   */
  readonly name: string;
  /** Patterns of the types to handle: `job.failed`, `job.*`, `*`. Other events are acknowledged unseen. */
  readonly eventTypes: readonly string[];
  /** Resolves when the event is handled: only then is it acknowledged. A throw hands it back, for another attempt. */
  readonly handler: (event: HeraldEvent, info: DeliveryInfo) => unknown;
  readonly redisUrl: string;
  /**
   * The installation's REDIS_CLUSTER_NODES, as `host:port` seeds: connect as a
   * Redis Cluster client (redisUrl then gives only the credentials).
   */
  readonly redisClusterNodes?: readonly { readonly host: string; readonly port: number }[];
  /**
   * HERALD_NAMESPACE of the installation.
   * @defaultValue `herald`
   */
  readonly namespace?: string;
  /** Only this tenant's events; every tenant's without it (a subscriber with Redis access is a platform component). */
  readonly tenantId?: string;
  /**
   * How long an entry handed to this group stays unacknowledged before a
   * sibling (or this process, after a throw) takes it over.
   * @defaultValue 30000
   */
  readonly claimIdleMs?: number;
  /**
   * Attempts at one event, after which it is acknowledged anyway and
   * reported to `onGiveUp`: one event that always throws must not hold the
   * subscriber for ever.
   * @defaultValue 10
   */
  readonly maxAttempts?: number;
  /**
   * Where a new group starts: `now` hands it what is published from now on,
   * `oldest` also what the stream still holds. A group that exists keeps its place.
   * @defaultValue `now`
   */
  readonly from?: "now" | "oldest";
  /**
   * This process's name in the group. Keep it across restarts so a restarted
   * process finishes at once what it left unacknowledged; never give two
   * running processes the same one.
   * @defaultValue `<hostname>:<pid>:<random>`
   */
  readonly consumer?: string;
  /** @defaultValue 50 */
  readonly batchSize?: number;
  /** Longest wait for new entries per read; also the longest `close()` waits for one. @defaultValue 1000 */
  readonly blockMs?: number;
  /** Called when a handler throws (the event will be retried). */
  readonly onError?: (error: unknown, event: HeraldEvent, info: DeliveryInfo) => void;
  /** Called when an event is acknowledged without being handled, after `maxAttempts`. */
  readonly onGiveUp?: (event: HeraldEvent | undefined, info: DeliveryInfo) => void;
}

export interface CloseOptions {
  /**
   * Also delete the subscriber's group: it is gone for good. Without this the
   * group stays, so a restarted subscriber goes on where it left off, and the
   * stream keeps what the group has not read yet (up to EVENT_RETENTION_MS).
   * @defaultValue false
   */
  readonly deleteGroup?: boolean;
}

export interface Subscription {
  /** Finishes the handler that is running, stops reading and disconnects. What it held unacknowledged goes to a sibling. */
  close(options?: CloseOptions): Promise<void>;
}

type RawEntry = [id: string, fields: string[] | null];

function eventOf(fields: string[] | null): HeraldEvent | undefined {
  if (!fields) return undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === EVENT_STREAM_FIELD) return parseStreamEvent(fields[i + 1]!);
  return undefined;
}

const isGroupMissing = (error: unknown) => /^NOGROUP\b|no such key/i.test(String((error as Error)?.message ?? error));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reads the event stream as its own consumer group: at least once, in
 * stream order per process, acknowledged after the handler resolves; a
 * crashed sibling's entries are taken over once idle for `claimIdleMs`.
 * The router trims the stream only below what every group has acknowledged
 * (and never keeps past EVENT_RETENTION_MS): a subscriber down longer than
 * retention misses what retention dropped.
 */
export async function subscribe(options: SubscribeOptions): Promise<Subscription> {
  const bad = options.eventTypes.filter((p) => !isEventTypePattern(p));
  if (options.eventTypes.length === 0 || bad.length > 0) {
    throw new TypeError(`eventTypes must be event type patterns (job.failed, job.*, *): ${JSON.stringify(bad)}`);
  }
  if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(options.name) || options.name === "router") {
    throw new TypeError(`name must be 1-100 of A-Z a-z 0-9 _ . : - and not "router": ${JSON.stringify(options.name)}`);
  }
  const subscriber = new StreamSubscriber(options);
  await subscriber.start();
  return subscriber;
}

class StreamSubscriber implements Subscription {
  private readonly redis: Redis | Cluster;
  private readonly stream: string;
  private readonly consumer: string;
  private readonly claimIdleMs: number;
  private readonly maxAttempts: number;
  private readonly batchSize: number;
  private readonly blockMs: number;
  private stopping = false;
  private loop?: Promise<void>;
  private lastClaimAt = 0;

  constructor(private readonly options: SubscribeOptions) {
    this.redis = connect(options);
    // Connection errors are retried by ioredis; the loop below waits them out.
    this.redis.on("error", () => undefined);
    this.stream = eventStreamKey(options.namespace ?? DEFAULT_NAMESPACE);
    this.consumer = options.consumer ?? `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
    this.claimIdleMs = options.claimIdleMs ?? 30_000;
    this.maxAttempts = options.maxAttempts ?? 10;
    this.batchSize = options.batchSize ?? 50;
    this.blockMs = options.blockMs ?? 1_000;
  }

  async start(): Promise<void> {
    await this.redis.connect();
    await this.ensureGroup();
    this.loop = this.run();
  }

  async close(options: CloseOptions = {}): Promise<void> {
    this.stopping = true;
    await this.loop;
    if (options.deleteGroup) await this.redis.xgroup("DESTROY", this.stream, this.options.name);
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private async ensureGroup(): Promise<void> {
    try {
      await this.redis.xgroup("CREATE", this.stream, this.options.name, this.options.from === "oldest" ? "0" : "$", "MKSTREAM");
    } catch (error) {
      if (!/BUSYGROUP/.test(String((error as Error).message))) throw error;
    }
  }

  private async run(): Promise<void> {
    // First what this consumer name was given before a restart and never acknowledged, read onwards
    // from `cursor` (an entry whose handler throws again stays pending and is not read twice here).
    let backlog = true;
    let cursor = "0";
    while (!this.stopping) {
      try {
        if (Date.now() - this.lastClaimAt >= Math.max(this.claimIdleMs / 2, 100)) await this.reclaim();
        const block = backlog ? [] : ["BLOCK", Math.min(this.blockMs, this.claimIdleMs)];
        const args = ["GROUP", this.options.name, this.consumer, "COUNT", this.batchSize, ...block, "STREAMS", this.stream];
        const reply = (await this.redis.call("XREADGROUP", ...args, backlog ? cursor : ">")) as [string, RawEntry[]][] | null;
        const entries = reply?.[0]?.[1] ?? [];
        if (backlog && entries.length === 0) backlog = false;
        if (backlog) cursor = entries.at(-1)![0];
        await this.handleAll(entries, backlog ? undefined : 1);
      } catch (error) {
        if (isGroupMissing(error)) {
          // Redis lost the stream or the group (a restart without its data): start over from what it holds now.
          await this.ensureGroup().catch(() => undefined);
        } else if (!this.stopping) {
          await sleep(200);
        }
      }
    }
  }

  /** Takes over entries idle for claimIdleMs (a dead sibling's, or ones whose handler threw), with their attempt counts. */
  private async reclaim(): Promise<void> {
    this.lastClaimAt = Date.now();
    const { name } = this.options;
    const pending = (await this.redis.xpending(this.stream, name, "IDLE", this.claimIdleMs, "-", "+", this.batchSize)) as [
      string,
      string,
      number,
      number,
    ][];
    if (pending.length === 0) return;
    const claimed = (await this.redis.xclaim(
      this.stream,
      name,
      this.consumer,
      this.claimIdleMs,
      ...pending.map((p) => p[0]),
    )) as RawEntry[];
    const attempts = new Map(pending.map(([id, , , deliveries]) => [id, deliveries + 1]));
    await this.handleAll(claimed, undefined, attempts);
  }

  private async handleAll(entries: readonly RawEntry[], firstAttempt: number | undefined, attempts?: Map<string, number>): Promise<void> {
    const unseen: string[] = [];
    for (const [streamId, fields] of entries) {
      if (this.stopping) break;
      // A deleted entry (trimmed while pending) comes back without fields: nothing to hand over.
      const event = eventOf(fields);
      const info = { streamId, attempt: attempts?.get(streamId) ?? firstAttempt ?? 1 };
      if (!event || !this.wants(event)) {
        unseen.push(streamId);
        continue;
      }
      if (info.attempt > this.maxAttempts) {
        this.options.onGiveUp?.(event, info);
        unseen.push(streamId);
        continue;
      }
      try {
        await this.options.handler(event, info);
        await this.redis.xack(this.stream, this.options.name, streamId);
      } catch (error) {
        // Left unacknowledged: reclaimed after claimIdleMs, by this process or a sibling.
        this.options.onError?.(error, event, info);
      }
    }
    if (unseen.length > 0) await this.redis.xack(this.stream, this.options.name, ...unseen);
  }

  private wants(event: HeraldEvent): boolean {
    if (this.options.tenantId !== undefined && (event.tenantId ?? DEFAULT_TENANT) !== this.options.tenantId) return false;
    return matchesAnyEventTypePattern(this.options.eventTypes, event.type);
  }
}

/** One node, or a cluster: the stream is one key, so every command here goes to one slot either way. */
function connect(options: SubscribeOptions): Redis | Cluster {
  if (!options.redisClusterNodes?.length) return new Redis(options.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  const url = new URL(options.redisUrl);
  return new Cluster(
    options.redisClusterNodes.map((n) => ({ host: n.host, port: n.port })),
    {
      lazyConnect: true,
      redisOptions: {
        maxRetriesPerRequest: null,
        username: url.username ? decodeURIComponent(url.username) : undefined,
        password: url.password ? decodeURIComponent(url.password) : undefined,
        tls: url.protocol === "rediss:" ? {} : undefined,
      },
    },
  );
}
