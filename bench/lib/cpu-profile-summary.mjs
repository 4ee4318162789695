// The top frames of a `node --cpu-prof` profile, by self time, as a share of
// the time the process was busy (idle samples left out), and the self time
// of each package (native frames such as writeUtf8String count for the
// package of the JavaScript that called them; GC stays its own line).
//
//   node bench/lib/cpu-profile-summary.mjs FILE.cpuprofile [TOP]
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

/** Where a frame's code lives: a package under node_modules, a Herald workspace, a node: module, or V8 itself. */
function owner(url) {
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency) return dependency[1];
  const workspace = /\/((?:services|packages)\/[^/]+)\//.exec(url);
  if (workspace) return workspace[1];
  if (url.startsWith("node:")) return url.split("/")[0];
  return url === "" ? "(v8)" : "(other)";
}

function shortUrl(url) {
  return url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*?\/((?:services|packages)\/)/, "$1");
}

export function summarizeProfile(file, top = 15) {
  const profile = JSON.parse(readFileSync(file, "utf8"));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const timeBySample = new Map();
  profile.samples.forEach((id, i) => timeBySample.set(id, (timeBySample.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

  const self = new Map();
  const byPackage = new Map();
  let busy = 0;
  let idle = 0;
  for (const [id, time] of timeBySample) {
    const frame = nodes.get(id).callFrame;
    if (frame.functionName === "(idle)") {
      idle += time;
      continue;
    }
    busy += time;
    const name = `${frame.functionName || "(anonymous)"}${frame.url ? ` ${shortUrl(frame.url)}:${frame.lineNumber + 1}` : ""}`;
    self.set(name, (self.get(name) ?? 0) + time);
    let at = id;
    while (nodes.get(at).callFrame.url === "" && parent.get(at) !== undefined && !frame.functionName.startsWith("(")) at = parent.get(at);
    const pkg = frame.functionName.startsWith("(") ? frame.functionName : owner(nodes.get(at).callFrame.url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + time);
  }
  const share = (t) => `${((100 * t) / busy).toFixed(1)}%`;
  const ranked = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
  return {
    busySeconds: busy / 1e6,
    idleShare: idle / (busy + idle),
    frames: ranked(self, top).map(([frame, t]) => ({ self: share(t), frame })),
    packages: ranked(byPackage, top).map(([pkg, t]) => ({ self: share(t), package: pkg })),
  };
}

export function printProfile(file, top) {
  const s = summarizeProfile(file, top);
  console.log(`${file}: busy ${s.busySeconds.toFixed(1)} s (idle ${(100 * s.idleShare).toFixed(0)}% of the run)`);
  console.table(s.frames);
  console.table(s.packages);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  printProfile(process.argv[2], Number(process.argv[3] ?? 25));
}
