export { NotificationPusher, type PendingPush } from "./notification-pusher";
export { DeliveryEnqueuer, openDeliveryQueues, type DeliveryQueues } from "./delivery-enqueuer";
export { Dispatcher, type PendingNotification } from "./dispatcher";
