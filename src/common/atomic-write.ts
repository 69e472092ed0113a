/**
 * Atomic file writes for every output (results, checkpoints, HTML, visual artifacts, baselines): a temp file in
 * the same folder, then rename — a reader (or a crash at any moment) sees the old file or the new one, never half
 * of one.
 */
import { mkdirSync, realpathSync, renameSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';

/** Kernel filesystems that hold no user files (statfs f_type, from linux/magic.h). */
const SPECIAL_FILESYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x1cd1, 'devpts'],
  [0x64626720, 'debugfs'],
  [0x73636673, 'securityfs'],
  [0x74726163, 'tracefs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0xcafe4a11, 'bpf'],
  [0x6165676c, 'pstore'],
  [0xde5e81e4, 'efivarfs'],
  [0x62656570, 'configfs'],
  [0x42494e4d, 'binfmt_misc'],
]);

/** Trees that are device or kernel views even when their filesystem type does not say so (devtmpfs is tmpfs). */
const SPECIAL_TREES = ['/proc', '/sys', '/dev'] as const;
const ALLOWED_UNDER_SPECIAL = ['/dev/shm'] as const;

function under(path: string, root: string): boolean {
  return path === root || path.startsWith(root + sep);
}

/**
 * When `path` (or its nearest existing ancestor) lies on a kernel filesystem, what it is ("under /proc, a kernel
 * filesystem", "on a sysfs filesystem"); undefined for ordinary places. Cheap: a realpath and a statfs.
 */
export function specialFilesystemAt(path: string): string | undefined {
  let existing = path;
  let real: string | undefined;
  for (;;) {
    try {
      real = realpathSync(existing);
      break;
    } catch {
      const up = dirname(existing);
      if (up === existing) return undefined;
      existing = up;
    }
  }
  const tree = SPECIAL_TREES.find((root) => under(real, root) && !ALLOWED_UNDER_SPECIAL.some((ok) => under(real, ok)));
  if (tree) return `under ${tree}, a kernel filesystem`;
  try {
    const fsType = SPECIAL_FILESYSTEMS.get(Number(statfsSync(real).type));
    if (fsType) return `on a ${fsType} filesystem`;
  } catch {
    // statfs unsupported: the write itself will say what is wrong.
  }
  return undefined;
}

/** A recursive mkdir under /proc spins forever in Node: refuse kernel filesystems before creating anything. */
function refuseSpecial(path: string): void {
  const special = specialFilesystemAt(dirname(path));
  if (special) throw new Error(`${path} is ${special}, which cannot hold files; write somewhere else`);
}

function tempNameFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 8)}.tmp`);
}

/** mkdir's EEXIST/ENOTDIR ("file already exists, mkdir …") said plainly: something on the way is a file. */
function folderError(path: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== 'EEXIST' && code !== 'ENOTDIR') return err;
  const wrapped = new Error(`${code}: cannot create the folder ${dirname(path)}: a file is in the way`) as NodeJS.ErrnoException;
  wrapped.code = code;
  return wrapped;
}

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  refuseSpecial(path);
  await mkdir(dirname(path), { recursive: true }).catch((err: unknown) => {
    throw folderError(path, err);
  });
  const tmp = tempNameFor(path);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** The same, synchronously (artifact writers that run in synchronous code). */
export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  refuseSpecial(path);
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (err) {
    throw folderError(path, err);
  }
  const tmp = tempNameFor(path);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
