// `npm run bench`: every bench script, briefly, one after the other (never
// two at once: they would measure each other), then one table of what each
// reported (bench/lib/summary.mjs): the project's figure, the raw
// counterpart's from the same run where the bench has one, their ratio, and
// the performance issue's target (#16). Each script's own output is shown
// as it runs. A bench that fails is reported in the table and the run goes on.
//
//   npm run bench [-- --only ingest,router]
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "../scripts/lib/service-runner.mjs";

const BENCHES = [
  { name: "ingest", script: "ingest-throughput.mjs", args: ["--seconds", "3", "--rounds", "3"] },
  { name: "router", script: "router-throughput.mjs", args: ["--users", "5000", "--events", "3000", "--rounds", "2"] },
  // The target's rate; 10,000 idle sockets per gateway take minutes to connect here: run it by hand with --sockets 10000.
  {
    name: "latency",
    script: "publish-to-socket-latency.mjs",
    args: ["--rate", "1000", "--seconds", "2", "--rounds", "3", "--sockets", "200"],
  },
  // The target's 100,000 recipients (about a minute for the fan-out and its raw loop on this machine).
  { name: "fanout", script: "fanout.mjs", args: ["--users", "100000", "--rounds", "1", "--baseline-seconds", "10"] },
  // Events/s with 10,000 webhook subscriptions stored beside none, and the matching alone (issue #12).
  {
    name: "subscriptions",
    script: "router-throughput.mjs",
    args: ["--users", "2000", "--events", "3000", "--rounds", "2", "--mix", "single", "--subscriptions", "10000"],
  },
  {
    name: "delivery",
    script: "delivery-throughput.mjs",
    args: ["--webhooks", "1000", "--rounds", "3", "--emails", "300", "--subscriptions", "1000"],
  },
  // 20,000 sockets on one gateway (the target) by hand: --sockets 20000, with `ulimit -n` above 20,256.
  { name: "gateway", script: "gateway-scale.mjs", args: ["--sockets", "2000", "--rate", "200", "--seconds", "4"] },
];

const { values } = parseArgs({ options: { only: { type: "string" } } });
const only = values.only?.split(",");
const dir = mkdtempSync(path.join(tmpdir(), "herald-bench-"));
const summary = path.join(dir, "summary.jsonl");
const failed = [];
try {
  for (const bench of BENCHES.filter((b) => !only || only.includes(b.name))) {
    console.log(`\n=== ${bench.name}: node bench/${bench.script} ${bench.args.join(" ")}`);
    const child = spawn(process.execPath, [path.join(ROOT, "bench", bench.script), ...bench.args], {
      cwd: ROOT,
      stdio: "inherit",
      env: { ...process.env, BENCH_SUMMARY: summary },
    });
    const [code] = await once(child, "exit");
    if (code !== 0) failed.push(bench.name);
  }
  let rows = [];
  try {
    rows = readFileSync(summary, "utf8")
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  } catch {
    // no bench reported anything
  }
  const fmt = (n) =>
    n === undefined ? "" : Number.isFinite(n) ? (n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(1)) : "n/a";
  console.log("\none run on this machine; ratios within each bench's own run (project beside its raw counterpart):");
  console.table([
    ...rows.map((r) => ({
      bench: r.bench,
      figure: r.figure,
      unit: r.unit,
      project: fmt(r.project),
      raw: fmt(r.raw),
      ratio: r.ratio === undefined ? "" : r.ratio.toFixed(2),
      target: r.target ?? "",
    })),
    ...failed.map((name) => ({ bench: name, figure: "FAILED (see its output above)" })),
  ]);
  if (failed.length > 0) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
