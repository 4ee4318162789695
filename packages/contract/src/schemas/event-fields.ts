/**
 * The limits of a published event's fields, shared by the zod schema
 * (publishEventSchema, the rules) and its fast path (event-fast-path.ts,
 * which only ever accepts what the schema accepts).
 */
export const EVENT_ID_PATTERN = /^[A-Za-z0-9._:@\/-]+$/;
export const MAX_EVENT_ID_LENGTH = 128;
export const MAX_USER_ID_LENGTH = 128;
export const MAX_USER_ID_LIST = 1000;
export const MAX_PROJECT_ID_LENGTH = 128;
export const MAX_SOURCE_TYPE_LENGTH = 64;
export const MAX_SOURCE_ID_LENGTH = 128;
/** The payload's fields that name recipients, as the schema declares them (in this order). */
export const PAYLOAD_USER_ID_FIELDS = ["ownerUserId", "contentOwnerUserId"] as const;
export const PAYLOAD_USER_ID_LIST_FIELDS = ["reviewerUserIds", "mentionedUserIds", "notifyUserIds"] as const;
