import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  APP_ENTRY_URL,
  CONTENT_SECURITY_POLICY,
  contentTypeFor,
  resolveAppRequest,
  serveAppRequest,
} from '../../electron/lib/protocol-headers';

let base: string;
let dist: string;

beforeAll(async () => {
  base = await fsp.realpath(await fsp.mkdtemp(path.join(os.tmpdir(), 'assay-protocol-')));
  dist = path.join(base, 'dist');
  await fsp.mkdir(path.join(dist, 'assets'), { recursive: true });
  await fsp.writeFile(path.join(dist, 'index.html'), '<!doctype html><title>Assay</title>');
  await fsp.writeFile(path.join(dist, 'assets', 'duckdb-eh.wasm'), new Uint8Array([0, 97, 115, 109]));
  await fsp.writeFile(path.join(dist, 'assets', 'app file.js'), 'export {}');
  await fsp.writeFile(path.join(base, 'secret.txt'), 'outside the renderer root');
  await fsp.symlink(path.join(base, 'secret.txt'), path.join(dist, 'assets', 'escape.txt'));
});
afterAll(async () => {
  await fsp.rm(base, { recursive: true, force: true });
});

describe('resolveAppRequest', () => {
  it('maps app://assay/ URLs under the root, / to index.html', () => {
    expect(resolveAppRequest(dist, 'app://assay/')).toEqual({ kind: 'file', filePath: path.join(dist, 'index.html') });
    expect(resolveAppRequest(dist, 'app://assay/assets/app%20file.js?v=1#x')).toEqual({
      kind: 'file',
      filePath: path.join(dist, 'assets', 'app file.js'),
    });
  });

  it('refuses traversal in every spelling', () => {
    for (const url of [
      'app://assay/assets/..%2f..%2fsecret.txt',
      'app://assay/assets/..%5c..%5csecret.txt',
      'app://assay/%2e%2e%2fsecret.txt',
      'app://assay/index.html%00.js',
    ]) {
      const resolution = resolveAppRequest(dist, url);
      expect(resolution.kind, url).toBe('forbidden');
      if (resolution.kind === 'forbidden') expect(resolution.reason, url).toBe('path traversal');
    }
    // Plain and percent-encoded `..` segments are normalised away by the URL parser: they stay inside the root.
    expect(resolveAppRequest(dist, 'app://assay/../../secret.txt')).toEqual({ kind: 'file', filePath: path.join(dist, 'secret.txt') });
    expect(resolveAppRequest(dist, 'app://assay/assets/%2e%2e/%2e%2e/secret.txt')).toEqual({
      kind: 'file',
      filePath: path.join(dist, 'secret.txt'),
    });
  });

  it('refuses other hosts, schemes and malformed encodings', () => {
    expect(resolveAppRequest(dist, 'app://evil/index.html').kind).toBe('forbidden');
    expect(resolveAppRequest(dist, 'file:///etc/passwd').kind).toBe('forbidden');
    expect(resolveAppRequest(dist, 'https://assay/index.html').kind).toBe('forbidden');
    expect(resolveAppRequest(dist, 'app://assay/%E0%A4%A').kind).toBe('forbidden');
    expect(resolveAppRequest(dist, 'not a url').kind).toBe('forbidden');
  });
});

describe('serveAppRequest', () => {
  it('serves files with cross-origin isolation, CSP and the right content type', async () => {
    const response = await serveAppRequest(dist, APP_ENTRY_URL);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<title>Assay</title>');
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(response.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(response.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);

    const wasm = await serveAppRequest(dist, 'app://assay/assets/duckdb-eh.wasm');
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    expect(new Uint8Array(await wasm.arrayBuffer())).toEqual(new Uint8Array([0, 97, 115, 109]));
  });

  it('answers 403 for traversal and symlinks out of the root, 404 for missing files and folders', async () => {
    const traversal = await serveAppRequest(dist, 'app://assay/assets/..%2f..%2f..%2fsecret.txt');
    expect(traversal.status).toBe(403);
    expect(traversal.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect((await serveAppRequest(dist, 'app://assay/assets/escape.txt')).status).toBe(403);
    expect((await serveAppRequest(dist, 'app://assay/assets/%2e%2e/%2e%2e/secret.txt')).status).toBe(404);
    expect((await serveAppRequest(dist, 'app://assay/missing.js')).status).toBe(404);
    expect((await serveAppRequest(dist, 'app://assay/assets')).status).toBe(404);
    expect((await serveAppRequest(dist, 'app://evil/index.html')).status).toBe(403);
  });
});

describe('the content security policy', () => {
  const directives = new Map(
    CONTENT_SECURITY_POLICY.split(';').map((part) => {
      const [name, ...values] = part.trim().split(/\s+/);
      return [name!, values] as const;
    }),
  );

  it('allows WebAssembly compilation but no script eval and no remote origins', () => {
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(directives.get('script-src')).not.toContain("'unsafe-eval'");
    expect(directives.get('script-src')).not.toContain("'unsafe-inline'");
    expect(directives.get('worker-src')).toEqual(["'self'", 'blob:']);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    for (const values of directives.values()) {
      for (const value of values) expect(value).not.toMatch(/^(https?:|\*|ws:)/);
    }
  });

  it('knows the types the renderer build emits', () => {
    expect(contentTypeFor('a.JS')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeFor('a.css')).toBe('text/css; charset=utf-8');
    expect(contentTypeFor('a.woff2')).toBe('font/woff2');
    expect(contentTypeFor('a.unknown')).toBe('application/octet-stream');
  });
});
