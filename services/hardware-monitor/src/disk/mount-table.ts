export interface MountEntry {
  readonly device: string;
  readonly mountPoint: string;
  readonly fsType: string;
}

/**
 * Filesystems that hold no user data, after node_exporter's default
 * exclusions plus the memory-backed ones (tmpfs, ramfs): watching them
 * would only produce noise.
 */
const PSEUDO_FS_TYPES = new Set([
  "autofs",
  "binfmt_misc",
  "bpf",
  "cgroup",
  "cgroup2",
  "configfs",
  "debugfs",
  "devpts",
  "devtmpfs",
  "efivarfs",
  "erofs",
  "fuse.gvfsd-fuse",
  "fuse.lxcfs",
  "fuse.portal",
  "fusectl",
  "hugetlbfs",
  "iso9660",
  "mqueue",
  "nfsd",
  "nsfs",
  "overlay",
  "proc",
  "procfs",
  "pstore",
  "ramfs",
  "rootfs",
  "rpc_pipefs",
  "securityfs",
  "selinuxfs",
  "squashfs",
  "sysfs",
  "tmpfs",
  "tracefs",
]);

/** Mount points node_exporter skips: kernel interfaces and container runtimes' private mounts. */
const EXCLUDED_MOUNT_POINTS =
  /^\/(dev|proc|sys|run\/credentials\/.+|var\/lib\/docker\/.+|var\/lib\/containers\/storage\/.+|var\/lib\/kubelet\/pods\/.+)($|\/)/;

/** /proc/self/mounts escapes space, tab, newline and backslash as octal. */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

export function parseMountTable(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split("\n")) {
    const [device, mountPoint, fsType] = line.trim().split(/\s+/);
    if (!device || !mountPoint || !fsType) continue;
    entries.push({ device: unescape(device), mountPoint: unescape(mountPoint), fsType });
  }
  return entries;
}

/**
 * The filesystems worth watching: real ones only, each device once (bind
 * mounts of one filesystem share its free space), first mount point wins.
 */
export function realMounts(entries: readonly MountEntry[]): MountEntry[] {
  const seenDevices = new Set<string>();
  const result: MountEntry[] = [];
  for (const entry of entries) {
    if (PSEUDO_FS_TYPES.has(entry.fsType) || EXCLUDED_MOUNT_POINTS.test(entry.mountPoint)) continue;
    if (seenDevices.has(entry.device)) continue;
    seenDevices.add(entry.device);
    result.push(entry);
  }
  return result;
}
