import { promises as fs } from "node:fs";
import path from "node:path";
import { INITIAL_MONITOR_STATE, type MonitorState } from "./alerts/evaluate";
import { isTempFileOf, replaceFile } from "./replace-file";

/**
 * The monitor's alert state, kept on disk so that a restart neither
 * re-announces an alert that is already firing nor loses its resolve, and
 * still knows which GPUs the host had.
 */
export class StateFile {
  constructor(private readonly file: string) {}

  /**
   * The saved state, with the `for` clocks reset: nobody watched while the
   * process was down, so no level may count that time as held.
   */
  async load(): Promise<{ state: MonitorState; problem?: string }> {
    await this.removeLeftovers();
    let text: string;
    try {
      text = await fs.readFile(this.file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return { state: INITIAL_MONITOR_STATE };
      return { state: INITIAL_MONITOR_STATE, problem: (error as Error).message };
    }
    try {
      const saved = JSON.parse(text) as Partial<MonitorState>;
      if (typeof saved.alerts !== "object" || saved.alerts === null || typeof saved.gpus !== "object" || saved.gpus === null) {
        return { state: INITIAL_MONITOR_STATE, problem: "state file has an unexpected shape; starting afresh" };
      }
      const alerts = Object.fromEntries(
        Object.entries(saved.alerts).map(([key, alert]) => [key, { ...alert, breachSince: {}, cleanPolls: 0 }]),
      );
      return { state: { alerts, gpus: saved.gpus } };
    } catch {
      return { state: INITIAL_MONITOR_STATE, problem: "state file is not valid JSON; starting afresh" };
    }
  }

  async save(state: MonitorState): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    await replaceFile(this.file, JSON.stringify(state));
  }

  /** Temporary files of saves cut short by a crash. */
  private async removeLeftovers(): Promise<void> {
    const dir = path.dirname(this.file);
    const base = path.basename(this.file);
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch {
      return;
    }
    await Promise.all(names.filter((n) => isTempFileOf(n, base)).map((n) => fs.rm(path.join(dir, n), { force: true })));
  }
}
