import { z } from "zod";

export interface RedisClusterNode {
  readonly host: string;
  readonly port: number;
}

const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$/;

/** Parses one `host:port` (IPv6 in brackets); undefined when it is not one. */
export function parseClusterNode(text: string): RedisClusterNode | undefined {
  const match = HOST_PORT.exec(text);
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: match[1]!.replace(/^\[(.*)\]$/, "$1"), port };
}

/** REDIS_CLUSTER_NODES: unset or blank is no cluster; otherwise every item must be host:port. */
export const clusterNodes = z
  .string()
  .optional()
  .transform((value, ctx): RedisClusterNode[] | undefined => {
    const items = value
      ?.split(",")
      .map((v) => v.trim())
      .filter(Boolean);
    if (!items || items.length === 0) return undefined;
    const nodes: RedisClusterNode[] = [];
    for (const item of items) {
      const node = parseClusterNode(item);
      if (!node) {
        ctx.addIssue({ code: "custom", message: `"${item}" is not host:port` });
        return z.NEVER;
      }
      nodes.push(node);
    }
    return nodes;
  });
