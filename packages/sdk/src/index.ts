export {
  HeraldPublisher,
  type HeraldEventInput,
  type HeraldPublisherOptions,
  type PublishBatchResult,
  type PublishOptions,
  type PublishResult,
  type RetryNotice,
} from "./publisher";
/**
 * The publisher's name before 0.2, kept so existing producers still compile.
 * @deprecated Use HeraldPublisher (the browser's `HeraldClient` is @herald/client's).
 */
export { HeraldPublisher as HeraldClient, type HeraldPublisherOptions as HeraldClientOptions } from "./publisher";
export { HeraldPublishError } from "./publish-error";
export { backoffDelay, type BackoffOptions } from "@herald/contract";
export { subscribe, type CloseOptions, type DeliveryInfo, type SubscribeOptions, type Subscription } from "./subscriber";
