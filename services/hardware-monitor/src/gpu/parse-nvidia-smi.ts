/**
 * Parsing `nvidia-smi --query-gpu=… --format=csv,nounits` output. Columns are
 * found by header name (the header keeps units even with `nounits`, e.g.
 * `memory.used [MiB]`), so the order of the query does not matter, and the
 * clock reasons column may have either of its names.
 */
export const BASE_FIELDS = [
  "index",
  "uuid",
  "name",
  "temperature.gpu",
  "temperature.memory",
  "utilization.gpu",
  "memory.used",
  "memory.total",
  "power.draw",
] as const;

/** Newer drivers name it `clocks_event_reasons`; older ones only know `clocks_throttle_reasons`. */
export const REASON_FIELDS = ["clocks_event_reasons.active", "clocks_throttle_reasons.active"] as const;
export type ReasonField = (typeof REASON_FIELDS)[number];

export interface GpuReading {
  readonly index: number | null;
  readonly uuid: string | null;
  readonly name: string | null;
  /** A cell said `[GPU is lost]`: the GPU fell off the bus. */
  readonly lost: boolean;
  /** Readings are null when unknown (`[N/A]`, `[Not Supported]`, …), never 0. */
  readonly temperatureC: number | null;
  readonly memoryTemperatureC: number | null;
  readonly utilizationPercent: number | null;
  readonly memoryUsedMiB: number | null;
  readonly memoryTotalMiB: number | null;
  readonly powerDrawW: number | null;
  /** Active clock event (throttle) reasons, low 32 bits of the mask. */
  readonly clockEventReasons: number | null;
  /** Fields that were unknown, with the token nvidia-smi printed (for /health). */
  readonly unknown: Readonly<Record<string, string>>;
}

export type ParsedOutput =
  | { readonly ok: true; readonly gpus: readonly GpuReading[]; readonly problems: readonly string[] }
  | { readonly ok: false; readonly problem: string };

type Cell =
  { readonly kind: "value"; readonly text: string } | { readonly kind: "unknown"; readonly token: string } | { readonly kind: "lost" };

const LOST = /^\[?GPU is lost\]?$/i;

/** `[N/A]`, bare `N/A`, `[Not Supported]`, `[Unknown Error]`, `[Insufficient Permissions]`, … */
export function parseCell(raw: string): Cell {
  const text = raw.trim();
  if (LOST.test(text)) return { kind: "lost" };
  if (text === "" || /^n\/a$/i.test(text) || /^\[.*\]$/.test(text)) return { kind: "unknown", token: text || "(empty)" };
  return { kind: "value", text };
}

function headerName(cell: string): string {
  return cell.trim().replace(/\s*\[[^\]]*\]$/, "");
}

const NUMBER = /^-?\d+(\.\d+)?$/;

export function parseNvidiaSmiCsv(stdout: string): ParsedOutput {
  const lines = stdout.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length === 0) return { ok: false, problem: "no output" };
  // Messages (e.g. "Unable to determine the device handle for GPU…") may come before the table.
  const headerAt = lines.findIndex((l) => {
    const names = l.split(",").map(headerName);
    return names.includes("index") && names.includes("uuid");
  });
  if (headerAt < 0) return { ok: false, problem: `not a query-gpu CSV header: ${lines[0]!.slice(0, 200)}` };
  const fields = lines[headerAt]!.split(",").map(headerName);
  const problems: string[] = lines.slice(0, headerAt).map((l) => l.trim().slice(0, 300));
  const gpus: GpuReading[] = [];
  for (const [n, line] of lines.slice(headerAt + 1).entries()) {
    const cells = line.split(", ");
    if (cells.length !== fields.length) {
      problems.push(`row ${n + 1}: ${cells.length} cells for ${fields.length} columns: ${line.slice(0, 200)}`);
      continue;
    }
    gpus.push(readRow(new Map(fields.map((f, i) => [f, parseCell(cells[i]!)])), problems, n + 1));
  }
  return { ok: true, gpus, problems };
}

function readRow(row: ReadonlyMap<string, Cell>, problems: string[], rowNumber: number): GpuReading {
  const unknown: Record<string, string> = {};
  let lost = false;
  for (const [field, cell] of row) {
    if (cell.kind === "lost") lost = true;
    if (cell.kind === "unknown") unknown[field] = cell.token;
  }
  const text = (field: string): string | null => {
    const cell = row.get(field);
    return cell?.kind === "value" ? cell.text : null;
  };
  const number = (field: string): number | null => {
    const value = text(field);
    if (value === null) return null;
    if (NUMBER.test(value)) return Number(value);
    unknown[field] = value;
    problems.push(`row ${rowNumber}: ${field} is not a number: ${value.slice(0, 50)}`);
    return null;
  };
  const mask = (): number | null => {
    const field = REASON_FIELDS.find((f) => row.has(f));
    const value = field === undefined ? null : text(field);
    if (value === null) return null;
    if (/^0x[0-9a-f]+$/i.test(value)) return Number(BigInt(value) & 0xffffffffn);
    unknown[field!] = value;
    return null;
  };
  const index = number("index");
  return {
    index: index !== null && Number.isInteger(index) ? index : null,
    uuid: text("uuid"),
    name: text("name"),
    lost,
    temperatureC: number("temperature.gpu"),
    memoryTemperatureC: number("temperature.memory"),
    utilizationPercent: number("utilization.gpu"),
    memoryUsedMiB: number("memory.used"),
    memoryTotalMiB: number("memory.total"),
    powerDrawW: number("power.draw"),
    clockEventReasons: mask(),
    unknown,
  };
}
