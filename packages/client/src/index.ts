export { createHeraldClient, type ConnectionStatus, type HeraldClient, type HeraldClientOptions } from "./herald-client";
export {
  EVENTS,
  type CaughtUp,
  type Category,
  type ErrorCode,
  type GatewayError,
  type ListPage,
  type ListQuery,
  type Notification,
  type NotificationItem,
  type ReauthResult,
  type ToastConfig,
} from "./protocol";
export { backoffDelay, nextStep, tokenExpiry, type NextStep } from "./reconnect-policy";
export { HeraldClientError, RestApi, type FetchLike } from "./rest";
export { SeenIds } from "./seen-ids";
