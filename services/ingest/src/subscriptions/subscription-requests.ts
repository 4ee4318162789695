import { z } from "zod";
import { ApiError, SUBSCRIPTION_ID_PATTERN } from "@herald/contract";
import { isPermittedLiteralHost } from "@herald/runtime";

export const MAX_SUBSCRIPTIONS_PAGE = 200;

/** `GET /api/v1/subscriptions` (and the admin list): every parameter is checked, unknown ones too. */
export const subscriptionListQuerySchema = z
  .object({
    cursor: z.string().regex(SUBSCRIPTION_ID_PATTERN, "must be a cursor returned by a previous page").optional(),
    limit: z.coerce.number().int().min(1).max(MAX_SUBSCRIPTIONS_PAGE).default(100),
  })
  .strict();

/** The `:id` of a subscription route. */
export function parseSubscriptionId(raw: string): string {
  if (!SUBSCRIPTION_ID_PATTERN.test(raw)) {
    throw new ApiError(400, "invalid_id", "id: a subscription id is sub_ and letters or digits", [
      { path: "id", message: "must be a subscription id (sub_…)" },
    ]);
  }
  return raw;
}

export const notFound = (id: string) => new ApiError(404, "not_found", `no subscription ${id}`);

/**
 * The rule user webhooks follow (the gateway's settings): an IP literal of a
 * private, loopback or link-local address is refused unless allowed, here
 * as a field-level 400 of `url`. Host names are checked when the
 * delivery-worker connects (DNS rebinding cannot slip past that).
 */
export function refusePrivateUrl(url: string | undefined, allowedHosts: readonly string[]): void {
  if (url !== undefined && !isPermittedLiteralHost(url, allowedHosts)) {
    throw new ApiError(400, "invalid_body", "invalid field(s): url", [
      { path: "url", message: "must not point to a private, loopback or link-local address" },
    ]);
  }
}
