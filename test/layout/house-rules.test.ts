import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { NOTIFICATION_STATUSES } from "@herald/db";

/**
 * The layout's rules, checked on the tree itself so that the house stays as
 * the re-layout left it: one definition per exported name, a browser-safe
 * contract, typed Socket.IO events, and notification statuses written in
 * SQL only by their owner.
 */
const ROOT = path.resolve(__dirname, "..", "..");

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry === "node_modules" || entry === "dist" || entry === "generated") continue;
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...sources(full));
    else if (full.endsWith(".ts")) out.push(full);
  }
  return out;
}

const srcDirs = ["packages", "services"].flatMap((top) =>
  readdirSync(path.join(ROOT, top)).map((name) => path.join(ROOT, top, name, "src")),
);
const files = srcDirs.flatMap((dir) => sources(dir)).map((file) => ({ file: path.relative(ROOT, file), text: readFileSync(file, "utf8") }));

describe("house rules", () => {
  it("defines each exported name once across packages and services (each service's own loadConfig aside)", () => {
    const definedIn = new Map<string, string[]>();
    for (const { file, text } of files) {
      for (const match of text.matchAll(
        /^export (?:declare )?(?:abstract )?(?:async )?(?:function|const|class|interface|type|enum) ([A-Za-z0-9_]+)/gm,
      )) {
        definedIn.set(match[1]!, [...(definedIn.get(match[1]!) ?? []), file]);
      }
    }
    const twice = [...definedIn].filter(([name, where]) => where.length > 1 && name !== "loadConfig");
    expect(Object.fromEntries(twice)).toEqual({});
  });

  it("types every Socket.IO server, socket and emitter with the contract's events", () => {
    expect(files.filter(({ text }) => text.includes("DefaultEventsMap")).map((f) => f.file)).toEqual([]);
  });

  it("keeps @herald/contract browser-safe: no node: imports, and zod only under schemas/", () => {
    const contract = files.filter(({ file }) => file.startsWith("packages/contract/"));
    expect(contract.length).toBeGreaterThan(5);
    const imports = contract.flatMap(({ file, text }) => [...text.matchAll(/from "([^"]+)"/g)].map((m) => ({ file, spec: m[1]! })));
    const outside = imports.filter(({ spec }) => !spec.startsWith("."));
    expect(outside.filter(({ file, spec }) => !(spec === "zod" && file.startsWith("packages/contract/src/schemas/")))).toEqual([]);
  });

  it("writes notification statuses in SQL only in @herald/db and the router's insert", () => {
    // `status = 'held'`, `status IN ('pending', …)`: a comparison or assignment of a status column to a literal.
    const literal = new RegExp(`\\bstatus\\s*(?:=|<>|IN\\s*\\()\\s*'(?:${NOTIFICATION_STATUSES.join("|")})'`, "i");
    const offenders = files
      .filter(({ file }) => !file.startsWith("packages/db/") && file !== "services/router/src/notification-writer.ts")
      .filter(({ text }) => [...text.matchAll(/`[^`]*`/g)].some((sql) => literal.test(sql[0])))
      .map(({ file }) => file);
    expect(offenders).toEqual([]);
  });
});

describe("web bundle", () => {
  // Written by packages/web/build.mjs (npm test builds first).
  const meta = JSON.parse(readFileSync(path.join(ROOT, "packages", "web", "dist", "meta.json"), "utf8")) as {
    outputs: Record<string, { bytes: number; inputs: Record<string, { bytesInOutput: number }> }>;
  };
  const app = meta.outputs["dist/app.js"]!;

  it("leaves zod and the contract's schemas out of the page", () => {
    const inputs = Object.entries(app.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([file]) => file);
    expect(inputs.some((file) => file.includes("contract/src/"))).toBe(true);
    expect(inputs.filter((file) => /node_modules\/zod\/|contract\/(src|dist)\/schemas\//.test(file))).toEqual([]);
  });

  // 93,017 bytes at the re-layout; every feature since fitted in it until the admin panel's subscriptions view (#14,
  // about 1.5 KB). A new budget only with what it pays for named here.
  it("stays within its budget (95,000 bytes minified)", () => {
    expect(app.bytes).toBeLessThanOrEqual(95_000);
  });
});
