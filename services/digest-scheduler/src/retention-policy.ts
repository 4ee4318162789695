import type { RetentionConfig } from "./config";

/** Rows created before these instants are past retention. */
export interface RetentionCutoffs {
  readonly events: Date;
  readonly readNotifications: Date;
}

export function retentionCutoffs(now: Date, windows: Pick<RetentionConfig, "eventMs" | "readNotificationMs">): RetentionCutoffs {
  return {
    events: new Date(now.getTime() - windows.eventMs),
    readNotifications: new Date(now.getTime() - windows.readNotificationMs),
  };
}

/**
 * Whether to run another batch after one deleted `deleted` of at most
 * `batch` rows. A short batch found nothing more past its boundary, or only
 * rows another transaction holds (skipped, not waited for): those wait for
 * the next run rather than keep this one spinning on them.
 */
export function moreToDelete(deleted: number, batch: number): boolean {
  return deleted >= batch;
}
