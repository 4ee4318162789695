import type { ToastConfig } from "@herald/client";

/** The gateway's default (TOAST_EXPIRE_MS), used until its toast_config arrives. */
export const DEFAULT_TOAST_EXPIRE_MS = 5_000;

/** How long a toast of `category` stays up, in ms; 0 keeps it until dismissed. */
export function toastExpiryMs(config: ToastConfig | null, category: string): number {
  if (!config) return DEFAULT_TOAST_EXPIRE_MS;
  const perCategory = (config.categories as Readonly<Record<string, number | undefined>>)[category];
  if (typeof perCategory === "number" && Number.isFinite(perCategory) && perCategory >= 0) return perCategory;
  return config.defaultAutoExpireMs;
}
