import fs from 'node:fs';
import path from 'node:path';

/**
 * Temp files are named `.<target name>.assay-tmp-<pid>-<time>-<random>` beside their target, so
 * they say whose they are and which process owns them: a later write removes the ones whose
 * process is gone (killed with SIGKILL, a power cut), and never another live process's.
 */
const TEMP_MARK = '.assay-tmp-';

/** Temps this process has made and not yet renamed or removed; removed on a fatal signal. */
const liveTemps = new Set<string>();

function processIsAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes Assay temps of `target` left by processes that no longer run. Returns what it removed. */
export function removeStaleTemps(target: string): string[] {
  const dir = path.dirname(path.resolve(target));
  const prefix = `.${path.basename(target)}${TEMP_MARK}`;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
    if (!Number.isInteger(pid) || pid <= 0 || processIsAlive(pid)) continue;
    const file = path.join(dir, name);
    try {
      fs.rmSync(file, { force: true });
      removed.push(file);
    } catch {
      // Not ours to fight over (permissions): leave it.
    }
  }
  return removed;
}

/**
 * A temp path next to `target`, for writers that produce the file themselves; rename it over the
 * target when done (or call discardTemp). Stale temps of the same target are removed first.
 */
export function tempPathFor(target: string): string {
  const resolved = path.resolve(target);
  removeStaleTemps(resolved);
  const temp = path.join(path.dirname(resolved), `.${path.basename(resolved)}${TEMP_MARK}${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
  liveTemps.add(temp);
  return temp;
}

/** Removes a temp (if still there) and forgets it. */
export function discardTemp(temp: string): void {
  liveTemps.delete(temp);
  fs.rmSync(temp, { force: true });
}

/** Renames a finished temp over its target. */
export function commitTemp(temp: string, target: string): void {
  fs.renameSync(temp, target);
  liveTemps.delete(temp);
}

/** Removes every temp this process still has (on SIGTERM, a second Ctrl-C, or exit). */
export function removeLiveTemps(): void {
  for (const temp of liveTemps) {
    try {
      fs.rmSync(temp, { force: true });
    } catch {
      // Best effort while exiting.
    }
  }
  liveTemps.clear();
}

process.once('exit', removeLiveTemps);

/** Writes a file atomically: a temp file in the same folder, fsync, then rename over the target. */
export function writeFileAtomic(target: string, bytes: Uint8Array | string): void {
  const resolved = path.resolve(target);
  const temp = tempPathFor(resolved);
  try {
    const fd = fs.openSync(temp, 'w');
    try {
      fs.writeSync(fd, typeof bytes === 'string' ? Buffer.from(bytes) : bytes);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    commitTemp(temp, resolved);
  } finally {
    discardTemp(temp);
  }
}

/**
 * Why `target` cannot be written, in plain words naming the path as the user gave it, or null.
 * Checked before a command starts its work: a directory, a missing folder, a read-only place.
 */
export function outputPathProblem(target: string): string | null {
  const resolved = path.resolve(target);
  const dir = path.dirname(resolved);
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(resolved);
  } catch {
    stat = undefined;
  }
  if (stat?.isDirectory()) return `${target} is a folder; give a file name to write to (for example ${path.join(target, 'out' + (path.extname(target) || '.csv'))}).`;
  let dirStat: fs.Stats;
  try {
    dirStat = fs.statSync(dir);
  } catch {
    return `Cannot write ${target}: the folder ${path.dirname(target) || '.'} does not exist.`;
  }
  if (!dirStat.isDirectory()) return `Cannot write ${target}: ${path.dirname(target)} is not a folder.`;
  // Create and remove a probe beside it: the only check that holds for read-only file systems
  // and for root (who passes every permission test).
  const probe = path.join(dir, `.${path.basename(resolved)}${TEMP_MARK}${process.pid}-probe`);
  try {
    fs.writeFileSync(probe, '', { flag: 'wx' });
    fs.rmSync(probe, { force: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return null;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'the file system is read-only' : code === 'ENOSPC' ? 'the disk is full' : (code ?? 'unknown error');
    return `Cannot write ${target}: ${why} in ${path.dirname(target) || '.'}.`;
  }
  return null;
}
