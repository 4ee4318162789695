import dns, { type LookupAddress, type LookupOptions } from "node:dns";
import type http from "node:http";
import net, { isIP } from "node:net";
import { isAllowlistedHost, isPublicAddress } from "@herald/runtime";

export class DestinationRefusedError extends Error {
  override readonly name = "DestinationRefusedError";
  readonly code = "EDESTREFUSED";
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for one connection that refuses non-public addresses at connect
 * time, after DNS resolution: checking the URL up front alone would let a
 * DNS answer that changes between the check and the request (rebinding)
 * through. `port` is the connection's, for `host:port` allowlist entries.
 */
export function guardedLookup(allowedHosts: readonly string[], port?: number) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const list = addresses as LookupAddress[];
      if (!isAllowlistedHost(hostname, allowedHosts, port)) {
        const refused = list.find((a) => !isPublicAddress(a.address));
        if (refused) {
          return callback(new DestinationRefusedError(`refused: ${hostname} resolves to non-public address ${refused.address}`), []);
        }
      }
      if (options.all) return callback(null, list);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }), []);
      callback(null, first.address, first.family);
    });
  };
}

/**
 * Makes every new connection of an HTTP(S) agent pass the address policy: a
 * host name through the guarded lookup, with the connection's port; an IP
 * literal, which Node connects to without any lookup, right here (a URL
 * saved before the policy tightened must not get through at delivery).
 */
export function guardAgent<A extends http.Agent>(agent: A, allowedHosts: readonly string[]): A {
  const createConnection = agent.createConnection.bind(agent);
  agent.createConnection = (options, callback) => {
    const host = String(options.host ?? options.hostname ?? "").replace(/^\[|\]$/g, "");
    const port = options.port === undefined || options.port === null ? undefined : Number(options.port);
    if (isIP(host) !== 0 && !isAllowlistedHost(host, allowedHosts, port) && !isPublicAddress(host)) {
      // A socket that fails as a refused lookup would: the request errors with the refusal as its cause.
      const socket = new net.Socket();
      process.nextTick(() => socket.destroy(new DestinationRefusedError(`refused: ${host} is a non-public address`)));
      return socket;
    }
    return createConnection({ ...options, lookup: guardedLookup(allowedHosts, port) }, callback);
  };
  return agent;
}
