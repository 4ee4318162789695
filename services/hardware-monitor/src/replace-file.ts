import { randomBytes } from "node:crypto";
import { constants, promises as fs } from "node:fs";

/** Created for the new file only: fails on anything already at the name, and never follows a symbolic link. */
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** `state.json.<random>.tmp`: what replaceFile leaves behind if it dies between writing and renaming. */
export function isTempFileOf(name: string, base: string): boolean {
  return name.startsWith(`${base}.`) && name.endsWith(".tmp");
}

/**
 * Replaces `target` with `data` at once: written to a new file beside it,
 * then renamed over it, so a crash leaves the old content or the new, never
 * half. The temporary file has a random name and is created exclusively and
 * without following links (0600): a file or symbolic link planted at a
 * guessed name makes the write fail instead of writing through it, and the
 * rename replaces a link at `target` rather than following it.
 */
export async function replaceFile(target: string, data: string, suffix: string = randomBytes(8).toString("hex")): Promise<void> {
  const temp = `${target}.${suffix}.tmp`;
  const handle = await fs.open(temp, CREATE_NEW, 0o600);
  try {
    try {
      await handle.writeFile(data);
    } finally {
      await handle.close();
    }
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}
