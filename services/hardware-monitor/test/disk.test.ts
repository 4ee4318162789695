import os from "node:os";
import { DiskProbe, freeSpace, type StatFsResult } from "../src/disk/disk-probe";
import { parseMountTable, realMounts } from "../src/disk/mount-table";

const MOUNTS = `/dev/nvme0n1p2 / ext4 rw,relatime 0 0
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0
devtmpfs /dev devtmpfs rw,nosuid,size=4096k 0 0
tmpfs /run tmpfs rw,nosuid,nodev,size=6543k,mode=755 0 0
cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime 0 0
/dev/nvme0n1p1 /boot/efi vfat rw,relatime 0 0
/dev/md0 /data xfs rw,relatime 0 0
/dev/md0 /srv/data-bind xfs rw,relatime 0 0
/dev/sdb1 /mnt/scratch\\040space ext4 rw,relatime 0 0
overlay /var/lib/docker/overlay2/abc/merged overlay rw,relatime 0 0
/dev/loop3 /snap/core22/1380 squashfs ro,nodev,relatime 0 0
nsfs /run/netns/cni-1 nsfs rw 0 0
/dev/nvme0n1p2 /var/lib/kubelet/pods/123/volumes/x ext4 rw,relatime 0 0
10.0.0.5:/export /mnt/nfs nfs4 rw,relatime 0 0
`;

describe("mount table", () => {
  it("keeps real filesystems once per device and skips pseudo and container mounts", () => {
    expect(realMounts(parseMountTable(MOUNTS)).map((m) => m.mountPoint)).toEqual([
      "/",
      "/boot/efi",
      "/data",
      "/mnt/scratch space",
      "/mnt/nfs",
    ]);
  });
});

describe("freeSpace", () => {
  it.each<[string, StatFsResult, number | null]>([
    ["half free", { bsize: 4096, blocks: 1000, bfree: 500, bavail: 500 }, 50],
    ["reserved blocks do not count as free", { bsize: 4096, blocks: 1000, bfree: 50, bavail: 0 }, 0],
    ["df's arithmetic with a root reserve", { bsize: 4096, blocks: 1000, bfree: 150, bavail: 100 }, (100 / 950) * 100],
    ["an empty filesystem is unknown", { bsize: 4096, blocks: 0, bfree: 0, bavail: 0 }, null],
  ])("%s", (_name, stat, expected) => {
    const result = freeSpace(stat);
    if (expected === null) expect(result.freePercent).toBeNull();
    else expect(result.freePercent).toBeCloseTo(expected, 6);
  });
});

describe("DiskProbe", () => {
  it("reads a real mount point with statfs", async () => {
    const [reading] = await new DiskProbe({ mounts: [os.tmpdir()], timeoutMs: 2_000 }).read();
    expect(reading!.mountPoint).toBe(os.tmpdir());
    expect(reading!.freePercent).toBeGreaterThanOrEqual(0);
    expect(reading!.freePercent).toBeLessThanOrEqual(100);
    expect(reading!.totalBytes).toBeGreaterThan(0);
  });

  it("reports a missing mount point as unknown with the reason", async () => {
    const [reading] = await new DiskProbe({ mounts: ["/definitely/not/mounted"], timeoutMs: 2_000 }).read();
    expect(reading).toEqual({
      mountPoint: "/definitely/not/mounted",
      freePercent: null,
      availableBytes: null,
      totalBytes: null,
      error: "ENOENT",
    });
  });

  it("discovers mounts under the host root and statfs's them there, reporting host paths", async () => {
    const asked: string[] = [];
    const probe = new DiskProbe({
      mounts: "auto",
      hostRoot: "/host",
      timeoutMs: 1_000,
      readFile: async (file) => (file === "/host/proc/1/mounts" ? MOUNTS : ""),
      statfs: async (p) => {
        asked.push(p);
        return { bsize: 4096, blocks: 100, bfree: 40, bavail: 40 };
      },
    });
    const readings = await probe.read();
    expect(readings.map((r) => r.mountPoint)).toEqual(["/", "/boot/efi", "/data", "/mnt/scratch space", "/mnt/nfs"]);
    expect(asked).toEqual(["/host", "/host/boot/efi", "/host/data", "/host/mnt/scratch space", "/host/mnt/nfs"]);
  });

  it("gives up on a hung statfs and does not pile up more calls on it", async () => {
    let calls = 0;
    const probe = new DiskProbe({ mounts: ["/nfs"], timeoutMs: 50, statfs: () => (calls++, new Promise<StatFsResult>(() => {})) });
    expect((await probe.read())[0]).toMatchObject({ freePercent: null, error: expect.stringContaining("did not return") });
    expect((await probe.read())[0]).toMatchObject({ freePercent: null, error: expect.stringContaining("has not returned") });
    expect(calls).toBe(1);
  });
});
