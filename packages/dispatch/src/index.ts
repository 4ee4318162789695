export { NotificationPusher, type PendingPush } from "./notification-pusher";
