import { readFileSync } from "node:fs";
import net from "node:net";
import bands from "../../scripts/lib/port-bands.json";

/**
 * Ports for what tests listen on, and listen on again after a restart (a
 * service, a redis-server, a proxy that closes for an outage and reopens):
 * a band below the kernel's ephemeral range. A port from that range (what
 * listen(0) gives) is free only until the next outgoing connection takes it
 * as its local port: between the choice and the service's bind, or while a
 * killed service or a closed proxy is down, any process's connect() could,
 * and the (re)start failed with EADDRINUSE; cluster clients, which connect
 * to every node and reconnect during outages, made that frequent. Nothing
 * takes a port below the range unless it asks for that port.
 *
 * Each jest worker hands out a block of its own, in turn from a random
 * point: two workers never choose the same port, and a worker comes back to
 * a port only after going round its block (a service just stopped may still
 * hold it). Every candidate is tried first; one in use is skipped.
 */
const BAND = bands.tests;
const BLOCKS = Math.floor((BAND.last - BAND.first + 1) / BAND.perWorker);

function checkBelowEphemeralRange(): void {
  let low: number;
  try {
    low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
  } catch {
    return; // not Linux: no such file, nothing known to check against
  }
  if (BAND.last >= low) {
    throw new Error(
      `test ports ${BAND.first}-${BAND.last} (scripts/lib/port-bands.json) reach into the kernel's ephemeral range (from ${low}): ` +
        "move the band below it, or outgoing connections will take the tests' ports",
    );
  }
}
checkBelowEphemeralRange();

const worker = Number(process.env.JEST_WORKER_ID ?? 1);
const blockStart = BAND.first + ((worker - 1) % BLOCKS) * BAND.perWorker;
let next = Math.floor(Math.random() * BAND.perWorker);

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A port of this worker's block that nothing listens on now. */
export async function freePort(): Promise<number> {
  for (let tried = 0; tried < BAND.perWorker; tried++) {
    const port = blockStart + (next++ % BAND.perWorker);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port in ${blockStart}-${blockStart + BAND.perWorker - 1} (jest worker ${worker})`);
}
