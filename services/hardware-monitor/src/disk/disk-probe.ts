import { promises as fs } from "node:fs";
import path from "node:path";
import { parseMountTable, realMounts } from "./mount-table";

export interface DiskReading {
  readonly mountPoint: string;
  /** Percent of the space non-root users can use that is still free; null when unknown. */
  readonly freePercent: number | null;
  readonly availableBytes: number | null;
  readonly totalBytes: number | null;
  readonly error?: string;
}

export interface StatFsResult {
  readonly bsize: number;
  readonly blocks: number;
  readonly bfree: number;
  readonly bavail: number;
}

export type StatFs = (path: string) => Promise<StatFsResult>;

export interface DiskProbeOptions {
  /** Mount points as the host sees them, or "auto" to read the mount table. */
  readonly mounts: readonly string[] | "auto";
  /** Where the host's root is visible (a container's hostPath mount); "" or undefined for "/". */
  readonly hostRoot?: string;
  /** A statfs slower than this counts as unknown (a dead NFS server can hang it). */
  readonly timeoutMs: number;
  readonly statfs?: StatFs;
  readonly readFile?: (path: string) => Promise<string>;
}

/**
 * Free space as `df` counts it: available to non-root (bavail) over what
 * non-root can ever use (used + bavail), so the root-reserved blocks do not
 * make a full disk look 5 % free.
 */
export function freeSpace(stat: StatFsResult): Omit<DiskReading, "mountPoint"> {
  const usable = stat.blocks - stat.bfree + stat.bavail;
  if (!(usable > 0)) return { freePercent: null, availableBytes: null, totalBytes: null, error: "filesystem reports no blocks" };
  return {
    freePercent: (stat.bavail / usable) * 100,
    availableBytes: stat.bavail * stat.bsize,
    totalBytes: stat.blocks * stat.bsize,
  };
}

export class DiskProbe {
  private readonly statfs: StatFs;
  private readonly readFile: (path: string) => Promise<string>;
  /** statfs calls still running; a hung one is not started again while it holds a libuv thread. */
  private readonly pending = new Map<string, Promise<StatFsResult>>();

  constructor(private readonly options: DiskProbeOptions) {
    this.statfs = options.statfs ?? ((p) => fs.statfs(p));
    this.readFile = options.readFile ?? ((p) => fs.readFile(p, "utf8"));
  }

  private hostPath(mountPoint: string): string {
    return this.options.hostRoot ? path.join(this.options.hostRoot, mountPoint).replace(/(.)\/+$/, "$1") : mountPoint;
  }

  async mountPoints(): Promise<readonly string[]> {
    if (this.options.mounts !== "auto") return this.options.mounts;
    // PID 1's table is the host's when the host's root is mounted in; ours otherwise.
    const table = this.options.hostRoot ? path.join(this.options.hostRoot, "proc/1/mounts") : "/proc/self/mounts";
    return realMounts(parseMountTable(await this.readFile(table))).map((m) => m.mountPoint);
  }

  async read(): Promise<DiskReading[]> {
    let mounts: readonly string[];
    try {
      mounts = await this.mountPoints();
    } catch (error) {
      return [{ mountPoint: "(mount table)", freePercent: null, availableBytes: null, totalBytes: null, error: (error as Error).message }];
    }
    return Promise.all(mounts.map((m) => this.readOne(m)));
  }

  private async readOne(mountPoint: string): Promise<DiskReading> {
    const unknown = (error: string): DiskReading => ({ mountPoint, freePercent: null, availableBytes: null, totalBytes: null, error });
    if (this.pending.has(mountPoint)) return unknown("statfs from an earlier poll has not returned (hung filesystem?)");
    const call = this.statfs(this.hostPath(mountPoint));
    this.pending.set(mountPoint, call);
    void call.then(
      () => this.pending.delete(mountPoint),
      () => this.pending.delete(mountPoint),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), this.options.timeoutMs);
    });
    try {
      const result = await Promise.race([call, timeout]);
      if (result === "timeout") return unknown(`statfs did not return within ${this.options.timeoutMs} ms`);
      return { mountPoint, ...freeSpace(result) };
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      return unknown(e.code ?? e.message);
    } finally {
      clearTimeout(timer);
    }
  }
}
