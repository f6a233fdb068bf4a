/**
 * Benchmark: Assay's k-means (WASM SIMD kernel, one thread) against scikit-learn's
 * KMeans(algorithm='lloyd', n_init=1, tol=0) with one thread (OMP_NUM_THREADS=1 and
 * threadpoolctl), from the same initial centroids on the same seeded standardised data, in the
 * same run; plus a k sweep 2..12 through the real engine job (cluster.sweep, DuckDB in-process).
 *
 *   node bin/run-ts.mjs test/bench/kmeans.ts [--rows N] [--iterations N] [--skip-sweep]
 *
 * scikit-learn runs on float64 (its default for numpy data) and again on float32 (Assay scores in
 * float32 and decides close calls in float64). Per-iteration time = fit time / iterations, for
 * both. Prints figures and ratios (Assay / scikit-learn, lower is better); asserts nothing.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Table, makeVector, tableToIPC, type Float64, type Vector } from 'apache-arrow';
import { createRng } from '../../workers/gbdt/rng';
import { createWasmKmeansKernel, type KmeansData } from '../../workers/cluster/kernel';
import { kmeansPlusPlus, runKmeans } from '../../workers/cluster/kmeans';
import { createInProcessEngine, loadParquetNode } from '../../workers/node/engine-node';

const PYTHON = '/usr/bin/python3';

export interface KmeansBenchOptions {
  rows?: number;
  dims?: number;
  ks?: number[];
  iterations?: number;
  /** Run the k sweep 2..12 through the engine (default true). */
  sweep?: boolean;
  log?: (line: string) => void;
}

/**
 * Seeded data: independent normal floats, then every column standardised (mean 0, std 1). No
 * cluster structure, so Lloyd keeps moving for the 100 iterations instead of converging early.
 */
export function benchData(n: number, d: number, seed = 42): KmeansData {
  const rng = createRng(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(Math.max(rng(), 1e-12))) * Math.cos(2 * Math.PI * rng());
  const x = new Float32Array(n * d);
  for (let i = 0; i < n * d; i++) x[i] = gauss();
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += x[i * d + j] as number;
    mean /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += ((x[i * d + j] as number) - mean) ** 2;
    const std = Math.sqrt(v / n) || 1;
    for (let i = 0; i < n; i++) x[i * d + j] = ((x[i * d + j] as number) - mean) / std;
  }
  return { x, n, d };
}

interface SklearnFigure {
  dtype: string;
  seconds: number;
  cpuSeconds: number;
  iterations: number;
  inertia: number;
}

function runSklearn(dir: string, n: number, d: number, k: number, iterations: number): SklearnFigure[] | { error: string } {
  const script = `
import json, time, numpy as np
from threadpoolctl import threadpool_limits
from sklearn.cluster import KMeans
X32 = np.fromfile(${JSON.stringify(path.join(dir, 'x.f32'))}, dtype=np.float32).reshape(${n}, ${d})
init = np.fromfile(${JSON.stringify(path.join(dir, `init${k}.f64`))}, dtype=np.float64).reshape(${k}, ${d})
out = []
with threadpool_limits(limits=1):
    for dtype in (np.float64, np.float32):
        X = X32.astype(dtype)
        km = KMeans(n_clusters=${k}, init=init.astype(dtype), n_init=1, max_iter=${iterations}, tol=0, algorithm='lloyd')
        t = time.perf_counter()
        c = time.process_time()
        km.fit(X)
        out.append({'dtype': np.dtype(dtype).name, 'seconds': time.perf_counter() - t, 'cpuSeconds': time.process_time() - c, 'iterations': int(km.n_iter_), 'inertia': float(km.inertia_)})
print(json.dumps(out))`;
  const env = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  const r = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8', env, maxBuffer: 16 * 1024 * 1024 });
  if (r.status !== 0) return { error: (r.stderr || r.error?.message || 'python failed').trim().split('\n').slice(-3).join(' ') };
  return JSON.parse(r.stdout) as SklearnFigure[];
}

const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;

