// Prints, after the chaos run, one table of every scenario's headline
// figures (read from CHAOS_REPORT_FILE, which each scenario appends to), in
// the shape the README's Guarantees section publishes.
const { existsSync, readFileSync, writeSync } = require("node:fs");

class ChaosSummaryReporter {
  onRunComplete() {
    const file = process.env.CHAOS_REPORT_FILE;
    if (!file || !existsSync(file)) return;
    const scenarios = readFileSync(file, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    if (scenarios.length === 0) return;
    const columns = ["accepted", "stored", "pushed", "delivered", "lost", "duplicated"];
    const lines = [
      `\nchaos figures (${file})`,
      `| scenario | ${columns.join(" | ")} |`,
      `| --- | ${columns.map(() => "---").join(" | ")} |`,
      ...scenarios.map((s) => `| ${s.scenario} | ${columns.map((c) => s.headline[c]).join(" | ")} |`),
      "",
    ];
    writeSync(1, `${lines.join("\n")}\n`);
  }
}
module.exports = ChaosSummaryReporter;
