/**
 * The contract's zod schemas, a subpath of its own (`@herald/contract/schemas`)
 * so that a browser bundle that imports the contract's names and types does
 * not pull zod in.
 */
export {
  parseStreamEvent,
  publishEventSchema,
  validateEvent,
  type EventValidationContext,
  type EventValidationResult,
  type PublishEventInput,
} from "./event-schema";
export { checkStorableJson, type StorableJsonLimits } from "./storable-json";
export { isoDateTime, plainText } from "./text-fields";
export {
  emailAddressSchema,
  preferenceUpdateSchema,
  settingsUpdateSchema,
  tenantPreferenceUpdateSchema,
  tenantSettingsUpdateSchema,
  webhookUrlSchema,
} from "./preferences-schema";
export {
  MAX_REPLAY_WINDOW_MS,
  subscriptionCreateSchema,
  subscriptionReplaySchema,
  subscriptionStatusSchema,
  subscriptionUpdateSchema,
  type SubscriptionCreate,
  type SubscriptionReplay,
  type SubscriptionUpdate,
} from "./subscription-schema";
export { ACTION_ID_PATTERN, linkProblem } from "./event-fields";