/** Process CPU seconds (user + system, all threads): on a shared machine wall time alone misleads. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** k-means against scikit-learn (per iteration, same init) and a 2..12 sweep on the engine. Returns the figures. */
export async function runKmeansBench(options: KmeansBenchOptions = {}): Promise<Record<string, unknown>> {
  const n = options.rows ?? 1_000_000;
  const d = options.dims ?? 16;
  const ks = options.ks ?? [8, 32];
  const iterations = options.iterations ?? 100;
  const log = options.log ?? ((line: string) => console.log(line));
  const results: Record<string, unknown> = { rows: n, dims: d, iterations };
  log(`k-means: ${n.toLocaleString('en-US')} x ${d} standardised floats, ${iterations} Lloyd iterations (tol 0), one thread each`);
  const data = benchData(n, d);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-kmeans-bench-'));
  try {
    fs.writeFileSync(path.join(dir, 'x.f32'), new Uint8Array(data.x.buffer, data.x.byteOffset, data.x.byteLength));
    const haveSklearn = spawnSync(PYTHON, ['-c', 'import sklearn, threadpoolctl'], { encoding: 'utf8' }).status === 0;
    if (!haveSklearn) log(`  scikit-learn reference skipped: ${PYTHON} has no sklearn/threadpoolctl`);
    for (const k of ks) {
      const init = kmeansPlusPlus(data, k, createRng(k));
      fs.writeFileSync(path.join(dir, `init${k}.f64`), new Uint8Array(init.buffer));
      const kernel = createWasmKmeansKernel();
      const started = performance.now();
      const cpuStarted = cpuSeconds();
      const ours = await runKmeans(kernel, data, { k, init, maxIter: iterations, tol: 0, orderBySize: false });
      const seconds = (performance.now() - started) / 1000;
      const cpu = cpuSeconds() - cpuStarted;
      kernel.dispose();
      const perIter = (seconds * 1000) / ours.iterations;
      const cpuPerIter = (cpu * 1000) / ours.iterations;
      const entry: Record<string, unknown> = { assay: { seconds, cpuSeconds: cpu, iterations: ours.iterations, msPerIteration: perIter, cpuMsPerIteration: cpuPerIter, inertia: ours.inertia } };
      log(`  k=${k}: Assay ${perIter.toFixed(1)} ms/iteration wall, ${cpuPerIter.toFixed(1)} ms CPU (${ours.iterations} iterations, inertia ${ours.inertia.toPrecision(9)})`);
      if (haveSklearn) {
        const sk = runSklearn(dir, n, d, k, iterations);
        if ('error' in sk) {
          log(`    scikit-learn failed: ${sk.error}`);
          entry.sklearnError = sk.error;
        } else {
          entry.sklearn = sk;
          for (const f of sk) {
            const theirs = (f.seconds * 1000) / f.iterations;
            const theirsCpu = (f.cpuSeconds * 1000) / f.iterations;
            const inertiaDiff = (ours.inertia - f.inertia) / f.inertia;
            log(
              `    scikit-learn ${f.dtype}: ${theirs.toFixed(1)} ms/iteration wall, ${theirsCpu.toFixed(1)} ms CPU (${f.iterations} iterations, inertia ${f.inertia.toPrecision(9)}); ` +
                `ratio wall ${ratio(perIter, theirs)}, CPU ${ratio(cpuPerIter, theirsCpu)}; inertia diff ${(inertiaDiff * 100).toExponential(2)}%`,
            );
          }
        }
      }
      results[`k${k}`] = entry;
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  if (options.sweep ?? true) {
    const engine = await createInProcessEngine();
    try {
      const columns: Record<string, Vector<Float64>> = {};
      for (let j = 0; j < d; j++) {
        const col = new Float64Array(n);
        for (let i = 0; i < n; i++) col[i] = data.x[i * d + j] as number;
        columns[`f${j}`] = makeVector(col);
      }
      // The same rows, into DuckDB as Parquet (the engine's loader), then the real sweep job.
      const parquet = await loadParquetNode();
      const bytes = parquet.writeParquet(parquet.Table.fromIPCStream(tableToIPC(new Table(columns), 'stream')));
      await engine.client.run('data.open', { source: { kind: 'bytes', name: 'bench.parquet', bytes }, tableName: 'bench' });
      const started = performance.now();
      const cpuStarted = cpuSeconds();
      const sweep = await engine.client.run('cluster.sweep', { source: { table: 'bench' }, allNumeric: true, kFrom: 2, kTo: 12, seed: 1, preprocessing: { log1p: 'none' } });
      const seconds = (performance.now() - started) / 1000;
      const cpu = cpuSeconds() - cpuStarted;
      log(`  sweep k=2..12 on ${n.toLocaleString('en-US')} rows (cluster.sweep job, ${sweep.miniBatch ? 'mini-batch' : 'Lloyd'}, reading + preprocessing included): ${seconds.toFixed(1)} s wall, ${cpu.toFixed(1)} s CPU (target < 30 s)`);
      for (const p of sweep.points) log(`    k=${p.k}: inertia ${p.inertia.toPrecision(6)}, silhouette ${p.silhouette?.toFixed(4)}, ${p.iterations} iterations, ${(p.elapsedMs / 1000).toFixed(2)} s`);
      results.sweep = { seconds, cpuSeconds: cpu, miniBatch: sweep.miniBatch, points: sweep.points.map((p) => ({ k: p.k, inertia: p.inertia, silhouette: p.silhouette, iterations: p.iterations, ms: p.elapsedMs })) };
    } finally {
      await engine.close();
    }
  }
  return results;
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const results = await runKmeansBench({
    rows: arg('rows') ? Number(arg('rows')) : undefined,
    iterations: arg('iterations') ? Number(arg('iterations')) : undefined,
    sweep: !process.argv.includes('--skip-sweep'),
  });
  console.log(JSON.stringify(results));
}
