import { BlockList, isIP } from "node:net";
import { ConfigError } from "./config-error";
import { commaList, optionalString } from "./config-fields";

/**
 * Addresses a webhook must not reach unless its host is allowlisted:
 * loopback, private, link-local, shared (CGNAT), unspecified, multicast and
 * reserved ranges, in IPv4 and IPv6 (IPv6 addresses that carry an IPv4
 * address are judged by it too). Keeps a user's webhook URL from probing the
 * network Herald runs in.
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
  ["100::", 64],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
  ["64:ff9b::", 96],
  ["64:ff9b:1::", 48],
] as const) {
  BLOCKED.addSubnet(network, prefix, "ipv6");
}

/** An IPv6 address (as isIP accepts it) as its eight 16-bit groups. */
function ipv6Groups(address: string): number[] {
  // A zone (fe80::1%eth0) says which interface, not which address; a dotted tail is the last two groups.
  const hex = address.replace(/%.*$/, "").replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a: string, b: string, c: string, d: string) => {
    const group = (high: string, low: string) => ((Number(high) << 8) | Number(low)).toString(16);
    return `${group(a, b)}:${group(c, d)}`;
  });
  const [head = "", tail] = hex.split("::");
  const groups = (part: string) => (part === "" ? [] : part.split(":").map((g) => parseInt(g, 16)));
  const front = groups(head);
  const back = tail === undefined ? [] : groups(tail);
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}

function ipv4Of(high: number, low: number): string {
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

/**
 * The IPv4 address an IPv6 address stands for, where it carries one that a
 * packet can reach: IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible
 * (::a.b.c.d, deprecated but still routed by some stacks), 6to4
 * (2002:AABB:CCDD::/48) and Teredo (2001:0::/32, the client's address
 * inverted in the last 32 bits).
 */
function embeddedIpv4(groups: readonly number[]): string | undefined {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [number, number, number, number, number, number, number, number];
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && (g5 === 0xffff || g5 === 0)) return ipv4Of(g6, g7);
  if (g0 === 0x2002) return ipv4Of(g1, g2);
  if (g0 === 0x2001 && g1 === 0) return ipv4Of(g6 ^ 0xffff, g7 ^ 0xffff);
  return undefined;
}

/** True when a webhook may connect to this IP address. Pure. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address.replace(/%.*$/, ""));
  if (family === 0) return false;
  if (family === 4) return !BLOCKED.check(address, "ipv4");
  const groups = ipv6Groups(address);
  const ipv4 = embeddedIpv4(groups);
  if (ipv4 !== undefined && !isPublicAddress(ipv4)) return false;
  return !BLOCKED.check(address.replace(/%.*$/, ""), "ipv6");
}

/** One WEBHOOK_ALLOWED_HOSTS entry: `host` (every port), `host:port`, `[v6]:port`, or a bare IPv6 address. */
interface AllowedHost {
  readonly host: string;
  readonly port?: number;
}

function parseAllowedHost(entry: string): AllowedHost | undefined {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(entry);
  const hostPort = bracketed ?? /^([^:[\]]+):(\d{1,5})$/.exec(entry);
  const [host, port] = hostPort ? [hostPort[1]!, hostPort[2]] : [entry, undefined];
  if (/[[\]/\s@]/.test(host) || (!bracketed && !hostPort && host.includes(":") && isIP(host) !== 6)) return undefined;
  if (port === undefined) return { host };
  const number = Number(port);
  return number >= 1 && number <= 65535 ? { host, port: number } : undefined;
}

/**
 * Whether an allowlist entry lets a webhook reach this host on this port
 * (case-insensitive, exact host; an entry without a port allows them all,
 * and only those match when the port is not known).
 */
export function isAllowlistedHost(host: string, allowedHosts: readonly string[], port?: number): boolean {
  const normalized = host.toLowerCase().replace(/^\[|\]$/g, "");
  return allowedHosts.some((entry) => {
    const allowed = parseAllowedHost(entry);
    return allowed !== undefined && allowed.host === normalized && (allowed.port === undefined || allowed.port === port);
  });
}

/** The port a URL connects to: its own, else its scheme's. */
export function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
}

/**
 * For a webhook URL whose host is an IP literal, whether it may be used.
 * Host names are judged when they are resolved, at delivery time.
 */
export function isPermittedLiteralHost(url: string, allowedHosts: readonly string[]): boolean {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host) === 0 || isAllowlistedHost(host, allowedHosts, portOf(parsed))) return true;
  return isPublicAddress(host);
}

/**
 * Hosts webhooks may reach although they resolve to private, loopback or
 * link-local addresses (checked on save and on delivery): `host` for every
 * port, `host:port` (or `[v6]:port`) for one.
 */
export const ADDRESS_POLICY_ENV = { WEBHOOK_ALLOWED_HOSTS: optionalString };

/** WEBHOOK_ALLOWED_HOSTS as the address checks compare it: lower case, comma-separated; a malformed entry stops the service. */
export function webhookAllowedHosts(env: { readonly WEBHOOK_ALLOWED_HOSTS?: string }): string[] {
  const entries = commaList(env.WEBHOOK_ALLOWED_HOSTS?.toLowerCase()) ?? [];
  const malformed = entries.filter((entry) => parseAllowedHost(entry) === undefined);
  if (malformed.length > 0) {
    throw new ConfigError(`WEBHOOK_ALLOWED_HOSTS: not a host or host:port (port 1-65535): ${malformed.join(", ")}`);
  }
  return entries;
}
