export { createHeraldClient, type ConnectionStatus, type HeraldClient, type HeraldClientOptions } from "./herald-client";
export { EVENTS } from "./protocol";
// The protocol's types under the names this library has always used for them.
export type {
  CaughtUpMessage as CaughtUp,
  NotificationCategory as Category,
  GatewayErrorCode as ErrorCode,
  GatewayErrorMessage as GatewayError,
  ListPage,
  ListQuery,
  NotificationAction,
  NotificationMessage as Notification,
  NotificationItem,
  ReauthResult,
  ToastConfig,
} from "@herald/contract";
export { nextStep, tokenExpiry, unverifiedClaims, type NextStep } from "./reconnect-policy";
export { backoffDelay } from "@herald/contract";
export { HeraldClientError, RestApi, type FetchLike } from "./rest";
export { SeenIds } from "./seen-ids";
export { seenWindow } from "./seen-window";
