// Adds lock entries for other platforms' optional native binaries that the
// local npm registry mirror does not carry (e.g. @swc/core-darwin-arm64).
// npm leaves them out of package-lock.json when it cannot fetch them, and
// `npm ci` then refuses the lock as out of sync. Each stub records the exact
// version the parent pins plus the os/cpu/libc its name declares, so npm
// skips it on other platforms and fetches it normally where it applies.
//
// Run after `npm install` changes the lock: node scripts/fix-lockfile-platforms.mjs
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const lockPath = path.join(root, "package-lock.json");
const lock = JSON.parse(readFileSync(lockPath, "utf8"));
const packages = lock.packages;

const OS = {
  darwin: "darwin",
  linux: "linux",
  win32: "win32",
  windows: "win32",
  android: "android",
  freebsd: "freebsd",
  netbsd: "netbsd",
  openbsd: "openbsd",
  sunos: "sunos",
  aix: "aix",
  openharmony: "openharmony",
};
const CPU = {
  arm64: "arm64",
  x64: "x64",
  64: "x64",
  ia32: "ia32",
  arm: "arm",
  ppc64: "ppc64",
  s390x: "s390x",
  loong64: "loong64",
  riscv64: "riscv64",
  mips64el: "mips64el",
};
const LIBC = { gnu: "glibc", gnueabihf: "glibc", musl: "musl", musleabihf: "musl" };

/** Reads os/cpu/libc from a platform package's name, e.g. core-linux-arm-gnueabihf. */
function platformOf(name) {
  const tokens = name.split("/").pop().split("-");
  const osIndex = tokens.findIndex((t) => t in OS);
  if (osIndex < 0) return undefined;
  const cpu = CPU[tokens[osIndex + 1]];
  if (!cpu) return undefined;
  const libc = LIBC[tokens[osIndex + 2]];
  return { os: [OS[tokens[osIndex]]], cpu: [cpu], ...(libc && { libc: [libc] }) };
}

let added = 0;
for (const [location, entry] of Object.entries(packages)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const base = location === "" ? "node_modules" : `${location}/node_modules`;
    // npm resolves a dependency from the nearest node_modules up the tree; hoisted entries live at the top.
    const candidates = [`${base}/${dep}`, `node_modules/${dep}`];
    if (candidates.some((c) => packages[c])) continue;
    const platform = platformOf(dep);
    if (!platform) {
      console.warn(
        `fix-lockfile-platforms: ${dep}@${version} is missing from the lock and its name names no platform; npm ci will refuse the lock`,
      );
      continue;
    }
    packages[`node_modules/${dep}`] = { version, ...platform, ...(entry.dev && { dev: true }), optional: true };
    added += 1;
  }
}

const sorted = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : a > b ? 1 : 0)));
lock.packages = sorted;
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`fix-lockfile-platforms: added ${added} platform stub(s)`);
