/**
 * The router's name in the stream's consumer group when ROUTER_CONSUMER_NAME
 * is not set. Entries a router has read but not yet acknowledged stay
 * pending under its name: a router that comes back under the same name
 * finishes them at once (it re-reads its own pending entries before new
 * ones), where a new name leaves them waiting ROUTER_CLAIM_IDLE_MS for
 * XAUTOCLAIM. So the name is stable across restarts: the host name (the pod
 * name in Kubernetes, the container id with docker compose, both kept by a
 * container restart) and the health port, which two routers on one host
 * cannot share. Two running routers must never have the same name: both
 * would take the same pending entries.
 */
export function defaultConsumerName(hostname: string, port: number): string {
  return `${hostname}:${port}`;
}
