/** Data of a delivery queue job: the row says everything else. */
export interface DeliveryJob {
  readonly deliveryId: string;
  /** The retry round the job belongs to: a job from an earlier round (e.g. retried from the dashboard) sends nothing. */
  readonly round?: number;
}

/**
 * One job per delivery and operator retry round: enqueueing the same delivery
 * twice in a round is a no-op, and a retried dead letter gets a fresh job.
 */
export function deliveryJobId(deliveryId: string, round: number): string {
  return `delivery|${deliveryId}|${round}`;
}
