// CPU time read from /proc, to say what bounds a throughput figure: a
// process's own CPU seconds (a router's busy share of the wall time), and
// the machine's idle share over an interval (near 0: every core was busy,
// whatever the processes measured). Linux only; elsewhere each reads as
// undefined and the bench prints "n/a".
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU seconds `pid` has used so far, or undefined if it is gone (or not on Linux). */
export function processCpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** The machine's CPU counters now: pass two readings to idleShare. */
export function machineCpu() {
  try {
    const [, ...ticks] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).map(Number);
    // idle + iowait count as idle; the rest (user, nice, system, irq, softirq, steal) as busy.
    return { idle: ticks[3] + ticks[4], total: ticks.reduce((a, b) => a + b, 0) };
  } catch {
    return undefined;
  }
}

/** The share of the machine's CPU time that was idle between two machineCpu() readings. */
export function idleShare(before, after) {
  if (!before || !after || after.total === before.total) return undefined;
  return (after.idle - before.idle) / (after.total - before.total);
}
