import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';

/**
 * Files Meetronde writes (the embedded database, the generated secret, anything written to disk)
 * are for its own user only: the embedded database's WAL holds password hashes and personal data.
 */

/** Makes every file this process creates from now on private (0600 files, 0700 folders). */
export function restrictFileCreation(): void {
  // Worker threads cannot change the umask; the process that started them already did.
  if (!isMainThread) return;
  process.umask(process.umask() | 0o077);
}

/** Creates `dir` (and parents) if needed, and makes it 0700. */
export function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    chmodSync(dir, 0o700);
  } catch (error) {
    // A folder of another user (a mounted volume): leave it, its owner decides.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
  }
}

/**
 * Takes group and other permissions off everything under `dir` (a folder an older version, or
 * another tool, left readable). Symbolic links are left alone. Returns how many entries changed.
 */
export function makeTreePrivate(dir: string): number {
  let changed = 0;
  const visit = (entry: string) => {
    const stat = lstatSync(entry);
    if (stat.isSymbolicLink()) return;
    if ((stat.mode & 0o077) !== 0) {
      chmodSync(entry, stat.mode & 0o700);
      changed++;
    }
    if (stat.isDirectory()) for (const name of readdirSync(entry)) visit(path.join(entry, name));
  };
  visit(dir);
  return changed;
}
