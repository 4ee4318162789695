import { positiveInt } from "@herald/runtime";

/**
 * The per-user throttle's window, for the router (which holds back what is
 * over a tenant's limit within it) and the scheduler (which summarizes a
 * window once it is over): the contract's hour, shorter in tests.
 */
export const THROTTLE_ENV = {
  THROTTLE_WINDOW_MS: positiveInt(3_600_000),
};
