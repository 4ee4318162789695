export { NotificationPusher, type PendingPush } from "./notification-pusher";
export { DeliveryEnqueuer, openDeliveryQueues, type DeliveryQueues } from "./delivery-enqueuer";
export { Dispatcher, toPendingNotification, type PendingNotification, type PendingNotificationRow } from "./dispatcher";
