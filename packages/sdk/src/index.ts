export {
  HeraldClient,
  type HeraldClientOptions,
  type HeraldEventInput,
  type PublishBatchResult,
  type PublishOptions,
  type PublishResult,
  type RetryNotice,
} from "./client";
export { HeraldPublishError } from "./publish-error";
export { backoffDelay, type BackoffOptions } from "./backoff";
