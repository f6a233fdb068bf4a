import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const repoRoot = path.dirname(fileURLToPath(import.meta.url));
const samplesDir = path.join(repoRoot, 'samples');
const outDir = path.join(repoRoot, 'dist');

/**
 * Cross-origin isolation (SharedArrayBuffer for threaded WASM compute backends). The engine
 * still picks DuckDB's single-threaded bundle on purpose (see workers/browser/driver-browser.ts).
 */
const isolationHeaders: Record<string, string> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const CONTENT_TYPES: Record<string, string> = {
  '.csv': 'text/csv; charset=utf-8',
  '.tsv': 'text/tab-separated-values; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.json': 'application/json',
  '.parquet': 'application/octet-stream',
  '.gz': 'application/gzip',
};

/** Serves samples/ at /samples/ in dev and copies it into dist/samples at build. */
function samplesPlugin(): Plugin {
  const serve = (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith('/samples/')) return next();
    const relative = decodeURIComponent(url.pathname.slice('/samples/'.length));
    const file = path.resolve(samplesDir, relative);
    // Refuse anything outside samples/ (../ in the URL).
    if (!file.startsWith(samplesDir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) return next();
    res.statusCode = 200;
    for (const [name, value] of Object.entries(isolationHeaders)) res.setHeader(name, value);
    res.setHeader('Content-Type', CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream');
    res.setHeader('Content-Length', String(fs.statSync(file).size));
    fs.createReadStream(file).pipe(res);
  };
  return {
    name: 'assay-samples',
    configureServer(server) {
      server.middlewares.use(serve);
    },
    writeBundle() {
      if (!fs.existsSync(samplesDir)) return;
      fs.cpSync(samplesDir, path.join(outDir, 'samples'), { recursive: true });
    },
  };
}

/**
 * The strict CSP in index.html is for the built app. The dev server injects an inline script
 * (React fast refresh), so in dev the meta tag is dropped.
 */
function devCspPlugin(): Plugin {
  return {
    name: 'assay-dev-csp',
    apply: 'serve',
    transformIndexHtml(html) {
      return html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>\s*/i, '');
    },
  };
}

/**
 * Plotly's script (the 1.3 MB cartesian bundle) runs as one long task on the UI thread when it is
 * evaluated. V8's explicit compile hint (Chromium 136+, other engines ignore the comment) compiles its
 * functions while the file streams in, off the UI thread: that task was ~40% shorter (npm run bench -- --only ui).
 */
function plotlyCompileHintPlugin(): Plugin {
  return {
    name: 'assay-plotly-compile-hint',
    apply: 'build',
    generateBundle(_options, bundle) {
      for (const file of Object.values(bundle)) {
        if (file.type !== 'asset' || !/^assets\/plotly-cartesian\.min-[\w-]+\.js$/.test(file.fileName)) continue;
        const text = typeof file.source === 'string' ? file.source : new TextDecoder().decode(file.source);
        file.source = `//# allFunctionsCalledOnLoad\n${text}`;
      }
    },
  };
}

export default defineConfig({
  root: path.join(repoRoot, 'renderer'),
  base: './',
  plugins: [react(), samplesPlugin(), devCspPlugin(), plotlyCompileHintPlugin()],
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    // DuckDB's wasm files are ~35 MB; they are fetched by the worker, never inlined.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 5000,
    // Gzip-sizing 80 MB of wasm doubles the build time and tells us nothing.
    reportCompressedSize: false,
  },
  worker: {
    format: 'es',
  },
  optimizeDeps: {
    // Loaded through explicit ?url assets; pre-bundling would move them away from their wasm files.
    exclude: ['@duckdb/duckdb-wasm', 'parquet-wasm'],
  },
  server: {
    host: '127.0.0.1',
    headers: isolationHeaders,
    fs: { allow: [repoRoot] },
  },
  preview: {
    host: '127.0.0.1',
    headers: isolationHeaders,
  },
});
