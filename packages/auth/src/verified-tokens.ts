import type { AuthConfig } from "./auth-config";
import type { Principal } from "./claims";
import { verifyToken } from "./verify-token";

export interface VerifiedTokensOptions {
  /** Most tokens held; the least recently used goes first (default 1,000). */
  readonly maxEntries?: number;
  /** Longer tokens are verified every time, so that the cache's memory stays bounded (default 4,096 characters). */
  readonly maxTokenLength?: number;
}

/** The clock as jsonwebtoken reads it. */
const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * verifyToken with the principals of tokens that verified remembered, by the
 * token's exact text, until the token's `exp`: a producer sends the same
 * token with every request, and checking its signature and claims each time
 * (HMAC, base64 and JSON, claim by claim) buys nothing after the first.
 *
 * What it answers is what verifyToken answers. Only a token that verified is
 * held, so a refusal is never remembered; a token whose `exp` has come is
 * dropped and verified again, which refuses it as expired, as jsonwebtoken
 * does from the second `exp` names (`now >= exp`). A token that verified once
 * stays valid until then: its signature and claims cannot change, and
 * `nbf` had already passed.
 */
export class VerifiedTokens {
  private readonly principals = new Map<string, Principal>();
  private readonly maxEntries: number;
  private readonly maxTokenLength: number;

  constructor(
    private readonly auth: AuthConfig,
    options: VerifiedTokensOptions = {},
  ) {
    this.maxEntries = options.maxEntries ?? 1_000;
    this.maxTokenLength = options.maxTokenLength ?? 4_096;
  }

  /** The token's principal; throws verifyToken's TokenError when it is missing, invalid or expired. */
  verify(token: string | undefined): Principal {
    if (token) {
      const known = this.principals.get(token);
      if (known !== undefined) {
        this.principals.delete(token);
        if (known.expiresAt === undefined || nowSeconds() < known.expiresAt) {
          this.principals.set(token, known); // now the most recently used
          return known;
        }
      }
    }
    const principal = verifyToken(token, this.auth);
    if (token && token.length <= this.maxTokenLength) {
      this.principals.set(token, principal);
      if (this.principals.size > this.maxEntries) this.principals.delete(this.principals.keys().next().value!);
    }
    return principal;
  }

  get size(): number {
    return this.principals.size;
  }
}
