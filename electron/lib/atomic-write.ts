// Atomic file replacement for the Electron main process: the target either keeps its old bytes or has
// the complete new ones, never a torn mix, even if the process dies mid-write or the disk fills up.
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';

export type AtomicWriteSource = Uint8Array | string | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export interface AtomicWriteOptions {
  /** File mode for a new file; an existing target keeps its own mode. */
  mode?: number;
  /** Test seam: runs after the temp file is fsynced and closed, just before the rename. */
  beforeRename?: (tempPath: string) => Promise<void> | void;
}

const TEMP_SUFFIX = '.assay-tmp';

/** The temp file lives in the target's folder so the final rename never crosses file systems. */
export function tempPathFor(targetPath: string): string {
  const resolved = path.resolve(targetPath);
  const unique = `${process.pid}-${randomBytes(6).toString('hex')}`;
  return path.join(path.dirname(resolved), `.${path.basename(resolved)}.${unique}${TEMP_SUFFIX}`);
}

/** True for names `tempPathFor` produces (a crash can leave one behind; it is safe to delete). */
export function isAtomicTempName(fileName: string): boolean {
  return fileName.startsWith('.') && fileName.endsWith(TEMP_SUFFIX);
}

function isChunkIterable(source: AtomicWriteSource): source is AsyncIterable<Uint8Array> | Iterable<Uint8Array> {
  return typeof source !== 'string' && !(source instanceof Uint8Array);
}

async function existingMode(targetPath: string): Promise<number | undefined> {
  try {
    return (await fsp.stat(targetPath)).mode & 0o7777;
  } catch {
    return undefined;
  }
}

/** fsync of the folder makes the rename itself durable on POSIX; Windows cannot open folders this way. */
async function syncDirectory(dirPath: string): Promise<void> {
  if (process.platform === 'win32') return;
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(dirPath, 'r');
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on folders; the data itself is already synced.
  } finally {
    await handle?.close();
  }
}

/**
 * Writes `source` to `targetPath` atomically: a fresh temp file in the same folder, every byte written,
 * fsync, close, rename over the target, fsync the folder. On any failure the temp file is removed and
 * the target is untouched. Streams (async iterables of chunks) are written chunk by chunk.
 */
export async function writeFileAtomic(
  targetPath: string,
  source: AtomicWriteSource,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const resolvedTarget = path.resolve(targetPath);
  const tempPath = tempPathFor(resolvedTarget);
  const mode = (await existingMode(resolvedTarget)) ?? options.mode ?? 0o644;
  // 'wx' fails if the temp name somehow exists, so two writers never share one temp file.
  const handle = await fsp.open(tempPath, 'wx', mode);
  let handleClosed = false;
  try {
    if (isChunkIterable(source)) {
      for await (const chunk of source) {
        await handle.write(chunk);
      }
    } else {
      await handle.writeFile(source);
    }
    await handle.sync();
    await handle.close();
    handleClosed = true;
    await options.beforeRename?.(tempPath);
    await fsp.rename(tempPath, resolvedTarget);
  } catch (error) {
    if (!handleClosed) await handle.close().catch(() => undefined);
    await fsp.rm(tempPath, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(path.dirname(resolvedTarget));
}
