export {
  EVENT_CATEGORIES,
  EVENT_TYPES,
  EVENT_TYPE_NAMES,
  eventTypesInCategory,
  getEventType,
  isEventTypeName,
  type EventCategory,
  type EventTypeDefinition,
  type EventTypeName,
} from "./catalog";
export {
  ConfigError,
  DEV_JWT_SECRET,
  GATEWAY_TRANSPORTS,
  loadConfig,
  type AlertThresholds,
  type AuthConfig,
  type DeliveryConfig,
  type RetryPolicy,
  type GatewayConfig,
  type GatewayTransport,
  type ToastConfig,
  type HardwareMonitorConfig,
  type HeraldConfig,
} from "./config";
export {
  MAX_BATCH_EVENTS,
  parseStreamEvent,
  validateEvent,
  type EventValidationResult,
  type HeraldEvent,
  type PublishEventInput,
  type ValidationIssue,
} from "./event-schema";
export { ApiError, type ApiErrorBody } from "./api-error";
export { QUEUES, ROUTER_CONSUMER_GROUP, redisNames, userRoom, type RedisNames } from "./names";
export { NOTIFICATION_STATUSES, SOCKET_EVENTS, VISIBLE_STATUSES, type NotificationMessage, type NotificationStatus } from "./notification";
export {
  CHANNELS,
  DEFAULT_DIGEST_TYPES,
  DEFAULT_SETTINGS,
  DIGEST_INTERVALS,
  SCOPES,
  defaultPreference,
  isDndActive,
  preferenceUpdateSchema,
  settingsUpdateSchema,
  type Channel,
  type DigestInterval,
  type NotificationSettings,
  type Preference,
  type PreferenceUpdate,
  type Scope,
  type SettingsUpdate,
} from "./preferences";
export { DIGEST_ITEM_LIMIT, buildDigest, digestBody, digestTitle, type DigestItem, type DigestPayload } from "./digest";
export { SCHEDULER_JOBS, schedulerJobId, type ReleaseDndJob, type SendDigestJob } from "./scheduler-jobs";
export {
  GATEWAY_EVENTS,
  type CaughtUpMessage,
  type GatewayErrorCode,
  type GatewayErrorMessage,
  type ReauthResult,
  type ToastConfigMessage,
} from "./realtime";
export { DELIVERY_STATUSES, EXTERNAL_CHANNELS, deliveryJobId, type DeliveryJob, type DeliveryStatus, type ExternalChannel } from "./delivery-jobs";
export { isAllowlistedHost, isPermittedLiteralHost, isPublicAddress } from "./address-policy";
