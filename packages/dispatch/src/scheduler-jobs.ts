import type { Queue } from "bullmq";

/** Jobs on the scheduler queue (QUEUES.scheduler): what other services may ask the digest-scheduler to do. */
export const SCHEDULER_JOBS = {
  /** Periodic: find due digests and DND releases. */
  tick: "tick",
  /** Periodic: delete what is past retention (events, read notifications, beyond the per-user cap). */
  retention: "retention",
  /** Dispatch a user's held notifications, in order, if their DND is over. */
  releaseDnd: "release-dnd",
  /** Send a user's digest for a period if it is due (or at once with `flush`). */
  sendDigest: "send-digest",
} as const;

export interface ReleaseDndJob {
  readonly userId: string;
}

export interface SendDigestJob {
  readonly userId: string;
  /** End of the period (ISO): with the user id, it names the digest, so a retried job cannot send a second one. */
  readonly periodEnd: string;
  /** Send now whatever is waiting, due or not (digest mode was switched off). */
  readonly flush?: boolean;
}

/** BullMQ job ids may not contain ':'; user ids may. */
export function schedulerJobId(kind: string, ...parts: string[]): string {
  return [kind, ...parts.map(encodeURIComponent)].join("|");
}

/** Work for the digest-scheduler, per user. */
export type SchedulerRequest =
  { readonly kind: "release-dnd"; readonly userId: string } | ({ readonly kind: "send-digest" } & SendDigestJob);

/**
 * Retried on their own (a Postgres blip must not lose a release or a digest);
 * removed on completion, so the same user's next request can queue again.
 */
const PER_USER_JOB = { removeOnComplete: true, removeOnFail: 1000, attempts: 8, backoff: { type: "exponential", delay: 1000 } } as const;

/**
 * The one producer of per-user scheduler jobs, for the scheduler's own tick
 * and for the gateway (DND switched off, digest mode left). Job ids are
 * deterministic: one waiting release per user, one digest per user and
 * period, however many ticks, replicas or requests ask.
 */
export class SchedulerJobs {
  constructor(private readonly queue: Queue) {}

  /** Queues the requests in one round trip. */
  async add(requests: readonly SchedulerRequest[]): Promise<void> {
    if (requests.length === 0) return;
    await this.queue.addBulk(
      requests.map((request) => {
        if (request.kind === "release-dnd") {
          const data: ReleaseDndJob = { userId: request.userId };
          return { name: SCHEDULER_JOBS.releaseDnd, data, opts: { ...PER_USER_JOB, jobId: schedulerJobId("release", request.userId) } };
        }
        const { kind: _kind, ...data } = request;
        return {
          name: SCHEDULER_JOBS.sendDigest,
          data: data satisfies SendDigestJob,
          opts: { ...PER_USER_JOB, jobId: schedulerJobId("digest", data.userId, data.periodEnd) },
        };
      }),
    );
  }
}
