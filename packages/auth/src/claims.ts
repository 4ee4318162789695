/** Who a verified bearer token speaks for. */
export interface UserPrincipal {
  readonly kind: "user";
  readonly userId: string;
  readonly role: "admin" | "user";
  readonly email?: string;
  /** Absent when the token carries no `projects` claim (the stored list then stands). */
  readonly projects?: readonly string[];
  /** Seconds since the epoch, when the token stops being valid. */
  readonly expiresAt?: number;
}

export interface ServicePrincipal {
  readonly kind: "service";
  readonly subject: string;
  readonly scopes: readonly string[];
  readonly expiresAt?: number;
}

export type Principal = UserPrincipal | ServicePrincipal;

export const PUBLISH_SCOPE = "events:publish";
