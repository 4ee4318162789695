import { appendFileSync } from "node:fs";

/** The columns every scenario fills in, as the hardening issue asked for them. */
export interface HeadlineFigures {
  readonly accepted: string;
  readonly stored: string;
  readonly pushed: string;
  readonly delivered: string;
  readonly lost: string;
  readonly duplicated: string;
}

export interface ScenarioFigures {
  readonly scenario: string;
  readonly headline: HeadlineFigures;
  /** Scenario-specific measurements (timings, windows, memory…), in the order to print them. */
  readonly details: readonly (readonly [string, string | number])[];
}

/**
 * Prints a scenario's table as soon as it is measured (before its assertions,
 * so a failing run still shows its counts), and appends it to
 * CHAOS_REPORT_FILE, from which the summary reporter prints one table for
 * the whole run.
 */
export function reportFigures(figures: ScenarioFigures): void {
  const rows: (readonly [string, string | number])[] = [...Object.entries(figures.headline), ...figures.details];
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = [`\n┌─ chaos: ${figures.scenario}`, ...rows.map(([label, value]) => `│ ${label.padEnd(width)}  ${value}`), "└─\n"];
  process.stdout.write(lines.join("\n"));
  const file = process.env.CHAOS_REPORT_FILE;
  if (file) appendFileSync(file, `${JSON.stringify(figures)}\n`);
}

/** "n / of" with a percentage when it is not the whole. */
export function share(n: number, of: number): string {
  return n === of ? `${n} / ${of}` : `${n} / ${of} (${((100 * n) / Math.max(of, 1)).toFixed(1)} %)`;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
