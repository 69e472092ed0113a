/**
 * The per-user folder for a run's secrets on this machine (control files with the run token, token files):
 * `<tmp>/rookery-<uid>`. /tmp is shared, so the folder is checked every time before it is trusted: a real
 * folder (not a symlink), owned by this user, closed to everyone else (mode 0700). Anything else is refused
 * with a message that says how to fix it, never silently used.
 */
import { chmodSync, lstatSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { basename, dirname, join } from 'node:path';

export class PrivateDirError extends Error {
  override name = 'PrivateDirError';
}

function uidOrName(): string {
  if (typeof process.getuid === 'function') return String(process.getuid());
  try {
    return userInfo().username.replace(/[^A-Za-z0-9_.-]/g, '_');
  } catch {
    return 'user';
  }
}

export function privateDirPath(root: string = tmpdir()): string {
  return join(root, `rookery-${uidOrName()}`);
}

/** Verifies (creating it 0700 when absent) and returns the private folder. Throws PrivateDirError otherwise. */
export function privateDir(root: string = tmpdir()): string {
  const dir = privateDirPath(root);
  try {
    mkdirSync(dir, { mode: 0o700 });
    // The mode passed to mkdir is filtered by the umask; say exactly what we mean.
    chmodSync(dir, 0o700);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new PrivateDirError(`cannot create ${dir} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  checkPrivate(dir);
  return dir;
}

/** Throws unless `dir` is a real folder owned by this user with no access for group or others. */
export function checkPrivate(dir: string): void {
  const st = lstatSync(dir);
  if (st.isSymbolicLink()) throw new PrivateDirError(`${dir} is a symbolic link, not a folder; remove it (another user may have planted it)`);
  if (!st.isDirectory()) throw new PrivateDirError(`${dir} is not a folder; remove it`);
  if (typeof process.getuid !== 'function') return; // no owners or modes to check (Windows)
  if (st.uid !== process.getuid()) throw new PrivateDirError(`${dir} belongs to uid ${st.uid}, not to you (uid ${process.getuid()}); remove it or set TMPDIR elsewhere`);
  if ((st.mode & 0o077) !== 0) throw new PrivateDirError(`${dir} is open to other users (mode ${(st.mode & 0o777).toString(8)}); run \`chmod 700 ${dir}\``);
}

/** Writes a secret file (mode 0600) atomically into a checked private folder. */
export function writePrivateFile(path: string, text: string): void {
  checkPrivate(dirname(path));
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text, { mode: 0o600, flag: 'w' });
    chmodSync(tmp, 0o600);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
