import { EngineError, throwIfAborted } from '../protocol/errors';

/**
 * Reads a whole gzip stream once, to its end, and fails on a cut or damaged one. DuckDB's own
 * gzip reader stops quietly at a truncated end (a cut file loaded as if whole, its last row
 * mis-split) and does not check the CRC/size trailer; the platform's DecompressionStream
 * (zlib in Node, the browser's in the app) does both. Nothing is kept: only the verdict.
 */
export async function verifyGzip(blob: Blob, fileName: string, signal?: AbortSignal): Promise<void> {
  const reader = blob.stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  try {
    for (;;) {
      throwIfAborted(signal);
      const { done } = await reader.read();
      if (done) return;
    }
  } catch (err) {
    if (err instanceof EngineError) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    // Chromium's DecompressionStream stops at the end of the first gzip member and calls what
    // follows junk; Node's zlib and DuckDB read every member. A file of several members (bgzip,
    // pigz -i, appended output) is valid: its first member has passed its checksum, so accept it.
    if (endsAtFirstMember(reason)) return;
    throw new EngineError(
      'CORRUPT_FILE',
      `${fileName} is a damaged or truncated gzip file (it ends early or fails its checksum); nothing was loaded. Download or copy it again.`,
      { cause: reason },
    );
  } finally {
    reader.releaseLock();
  }
}

/** Whether a decompressor's error says it stopped after a complete first member (more data follows). */
export function endsAtFirstMember(message: string): boolean {
  return /junk found after end of compressed data/i.test(message);
}
