import { execFile } from "node:child_process";
import { BASE_FIELDS, parseNvidiaSmiCsv, REASON_FIELDS, type GpuReading, type ReasonField } from "./parse-nvidia-smi";

/**
 * What nvidia-smi told us. `ok` and `gpu_lost` carry readings; the others
 * are states of the host (no driver, no GPUs, no nvidia-smi), reported in
 * /health, not alerts.
 */
export type SmiState =
  | "ok"
  | "gpu_lost"
  | "not_installed"
  | "not_executable"
  | "driver_not_loaded"
  | "library_not_found"
  | "driver_mismatch"
  | "no_gpus"
  | "timeout"
  | "failed";

export type GpuPoll =
  | {
      readonly state: "ok" | "gpu_lost";
      readonly gpus: readonly GpuReading[];
      /** Rows or cells that could not be read, and for gpu_lost what nvidia-smi said. */
      readonly problems: readonly string[];
    }
  | { readonly state: Exclude<SmiState, "ok" | "gpu_lost">; readonly detail: string; readonly exitCode?: number };

export interface NvidiaSmiOptions {
  /** A path, or a name looked up on PATH. */
  readonly command: string;
  readonly timeoutMs: number;
  readonly env?: NodeJS.ProcessEnv;
}

interface RunResult {
  readonly exitCode: number | null;
  /** `ENOENT`, `EACCES`, … when it could not be started. */
  readonly spawnError?: string;
  readonly timedOut: boolean;
  readonly output: string;
}

const INVALID_FIELD = /is not a valid field to query/i;
/** Candidate clock reason columns, newest name first; `null`: query without one. */
const REASON_CANDIDATES: readonly (ReasonField | null)[] = [...REASON_FIELDS, null];

/**
 * Runs nvidia-smi asynchronously (never blocking the event loop), killing it
 * when it hangs, and learns once which clock reasons field the driver knows.
 */
export class NvidiaSmi {
  /** Index into REASON_CANDIDATES of the field the driver accepted; undefined until one did. */
  private reasonCandidate: number | undefined;

  constructor(private readonly options: NvidiaSmiOptions) {}

  /** The clock reasons field in use, once the driver has accepted one. */
  get reasonField(): ReasonField | null | undefined {
    return this.reasonCandidate === undefined ? undefined : REASON_CANDIDATES[this.reasonCandidate];
  }

  async poll(): Promise<GpuPoll> {
    let candidate = this.reasonCandidate ?? 0;
    for (;;) {
      const field = REASON_CANDIDATES[candidate] ?? null;
      const result = await this.run(field);
      if (result.exitCode === 2 && INVALID_FIELD.test(result.output) && candidate < REASON_CANDIDATES.length - 1) {
        candidate += 1;
        continue;
      }
      const poll = interpret(result);
      if (poll.state === "ok") this.reasonCandidate = candidate;
      return poll;
    }
  }

  private run(reasonField: ReasonField | null): Promise<RunResult> {
    const fields = reasonField ? [...BASE_FIELDS, reasonField] : [...BASE_FIELDS];
    const args = [`--query-gpu=${fields.join(",")}`, "--format=csv,nounits"];
    return new Promise((resolve) => {
      execFile(
        this.options.command,
        args,
        {
          timeout: this.options.timeoutMs,
          // A hung nvidia-smi sits in the kernel on a wedged GPU; only SIGKILL is sure to end it.
          killSignal: "SIGKILL",
          maxBuffer: 4 * 1024 * 1024,
          env: this.options.env ?? process.env,
          windowsHide: true,
        },
        (error, stdout, stderr) => {
          const output = `${stdout}${stderr}`;
          if (!error) return resolve({ exitCode: 0, timedOut: false, output });
          const code = (error as NodeJS.ErrnoException).code;
          if (typeof code === "string") return resolve({ exitCode: null, spawnError: code, timedOut: false, output });
          const timedOut = error.killed === true && error.signal === "SIGKILL";
          resolve({ exitCode: typeof code === "number" ? code : null, timedOut, output });
        },
      );
    });
  }
}

function firstLine(output: string): string {
  return (output.split(/\r?\n/).find((l) => l.trim() !== "") ?? "").trim().slice(0, 300);
}

/** Exit codes per nvidia-smi(1), plus the ones drivers are seen to use. */
export function interpret(result: RunResult): GpuPoll {
  if (result.spawnError === "ENOENT") return { state: "not_installed", detail: "nvidia-smi not found" };
  if (result.spawnError === "EACCES") return { state: "not_executable", detail: "nvidia-smi is not executable" };
  if (result.spawnError !== undefined) return { state: "failed", detail: `cannot run nvidia-smi: ${result.spawnError}` };
  if (result.timedOut) return { state: "timeout", detail: "nvidia-smi did not answer in time and was killed" };
  const detail = firstLine(result.output);
  const exitCode = result.exitCode ?? undefined;
  switch (result.exitCode) {
    case 0: {
      const parsed = parseNvidiaSmiCsv(result.output);
      if (!parsed.ok) return { state: "failed", detail: parsed.problem, exitCode: 0 };
      return { state: "ok", gpus: parsed.gpus, problems: parsed.problems };
    }
    case 15: {
      // "GPU has fallen off the bus": the rows it could still print are real readings.
      const parsed = parseNvidiaSmiCsv(result.output);
      return { state: "gpu_lost", gpus: parsed.ok ? parsed.gpus : [], problems: parsed.ok ? parsed.problems : [detail] };
    }
    case 9:
      return { state: "driver_not_loaded", detail, exitCode };
    case 12:
      return { state: "library_not_found", detail, exitCode };
    case 18:
      return { state: "driver_mismatch", detail, exitCode };
    case 6:
    case 255:
      if (/no (devices were found|supported gpus)/i.test(result.output)) return { state: "no_gpus", detail, exitCode };
      return { state: "failed", detail, exitCode };
    default:
      if (/driver\/library version mismatch/i.test(result.output)) return { state: "driver_mismatch", detail, exitCode };
      return { state: "failed", detail, exitCode };
  }
}
