import { promises as fs, type Stats } from "node:fs";
import { ConfigError } from "@herald/runtime";

/** Group- and other-write bits. */
const WRITABLE_BY_OTHERS = 0o022;

/**
 * What makes a directory, as lstat saw it, unfit to hold what the monitor
 * publishes with its token; undefined when nothing. Anyone who may write in
 * it can plant events there (published as the monitor's), or replace the
 * files it writes.
 */
export function directoryProblem(stat: Pick<Stats, "isDirectory" | "isSymbolicLink" | "uid" | "mode">, uid: number): string | undefined {
  if (stat.isSymbolicLink()) return "is a symbolic link (name the directory itself)";
  if (!stat.isDirectory()) return "is not a directory";
  if (stat.uid !== uid) return `belongs to uid ${stat.uid}, not to this process's user (uid ${uid})`;
  if ((stat.mode & WRITABLE_BY_OTHERS) !== 0) {
    const who = (stat.mode & 0o002) !== 0 ? "every user" : "its group";
    return `is writable by ${who} (mode ${(stat.mode & 0o7777).toString(8).padStart(4, "0")})`;
  }
  return undefined;
}

/**
 * Creates `dir` (and missing parents) for this process's user alone (0700),
 * or checks that the one already there is: owned by this user and writable
 * by no one else. Anything else is refused, and the monitor does not start:
 * a directory someone else made first, in /tmp for instance, is theirs to
 * fill.
 */
export async function ensurePrivateDirectory(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  // Only POSIX systems have owners and mode bits to check (the monitor runs on Linux hosts).
  const uid = process.getuid?.();
  if (uid === undefined) return;
  const problem = directoryProblem(await fs.lstat(dir), uid);
  if (problem !== undefined) {
    throw new ConfigError(
      `buffer directory ${dir} ${problem}: refusing it, since whoever may write there can have events published with this monitor's token. ` +
        "Point MONITOR_BUFFER_DIR at a directory of this user's that no one else may write (chmod 700), or unset it for the default",
    );
  }
}
