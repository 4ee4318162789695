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
export { ConfigError, DEV_JWT_SECRET, loadConfig, type AuthConfig, type HeraldConfig } from "./config";
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
export { ROUTER_CONSUMER_GROUP, redisNames, userRoom, type RedisNames } from "./names";
export { SOCKET_EVENTS, type NotificationMessage } from "./notification";
