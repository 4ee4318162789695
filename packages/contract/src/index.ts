/**
 * Herald's public contract, importable from Node and the browser alike (no
 * `node:` imports, no side effects): the event catalog, event and
 * notification shapes, preferences and settings, digests, the API error body,
 * the Socket.IO protocol and the one backoff every retry loop uses. The zod
 * schemas live at `@herald/contract/schemas`.
 */
export {
  BUS_CATEGORIES,
  BUS_EVENT_TYPES,
  EVENT_CATEGORIES,
  EVENT_TYPES,
  STREAM_EVENT_TYPES,
  getEventType,
  isBusEventTypeName,
  isEventTypeName,
  isStreamEventTypeName,
  type BusCategory,
  type BusEventTypeDefinition,
  type StreamEventTypeDefinition,
  type BusEventTypeName,
  type StreamEventTypeName,
  type EventCategory,
  type EventTypeDefinition,
  type EventTypeName,
} from "./catalog";
export {
  DEFAULT_IDEMPOTENCY_TTL_SECONDS,
  DEFAULT_MAX_PAYLOAD_BYTES,
  MAX_BATCH_EVENTS,
  MAX_BATCH_RECIPIENTS,
  MAX_EVENT_RECIPIENTS,
  MAX_PAYLOAD_DEPTH,
  namedRecipients,
  type HeraldEvent,
  type HistoryEvent,
  type HistoryPage,
  type ValidationIssue,
} from "./event";
export type {
  ListPage,
  ListQuery,
  NotificationAction,
  NotificationCategory,
  NotificationExtras,
  NotificationItem,
  NotificationMessage,
} from "./notification";
export {
  CHANNELS,
  DEFAULT_DIGEST_TYPES,
  DEFAULT_SETTINGS,
  DIGEST_INTERVALS,
  MAX_NOTIFICATIONS_PER_USER_PER_HOUR,
  SCOPES,
  defaultPreference,
  disablesOrMutes,
  effectivePreference,
  isDndActive,
  tenantDefault,
  type Channel,
  type DigestInterval,
  type NotificationSettings,
  type Preference,
  type PreferenceEntry,
  type PreferenceUpdate,
  type Scope,
  type SettingsUpdate,
  type TenantPreference,
  type TenantPreferenceEntry,
  type TenantPreferenceUpdate,
  type TenantSettings,
  type UserSettings,
} from "./preferences";
export { DIGEST_ITEM_LIMIT, buildDigest, digestBody, digestTitle, type DigestItem, type DigestPayload } from "./digest";
export { DELIVERY_STATUSES, EXTERNAL_CHANNELS, type DeliveryStatus, type ExternalChannel } from "./delivery";
export { ApiError, fieldProblems, type ApiErrorBody } from "./api-error";
export {
  CATCH_UP_WINDOW,
  GATEWAY_EVENTS,
  SOCKET_EVENTS,
  type CaughtUpMessage,
  type ClientToServerEvents,
  type GatewayErrorCode,
  type GatewayErrorMessage,
  type ReauthResult,
  type ServerToClientEvents,
  type SocketAuth,
  type ToastConfig,
  type UnreadCountMessage,
} from "./socket-protocol";
export { backoffDelay, type BackoffOptions, type Jitter } from "./backoff";
export { DEFAULT_TENANT, PLATFORM_TENANT, eventTenant, isTenantId, splitTenantKey, tenantKey } from "./tenant";
export { DECISION_OUTCOMES, RELATIONS, type DecisionOutcome, type DecisionRecord, type NotARecipient, type Relation } from "./decision";
export { directRecipients, jobOwner, notARecipientReason, type Bystander } from "./direct-recipients";
export { isEventTypePattern, matchesAnyEventTypePattern, matchesEventTypePattern } from "./event-type-pattern";
export {
  MAX_SUBSCRIPTION_PATTERNS,
  SUBSCRIPTION_CHANNEL,
  SUBSCRIPTION_ID_PATTERN,
  SUBSCRIPTION_STATUSES,
  SUBSCRIPTION_TYPE_PREFIXES,
  subscriptionPatternProblem,
  typesMatching,
  type SubscriptionFilter,
  type SubscriptionOutcome,
  type SubscriptionStatus,
  type SubscriptionView,
} from "./subscription";
export { SubscriptionIndex, type MatchableEvent, type MatchableSubscription } from "./subscription-index";
export { DEFAULT_NAMESPACE, EVENT_STREAM_FIELD, eventStreamKey } from "./event-stream";
export {
  acknowledgementCovers,
  ACKNOWLEDGE_ACTION,
  ALERT_SEVERITIES,
  ALERT_TYPES,
  alertOf,
  type AlertFacts,
  type AlertSeverity,
} from "./alerts";
