// The `app://assay/` protocol that serves the built renderer (dist/) inside Electron. Kept free of
// Electron so tests can check path resolution and headers directly; main.ts only adapts it to
// `protocol.handle`.
import { promises as fsp } from 'node:fs';
import path from 'node:path';

import { isInsideDirectory } from './paths';

export const APP_SCHEME = 'app';
export const APP_HOST = 'assay';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * What the renderer needs and nothing more: DuckDB-WASM and parquet-wasm compile WebAssembly
 * ('wasm-unsafe-eval') fetched from the app itself; DuckDB may start workers from blob: URLs; Plotly
 * injects <style> elements and draws images from data:/blob: URLs. No remote origin is reachable.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self' blob: data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
};

export function contentTypeFor(filePath: string): string {
  return MIME_TYPES[path.extname(filePath).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Headers on every response: cross-origin isolation (COOP + COEP, so SharedArrayBuffer and threaded
 * WASM are available), CORP so the app's own subresources pass COEP, the CSP, and no MIME sniffing.
 */
export function securityHeaders(contentType: string): Record<string, string> {
  return {
    'Content-Type': contentType,
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
  };
}

export type AppRequestResolution =
  | { kind: 'file'; filePath: string }
  | { kind: 'forbidden'; reason: string };

/**
 * Maps an `app://assay/...` URL to a file under `rootDir`. Refuses other schemes and hosts, encoded
 * separators, `..` segments (also percent-encoded) and NUL; `/` means index.html. Lexical only.
 */
export function resolveAppRequest(rootDir: string, requestUrl: string): AppRequestResolution {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return { kind: 'forbidden', reason: 'unparseable URL' };
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) {
    return { kind: 'forbidden', reason: `not an ${APP_ORIGIN}/ URL` };
  }
  const segments: string[] = [];
  for (const rawSegment of url.pathname.split('/')) {
    if (rawSegment === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(rawSegment);
    } catch {
      return { kind: 'forbidden', reason: 'malformed percent-encoding' };
    }
    if (segment === '.' || segment === '..' || /[\\/\0]/.test(segment)) {
      return { kind: 'forbidden', reason: 'path traversal' };
    }
    segments.push(segment);
  }
  const root = path.resolve(rootDir);
  const filePath = segments.length === 0 ? path.join(root, 'index.html') : path.join(root, ...segments);
  if (!isInsideDirectory(root, filePath) || filePath === root) {
    return { kind: 'forbidden', reason: 'path traversal' };
  }
  return { kind: 'file', filePath };
}

function textResponse(status: number, message: string): Response {
  return new Response(message, { status, headers: securityHeaders('text/plain; charset=utf-8') });
}

/**
 * Serves one request from `rootDir`: 403 for refused URLs (including symlinks leading out of the
 * root), 404 for missing files, otherwise the bytes with `securityHeaders`.
 */
export async function serveAppRequest(rootDir: string, requestUrl: string): Promise<Response> {
  const resolution = resolveAppRequest(rootDir, requestUrl);
  if (resolution.kind === 'forbidden') return textResponse(403, `Forbidden: ${resolution.reason}`);
  try {
    const [realRoot, realFile] = await Promise.all([
      fsp.realpath(path.resolve(rootDir)),
      fsp.realpath(resolution.filePath),
    ]);
    if (!isInsideDirectory(realRoot, realFile)) return textResponse(403, 'Forbidden: path traversal');
    const stat = await fsp.stat(realFile);
    if (!stat.isFile()) return textResponse(404, 'Not found');
    const bytes = await fsp.readFile(realFile);
    // readFile allocates a fresh ArrayBuffer; view it without copying.
    const body = new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
    return new Response(body, { status: 200, headers: securityHeaders(contentTypeFor(realFile)) });
  } catch {
    return textResponse(404, 'Not found');
  }
}
