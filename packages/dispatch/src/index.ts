export { NotificationPusher, type PendingPush } from "./notification-pusher";
export { DeliveryEnqueuer, deliveryQueue, openDeliveryQueues, type DeliveryQueues } from "./delivery-enqueuer";
export { Dispatcher } from "./dispatcher";
export { deliveryJobId, type DeliveryJob } from "./delivery-jobs";
export {
  SCHEDULER_JOBS,
  SchedulerJobs,
  schedulerJobId,
  type ReleaseDndJob,
  type SchedulerRequest,
  type SendDigestJob,
} from "./scheduler-jobs";
export { RETRY_POLICY_ENV, retryPolicies, type RetryPolicies, type RetryPolicy } from "./retry-policy";
export { THROTTLE_ENV } from "./throttle-window";
