import dns, { type LookupAddress, type LookupOptions } from "node:dns";
import { isAllowlistedHost, isPublicAddress } from "@herald/runtime";

export class DestinationRefusedError extends Error {
  override readonly name = "DestinationRefusedError";
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for HTTP agents that refuses non-public addresses at connect
 * time, after DNS resolution: checking the URL up front alone would let a
 * DNS answer that changes between the check and the request (rebinding)
 * through.
 */
export function guardedLookup(allowedHosts: readonly string[]) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const list = addresses as LookupAddress[];
      if (!isAllowlistedHost(hostname, allowedHosts)) {
        const refused = list.find((a) => !isPublicAddress(a.address));
        if (refused) {
          return callback(
            Object.assign(new DestinationRefusedError(`refused: ${hostname} resolves to non-public address ${refused.address}`), {
              code: "EDESTREFUSED",
            }),
            [],
          );
        }
      }
      if (options.all) return callback(null, list);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }), []);
      callback(null, first.address, first.family);
    });
  };
}
