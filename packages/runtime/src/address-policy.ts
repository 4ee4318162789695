import { BlockList, isIP } from "node:net";
import { commaList, optionalString } from "./config-fields";

/**
 * Addresses a webhook must not reach unless its host is allowlisted:
 * loopback, private, link-local, shared (CGNAT), unspecified, multicast and
 * reserved ranges, in IPv4 and IPv6 (IPv4-mapped IPv6 included). Keeps a
 * user's webhook URL from probing the network Herald runs in.
 */
const BLOCKED = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  BLOCKED.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
  ["64:ff9b::", 96],
] as const) {
  BLOCKED.addSubnet(network, prefix, "ipv6");
}

/** True when a webhook may connect to this IP address. Pure. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return isPublicAddress(mapped[1]!);
    return !BLOCKED.check(address, "ipv6");
  }
  return !BLOCKED.check(address, "ipv4");
}

/** Hosts in the allowlist skip the address check (case-insensitive, exact match). */
export function isAllowlistedHost(host: string, allowedHosts: readonly string[]): boolean {
  const normalized = host.toLowerCase().replace(/^\[|\]$/g, "");
  return allowedHosts.includes(normalized);
}

/**
 * For a webhook URL whose host is an IP literal, whether it may be used.
 * Host names are judged when they are resolved, at delivery time.
 */
export function isPermittedLiteralHost(url: string, allowedHosts: readonly string[]): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  if (isIP(host) === 0 || isAllowlistedHost(host, allowedHosts)) return true;
  return isPublicAddress(host);
}

/** Hosts webhooks may reach although they resolve to private, loopback or link-local addresses (checked on save and on delivery). */
export const ADDRESS_POLICY_ENV = { WEBHOOK_ALLOWED_HOSTS: optionalString };

/** WEBHOOK_ALLOWED_HOSTS as the address checks compare it: lower case, comma-separated. */
export function webhookAllowedHosts(env: { readonly WEBHOOK_ALLOWED_HOSTS?: string }): string[] {
  return commaList(env.WEBHOOK_ALLOWED_HOSTS?.toLowerCase()) ?? [];
}
