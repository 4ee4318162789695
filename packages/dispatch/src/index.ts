export { NotificationPusher, type PendingPush } from "./notification-pusher";
export { DeliveryEnqueuer, openDeliveryQueues, type DeliveryQueues } from "./delivery-enqueuer";
export { Dispatcher, toPendingNotification, type PendingNotification, type PendingNotificationRow } from "./dispatcher";
export { deliveryJobId, type DeliveryJob } from "./delivery-jobs";
export { SCHEDULER_JOBS, schedulerJobId, type ReleaseDndJob, type SendDigestJob } from "./scheduler-jobs";
export { RETRY_POLICY_ENV, retryPolicies, type RetryPolicies, type RetryPolicy } from "./retry-policy";
