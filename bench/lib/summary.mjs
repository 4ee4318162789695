// What a bench script hands to `npm run bench` (bench/all.mjs): one row per
// figure, with the raw counterpart measured in the same run and the ratio
// when there is one. Appended as JSON lines to $BENCH_SUMMARY when set;
// without it (a bench run on its own) nothing is written.
import { appendFileSync } from "node:fs";

/** rows: [{ figure, unit, project, raw?, ratio?, target? }] */
export function reportSummary(bench, rows) {
  const file = process.env.BENCH_SUMMARY;
  if (!file) return;
  for (const row of rows) appendFileSync(file, `${JSON.stringify({ bench, ...row })}\n`);
}
