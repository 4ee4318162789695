import { z } from "zod";
import { ApiError, DELIVERY_STATUSES, EXTERNAL_CHANNELS } from "@herald/contract";
import { plainText } from "@herald/contract/schemas";

/** Row ids are Postgres BIGSERIALs: positive, and at most 18 digits always fit. */
const ROW_ID = /^[1-9]\d{0,17}$/;

export const MAX_DELIVERIES_PAGE = 200;

/** GET /api/v1/admin/deliveries: every parameter is checked, unknown ones too. */
export const deliveryListQuerySchema = z
  .object({
    status: z.enum(DELIVERY_STATUSES).optional(),
    channel: z.enum(EXTERNAL_CHANNELS).optional(),
    userId: plainText(256).optional(),
    cursor: z.string().regex(ROW_ID, "must be a cursor returned by a previous page").optional(),
    limit: z.coerce.number().int().min(1).max(MAX_DELIVERIES_PAGE).default(50),
  })
  .strict();

export type DeliveryListQuery = z.infer<typeof deliveryListQuerySchema>;

/** The `:id` of a delivery route. */
export function parseDeliveryId(raw: string): bigint {
  if (!ROW_ID.test(raw)) {
    throw new ApiError(400, "invalid_id", "id: a delivery id is a positive integer", [
      { path: "id", message: "must be a positive integer" },
    ]);
  }
  return BigInt(raw);
}

const USER_ID = plainText(256);

/**
 * The `:id` of a user route: the `sub` their tokens will carry. Any text a
 * token could hold, short of control characters, which no identity provider
 * issues and which would only garble logs, and lone surrogates, which
 * PostgreSQL cannot store.
 */
export function parseUserId(raw: string): string {
  if (!USER_ID.safeParse(raw).success) {
    throw new ApiError(400, "invalid_id", "id: a user id is 1 to 256 characters of valid Unicode without control characters", [
      { path: "id", message: "must be 1 to 256 characters of valid Unicode without control characters" },
    ]);
  }
  return raw;
}

export const USER_ROLES = ["admin", "user"] as const;

/** PUT /api/v1/admin/users/:id. Absent fields keep their stored value (or the default, for a new user). */
export const userProvisionSchema = z
  .object({
    /** null clears a stored address. */
    email: z.email({ message: "must be an email address" }).max(254).nullable().optional(),
    role: z.enum(USER_ROLES).optional(),
    projects: z
      .array(plainText(256))
      .max(1000)
      .transform((projects) => [...new Set(projects)])
      .optional(),
  })
  .strict();

export type UserProvision = z.infer<typeof userProvisionSchema>;

const EVENT_ID = /^[A-Za-z0-9._:@\/-]{1,128}$/;

/** The `:eventId` of an event route: what ingest accepts as an event id. */
export function parseEventId(raw: string): string {
  if (!EVENT_ID.test(raw)) {
    throw new ApiError(400, "invalid_id", "eventId: an event id is 1 to 128 letters, digits and . _ : @ / -", [
      { path: "eventId", message: "must be an event id" },
    ]);
  }
  return raw;
}
