import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";

export const NVIDIA_SMI_FIXTURES = path.resolve(__dirname, "..", "..", "services", "hardware-monitor", "test", "fixtures", "nvidia-smi");

export interface FakeScenario {
  /** What it prints on stdout: literal text, or `fixture` names a file in NVIDIA_SMI_FIXTURES. */
  readonly stdout?: string;
  readonly fixture?: string;
  readonly exitCode?: number;
  /** Never answers (as nvidia-smi does on a wedged GPU). */
  readonly hang?: boolean;
  /** Query fields this "driver" does not know: asking for one exits 2 as old drivers do. */
  readonly rejectFields?: readonly string[];
}

/**
 * A stand-in `nvidia-smi`: a small executable in a temp dir of its own that
 * does what `scenario.json` beside it says (read at every run, so a test can
 * change the hardware between polls) and logs each run's arguments.
 */
const SCRIPT = `#!${process.execPath}
const fs = require("fs");
const path = require("path");
const dir = __dirname;
const args = process.argv.slice(2);
fs.appendFileSync(path.join(dir, "calls.log"), JSON.stringify(args) + "\\n");
const scenario = JSON.parse(fs.readFileSync(path.join(dir, "scenario.json"), "utf8"));
const query = (args.find((a) => a.startsWith("--query-gpu=")) || "").slice("--query-gpu=".length).split(",");
for (const field of scenario.rejectFields || []) {
  if (query.includes(field)) {
    process.stdout.write('Field "' + field + '" is not a valid field to query.\\n\\n');
    process.exit(2);
  }
}
if (scenario.hang) {
  setInterval(() => {}, 60000);
} else {
  process.stdout.write(scenario.stdout || "");
  process.exitCode = scenario.exitCode || 0;
}
`;

export class FakeNvidiaSmi {
  private constructor(readonly dir: string) {}

  static async create(scenario: FakeScenario = { fixture: "h100.csv" }): Promise<FakeNvidiaSmi> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "fake-nvidia-smi-"));
    await fs.writeFile(path.join(dir, "nvidia-smi"), SCRIPT, { mode: 0o755 });
    const fake = new FakeNvidiaSmi(dir);
    await fake.set(scenario);
    return fake;
  }

  /** Absolute path of the executable (for NVIDIA_SMI_PATH); `dir` goes on PATH instead. */
  get path(): string {
    return path.join(this.dir, "nvidia-smi");
  }

  async set(scenario: FakeScenario): Promise<void> {
    const stdout = scenario.fixture ? await fs.readFile(path.join(NVIDIA_SMI_FIXTURES, scenario.fixture), "utf8") : (scenario.stdout ?? "");
    const body = JSON.stringify({
      stdout,
      exitCode: scenario.exitCode ?? 0,
      hang: scenario.hang ?? false,
      rejectFields: scenario.rejectFields ?? [],
    });
    // Written aside and renamed: a poll running right now reads the old or the new file, never half of one.
    await fs.writeFile(path.join(this.dir, "scenario.json.tmp"), body);
    await fs.rename(path.join(this.dir, "scenario.json.tmp"), path.join(this.dir, "scenario.json"));
  }

  /** The arguments of every run so far. */
  async calls(): Promise<string[][]> {
    const log = await fs.readFile(path.join(this.dir, "calls.log"), "utf8").catch(() => "");
    return log
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as string[]);
  }

  async remove(): Promise<void> {
    await fs.rm(this.dir, { recursive: true, force: true });
  }
}

const HEADER =
  "index, uuid, name, temperature.gpu, temperature.memory, utilization.gpu [%], memory.used [MiB], memory.total [MiB], power.draw [W], clocks_event_reasons.active";

/** nvidia-smi output for one GPU at the given temperature (and clock event reasons). */
export function oneGpuCsv(temperatureC: number, reasons = "0x0000000000000000", uuid = "GPU-8d7e6f5a-4b3c-4d2e-9f1a-0b9c8d7e6f5a"): string {
  return `${HEADER}\n0, ${uuid}, NVIDIA H100 80GB HBM3, ${temperatureC}, ${temperatureC + 8}, 100, 70000, 81559, 640.25, ${reasons}\n`;
}
