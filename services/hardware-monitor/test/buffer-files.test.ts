import { promises as fs, type Stats } from "node:fs";
import os from "node:os";
import path from "node:path";
import { INITIAL_MONITOR_STATE } from "../src/alerts/evaluate";
import { bufferDir } from "../src/config";
import { DiskOutbox } from "../src/delivery/outbox";
import { directoryProblem, ensurePrivateDirectory } from "../src/private-directory";
import { replaceFile } from "../src/replace-file";
import { StateFile } from "../src/state-file";

const created: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "hm-buffer-"));
  created.push(dir);
  return dir;
}
afterAll(() => Promise.all(created.map((dir) => fs.rm(dir, { recursive: true, force: true }))));

const mode = async (p: string) => (await fs.lstat(p)).mode & 0o7777;
const me = process.getuid!();

describe("the buffer directory", () => {
  const stat = (fields: { dir?: boolean; link?: boolean; uid?: number; mode: number }) =>
    ({
      isDirectory: () => fields.dir ?? true,
      isSymbolicLink: () => fields.link ?? false,
      uid: fields.uid ?? 1000,
      mode: fields.mode,
    }) as Pick<Stats, "isDirectory" | "isSymbolicLink" | "uid" | "mode">;

  it.each([
    [{ mode: 0o40700 }, undefined],
    [{ mode: 0o40755 }, undefined],
    [{ mode: 0o40500 }, undefined],
    [{ mode: 0o41777 }, "is writable by every user (mode 1777)"],
    [{ mode: 0o40777 }, "is writable by every user (mode 0777)"],
    [{ mode: 0o40702 }, "is writable by every user (mode 0702)"],
    [{ mode: 0o40770 }, "is writable by its group (mode 0770)"],
    [{ mode: 0o42770 }, "is writable by its group (mode 2770)"],
    [{ mode: 0o40700, uid: 1001 }, "belongs to uid 1001, not to this process's user (uid 1000)"],
    [{ mode: 0o40700, uid: 0 }, "belongs to uid 0, not to this process's user (uid 1000)"],
    [{ mode: 0o120777, link: true, dir: false }, "is a symbolic link (name the directory itself)"],
    [{ mode: 0o100600, dir: false }, "is not a directory"],
  ])("%o as uid 1000: %p", (fields, problem) => {
    expect(directoryProblem(stat(fields), 1000)).toBe(problem);
  });

  it("is created for this user alone, parents too", async () => {
    const dir = path.join(await tempDir(), "state", "herald-hardware-monitor");
    await ensurePrivateDirectory(dir);
    expect(await mode(dir)).toBe(0o700);
    expect(await mode(path.dirname(dir))).toBe(0o700);
    // Once made, it is accepted again, as is a private one made by hand with other bits for reading.
    await ensurePrivateDirectory(dir);
    await fs.chmod(dir, 0o755);
    await ensurePrivateDirectory(dir);
  });

  it.each([
    ["world-writable", 0o777],
    ["world-writable with the sticky bit, like /tmp", 0o1777],
    ["group-writable", 0o770],
  ])("refuses one made first %s, and publishes nothing from it", async (_case, bits) => {
    const dir = path.join(await tempDir(), "herald-hardware-monitor");
    await fs.mkdir(path.join(dir, "outbox"), { recursive: true });
    await fs.chmod(dir, bits);
    await expect(ensurePrivateDirectory(dir)).rejects.toThrow(/^buffer directory .* is writable by .* refusing it/);
    // The outbox below it checks its own directory too.
    await fs.chmod(path.join(dir, "outbox"), bits);
    await expect(DiskOutbox.open(path.join(dir, "outbox"), 10)).rejects.toThrow(/is writable by/);
  });

  it("refuses a symbolic link to a private directory, and a file", async () => {
    const root = await tempDir();
    await fs.mkdir(path.join(root, "real"), { mode: 0o700 });
    await fs.symlink(path.join(root, "real"), path.join(root, "link"));
    await expect(ensurePrivateDirectory(path.join(root, "link"))).rejects.toThrow(/is a symbolic link/);
    await fs.writeFile(path.join(root, "file"), "");
    await expect(ensurePrivateDirectory(path.join(root, "file"))).rejects.toThrow();
  });

  (me === 0 ? it : it.skip)("refuses one owned by another user (as root: chowned to nobody)", async () => {
    const dir = path.join(await tempDir(), "theirs");
    await fs.mkdir(dir, { mode: 0o700 });
    await fs.chown(dir, 65534, 65534);
    await expect(ensurePrivateDirectory(dir)).rejects.toThrow(/belongs to uid 65534, not to this process's user \(uid 0\)/);
  });

  it("defaults to the user's XDG state directory, never the OS temp dir", () => {
    expect(bufferDir({}, "/home/ops")).toBe("/home/ops/.local/state/herald-hardware-monitor");
    expect(bufferDir({ XDG_STATE_HOME: "/srv/state" }, "/home/ops")).toBe("/srv/state/herald-hardware-monitor");
    // The XDG spec: a relative value is invalid and ignored.
    expect(bufferDir({ XDG_STATE_HOME: "state" }, "/home/ops")).toBe("/home/ops/.local/state/herald-hardware-monitor");
    expect(bufferDir({ MONITOR_BUFFER_DIR: "/var/lib/herald-monitor/buffer/", XDG_STATE_HOME: "/srv/state" })).toBe(
      "/var/lib/herald-monitor/buffer/",
    );
    expect(() => bufferDir({ MONITOR_BUFFER_DIR: "buffer" })).toThrow(/MONITOR_BUFFER_DIR must be an absolute path/);
    expect(bufferDir({})).not.toContain(os.tmpdir());
  });
});

describe("files in the buffer", () => {
  /** A file of someone else's that a planted link points at. */
  const victim = async (dir: string) => {
    const file = path.join(dir, "victim");
    await fs.writeFile(file, "precious");
    return file;
  };

  it("a state save does not write through a symbolic link at the old fixed temp name", async () => {
    const dir = await tempDir();
    const target = await victim(dir);
    await fs.symlink(target, path.join(dir, "state.json.tmp"));
    const state = new StateFile(path.join(dir, "state.json"));
    await state.save({ ...INITIAL_MONITOR_STATE, gpus: { "GPU-1": { index: 0, name: "A100" } } });
    expect(await fs.readFile(target, "utf8")).toBe("precious");
    expect(JSON.parse(await fs.readFile(path.join(dir, "state.json"), "utf8"))).toMatchObject({ gpus: { "GPU-1": { index: 0 } } });
  });

  it("an outbox append does not write through a symbolic link at the event's old fixed temp name", async () => {
    const dir = await tempDir();
    const target = await victim(dir);
    const outboxDir = path.join(dir, "outbox");
    const outbox = await DiskOutbox.open(outboxDir, 10);
    await fs.symlink(target, path.join(outboxDir, "0000000000000001.json.tmp"));
    await outbox.append([{ id: "e1", type: "system.restart", payload: {} }]);
    expect(await fs.readFile(target, "utf8")).toBe("precious");
    expect((await outbox.peek(1)).map((e) => e.event.id)).toEqual(["e1"]);
  });

  it("refuses to write when a link or a file is already at its temporary name, and leaves both alone", async () => {
    const dir = await tempDir();
    const target = await victim(dir);
    const file = path.join(dir, "state.json");
    await fs.symlink(target, `${file}.guessed.tmp`);
    await expect(replaceFile(file, "{}", "guessed")).rejects.toMatchObject({ code: "EEXIST" });
    expect(await fs.readFile(target, "utf8")).toBe("precious");
    await fs.writeFile(`${file}.other.tmp`, "theirs");
    await expect(replaceFile(file, "{}", "other")).rejects.toMatchObject({ code: "EEXIST" });
    expect(await fs.readFile(`${file}.other.tmp`, "utf8")).toBe("theirs");
    await expect(fs.access(file)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("writes with a fresh random temporary name each time, readable by this user alone, and replaces a link at the target rather than follow it", async () => {
    const dir = await tempDir();
    const target = await victim(dir);
    const file = path.join(dir, "state.json");
    await fs.symlink(target, file);
    await replaceFile(file, '{"a":1}');
    expect(await fs.readFile(target, "utf8")).toBe("precious");
    expect((await fs.lstat(file)).isSymbolicLink()).toBe(false);
    expect(await mode(file)).toBe(0o600);
    expect(await fs.readFile(file, "utf8")).toBe('{"a":1}');
    expect((await fs.readdir(dir)).sort()).toEqual(["state.json", "victim"]);
  });

  it("clears temporary files a crash left behind when the state is loaded", async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, "state.json.0123456789abcdef.tmp"), "{half");
    await fs.writeFile(path.join(dir, "unrelated.tmp"), "keep");
    expect((await new StateFile(path.join(dir, "state.json")).load()).problem).toBeUndefined();
    expect((await fs.readdir(dir)).sort()).toEqual(["unrelated.tmp"]);
  });
});
