export {
  grantAllows,
  isPublishTypePattern,
  PUBLISH_SCOPE,
  publishGrant,
  publishScope,
  SUBSCRIBE_SCOPE,
  type Principal,
  type PublishGrant,
  type ServicePrincipal,
  type UserPrincipal,
} from "./claims";
export { TokenError, verifyToken } from "./verify-token";
export { VerifiedTokens, type VerifiedTokensOptions } from "./verified-tokens";
export { signToken, type TokenRequest } from "./sign-token";
export { authenticate, bearerToken, publisherOf, requireUser, subscriberOf, userOf } from "./bearer";
export { AUTH_ENV, DEV_JWT_SECRET, authConfig, authConfigOnFirstUse, loadAuthConfig, type AuthConfig } from "./auth-config";
