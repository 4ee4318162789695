import { promises as fs } from "node:fs";
import path from "node:path";
import type { HeraldEventInput } from "@herald/sdk";
import { ensurePrivateDirectory } from "../private-directory";
import { replaceFile } from "../replace-file";

export interface OutboxEntry {
  readonly seq: number;
  readonly event: HeraldEventInput;
}

const FILE = /^(\d{16})\.json$/;
const fileName = (seq: number) => `${String(seq).padStart(16, "0")}.json`;

/**
 * A bounded FIFO of events on disk, one file per event named by a
 * sequence number, so that alerts raised while ingest is unreachable
 * survive a crash or restart and go out in the order they were raised.
 * Each file is written to a temporary name and renamed (replaceFile), so a
 * crash never leaves half an event behind. The directory must be this
 * user's alone: every file in it is published with the monitor's token. Past `maxEvents` the oldest are dropped:
 * the newest state of the hardware matters most.
 */
export class DiskOutbox {
  private constructor(
    private readonly dir: string,
    private readonly maxEvents: number,
    private seqs: number[],
    private nextSeq: number,
    private droppedCount: number,
  ) {}

  static async open(dir: string, maxEvents: number): Promise<DiskOutbox> {
    await ensurePrivateDirectory(dir);
    const names = await fs.readdir(dir);
    const seqs: number[] = [];
    for (const name of names) {
      const match = FILE.exec(name);
      if (match) seqs.push(Number(match[1]));
      else if (name.endsWith(".tmp")) await fs.rm(path.join(dir, name), { force: true });
    }
    seqs.sort((a, b) => a - b);
    const outbox = new DiskOutbox(dir, maxEvents, seqs, (seqs.at(-1) ?? 0) + 1, 0);
    await outbox.enforceLimit();
    return outbox;
  }

  get size(): number {
    return this.seqs.length;
  }

  /** Events dropped because the buffer was full, since this process started. */
  get dropped(): number {
    return this.droppedCount;
  }

  async append(events: readonly HeraldEventInput[]): Promise<void> {
    for (const event of events) {
      const seq = this.nextSeq++;
      const target = path.join(this.dir, fileName(seq));
      await replaceFile(target, JSON.stringify(event));
      this.seqs.push(seq);
    }
    await this.enforceLimit();
  }

  /** The oldest `limit` events, in order. An unreadable file is removed and skipped. */
  async peek(limit: number): Promise<OutboxEntry[]> {
    const entries: OutboxEntry[] = [];
    for (const seq of this.seqs.slice(0, limit)) {
      try {
        entries.push({ seq, event: JSON.parse(await fs.readFile(path.join(this.dir, fileName(seq)), "utf8")) as HeraldEventInput });
      } catch {
        await this.remove([seq]);
      }
    }
    return entries;
  }

  async remove(seqs: readonly number[]): Promise<void> {
    const gone = new Set(seqs);
    await Promise.all(seqs.map((seq) => fs.rm(path.join(this.dir, fileName(seq)), { force: true })));
    this.seqs = this.seqs.filter((s) => !gone.has(s));
  }

  private async enforceLimit(): Promise<void> {
    const excess = this.seqs.length - this.maxEvents;
    if (excess <= 0) return;
    await this.remove(this.seqs.slice(0, excess));
    this.droppedCount += excess;
  }
}
