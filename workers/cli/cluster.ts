/**
 * `assay cluster FILE ...`: k-means segments for every row of a file, through the same jobs the
 * app uses (cluster.sweep, cluster.run, segments.portrait for the report).
 */
import path from 'node:path';
import fs from 'node:fs';
import { parseBackendOption } from './backend-option';
import { EngineError, addSegmentTags, parseTagSet, parseTagSetJson, type ClusterResult, type ClusterSweepResult, type PortraitResult, type PreprocessOptions, type TagSet } from '../api';
import { writeFileAtomic } from '../node/atomic-write';
import { fileSnapshot, requireUnchanged } from './tag-set-file';
import { EXIT, UsageError, defaultIo, openFiles, outputFormat, parseCommandLine, requireFile, runCommand, withEngine, writeOutput, type Io } from './common';

export const CLUSTER_HELP = `Usage: assay cluster FILE (--features a,b,...|--all-numeric) --k N --out FILE [options]

Splits the rows of FILE into k segments with k-means (k-means++ seeding, Lloyd iterations) on
preprocessed features: missing numbers imputed by the median, skewed non-negative columns
log1p-transformed, then standardised; text features one-hot encoded. The output has one row per
input row, in input order: the input columns, then "segment" (0 = the largest segment).
Prints the result as JSON: sizes, metrics (inertia, silhouette, Davies-Bouldin,
Calinski-Harabasz) and, with --sweep, the same metrics per k.

Options:
  --features a,b,...   Feature columns (numbers, booleans, dates, text with few levels)
  --all-numeric        Every numeric and boolean column (the default when --features is absent)
  --k N                Number of segments (required unless --sweep; then the best silhouette's k)
  --sweep A..B         Also run every k from A to B (e.g. 2..12) and report the metrics per k
  --seed N             Seed for seeding and sampling (default 0)
  --n-init N           k-means++ restarts; the lowest inertia is kept (default 3, 1 above 200,000 rows)
  --max-iter N         Lloyd iterations (default 300)
  --scaling S          standard (default), robust or none
  --log1p L            auto (default: skewness > 1 and no negative values), none, or a,b,...
  --impute I           median (default), mean, or none (missing values are an error)
  --mini-batch         Mini-batch k-means (1024 rows per step), for very large files
  --backend B          auto (default: WebGPU on a hardware GPU, else WASM), webgpu, or wasm (also: cpu)
  --out FILE           Output file, .csv or .parquet (required)
  --report FILE.json   Also write a report: sizes, centroids in original units, metrics, the
                       preprocessing, and a portrait card per segment
  --tags FILE.json     Also save one draft segment tag per segment into a tag set (created if
                       missing; tags of the same segmentation are replaced, not copied), each
                       carrying the preprocessing and centroids, named by its portrait card
  --tag-ref NAME       What the tags call the segmentation (default: FILE's name and k)
  --tag-group G        Taxonomy group of the tags (default behaviour)
  -h, --help           Show this help`;



function wholeNumber(name: string, value: unknown, min: number): number | undefined {
  if (value === undefined) return undefined;
  const v = Number(value);
  if (!Number.isInteger(v) || v < min) throw new UsageError(`--${name} must be a whole number >= ${min} (got ${String(value)}).`);
  return v;
}

function parseSweep(value: unknown): { from: number; to: number } | undefined {
  if (value === undefined) return undefined;
  const match = /^\s*(\d+)\s*(?:\.\.|-|:)\s*(\d+)\s*$/.exec(String(value));
  if (!match) throw new UsageError(`--sweep must look like 2..12 (got ${String(value)}).`);
  const from = Number(match[1]);
  const to = Number(match[2]);
  if (from < 1 || to < from) throw new UsageError(`--sweep needs 1 <= A <= B (got ${String(value)}).`);
  if (to - from > 49) throw new UsageError('--sweep covers at most 50 values of k.');
  return { from, to };
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')} (got ${String(value)}).`);
  return value as T;
}



/** The tag set in `file`, or an empty one when there is no such file. */
function readTagSetFile(file: string): TagSet {
  if (!fs.existsSync(file)) return parseTagSet({ tags: [] });
  return parseTagSetJson(fs.readFileSync(file, 'utf8'), file);
}

function round(v: number | null, digits = 6): number | null {
  return v === null ? null : Number(v.toPrecision(digits));
}

function sweepSummary(sweep: ClusterSweepResult): unknown {
  return {
    bestSilhouetteK: sweep.bestSilhouetteK,
    silhouetteRows: sweep.silhouetteRows,
    points: sweep.points.map((p) => ({
      k: p.k,
      inertia: round(p.inertia),
      silhouette: round(p.silhouette),
      daviesBouldin: round(p.daviesBouldin),
      calinskiHarabasz: round(p.calinskiHarabasz),
      iterations: p.iterations,
      sizes: p.sizes,
    })),
  };
}

function runSummary(result: ClusterResult): Record<string, unknown> {
  return {
    k: result.cluster.k,
    rows: result.cluster.rows,
    features: result.cluster.features,
    sizes: result.segments.map((s) => s.size),
    metrics: {
      inertia: round(result.metrics.inertia),
      silhouette: round(result.metrics.silhouette),
      silhouetteRows: result.metrics.silhouetteRows,
      daviesBouldin: round(result.metrics.daviesBouldin),
      calinskiHarabasz: round(result.metrics.calinskiHarabasz),
    },
    iterations: result.iterations,
    converged: result.converged,
    backend: result.backend.name,
  };
}

/** Runs `assay cluster`; returns the exit code. */
export async function clusterCommand(argv: string[], io: Io = defaultIo): Promise<number> {
  return runCommand(io, () => clusterMain(argv, io));
}

async function clusterMain(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(
    {
      options: {
        features: { type: 'string' },
        'all-numeric': { type: 'boolean' },
        k: { type: 'string' },
        sweep: { type: 'string' },
        seed: { type: 'string' },
        'n-init': { type: 'string' },
        'max-iter': { type: 'string' },
        scaling: { type: 'string' },
        log1p: { type: 'string' },
        impute: { type: 'string' },
        'mini-batch': { type: 'boolean' },
        backend: { type: 'string' },
        out: { type: 'string' },
        report: { type: 'string' },
        tags: { type: 'string' },
        'tag-ref': { type: 'string' },
        'tag-group': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    argv,
    CLUSTER_HELP,
  );
  if (values.help) {
    io.out(CLUSTER_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError(`cluster takes exactly one FILE (got ${positionals.length}).\n\n${CLUSTER_HELP}`);
  const file = positionals[0] as string;
  const features = typeof values.features === 'string' ? values.features.split(',').map((f) => f.trim()).filter((f) => f.length > 0) : undefined;
  if (features !== undefined && features.length === 0) throw new UsageError('--features needs at least one column name.');
  if (features && values['all-numeric']) throw new UsageError('Give either --features or --all-numeric, not both.');
  const sweep = parseSweep(values.sweep);
  const k = wholeNumber('k', values.k, 1);
  if (k === undefined && !sweep) throw new UsageError(`cluster needs --k N (or --sweep A..B to pick k by silhouette).\n\n${CLUSTER_HELP}`);
  const out = typeof values.out === 'string' && values.out ? values.out : undefined;
  if (!out) throw new UsageError(`cluster needs --out FILE.\n\n${CLUSTER_HELP}`);
  outputFormat(out);
  const report = typeof values.report === 'string' && values.report ? values.report : undefined;
  if (values.report !== undefined && !report) throw new UsageError('--report needs a file name.');
  const tagsFile = typeof values.tags === 'string' && values.tags ? values.tags : undefined;
  if (values.tags !== undefined && !tagsFile) throw new UsageError('--tags needs a file name.');
  if (tagsFile && !tagsFile.toLowerCase().endsWith('.json')) throw new UsageError(`--tags must name a .json tag set (got ${tagsFile}).`);
  if (!tagsFile && (values['tag-ref'] !== undefined || values['tag-group'] !== undefined)) throw new UsageError('--tag-ref and --tag-group go with --tags.');
  // An existing tag set is read before any work: a file that is not one stops here, untouched.
  const existingTags = tagsFile ? readTagSetFile(tagsFile) : undefined;
  const tagsSnapshot = tagsFile ? fileSnapshot(tagsFile) : null;
  const seed = wholeNumber('seed', values.seed, 0) ?? 0;
  const nInit = wholeNumber('n-init', values['n-init'], 1);
  const maxIter = wholeNumber('max-iter', values['max-iter'], 1);
  const preprocessing: PreprocessOptions = {};
  const scaling = oneOf('scaling', values.scaling, ['standard', 'robust', 'none'] as const);
  if (scaling) preprocessing.scaling = scaling;
  const impute = oneOf('impute', values.impute, ['median', 'mean', 'none'] as const);
  if (impute) preprocessing.impute = impute;
  if (typeof values.log1p === 'string') {
    preprocessing.log1p = values.log1p === 'auto' || values.log1p === 'none' ? values.log1p : values.log1p.split(',').map((c) => c.trim()).filter(Boolean);
  }
  const backend = parseBackendOption(values.backend);
  requireFile(file);

  return withEngine(async ({ client }) => {
    const [table] = (await openFiles(client, [file], io)) as [string];
    const input = {
      source: { table },
      ...(features ? { features } : { allNumeric: true }),
      preprocessing,
      seed,
      ...(maxIter !== undefined ? { maxIter } : {}),
      ...(values['mini-batch'] ? { miniBatch: true } : {}),
      ...(backend ? { backend } : {}),
    };
    let sweepResult: ClusterSweepResult | undefined;
    if (sweep) {
      sweepResult = await client.run('cluster.sweep', { ...input, kFrom: sweep.from, kTo: sweep.to, ...(nInit !== undefined ? { nInit } : {}) });
      for (const p of sweepResult.points) {
        io.err(`k=${p.k}: inertia ${round(p.inertia, 6)}, silhouette ${p.silhouette === null ? 'n/a' : p.silhouette.toFixed(4)}, Davies-Bouldin ${p.daviesBouldin === null ? 'n/a' : p.daviesBouldin.toFixed(4)}`);
      }
    }
    const chosenK = k ?? sweepResult?.bestSilhouetteK ?? null;
    if (chosenK === null) throw new EngineError('BAD_INPUT', 'No k of the sweep has a silhouette; give --k.');
    if (k === undefined) io.err(`using k = ${chosenK} (the best silhouette of the sweep)`);
    const outputTable = `${table}_segments`;
    const result = await client.run('cluster.run', { ...input, k: chosenK, outputTable, ...(nInit !== undefined ? { nInit } : {}) });
    for (const warning of result.warnings) io.err(`warning: ${warning}`);
    await writeOutput(client, { table: outputTable }, out);
    io.err(`wrote ${result.cluster.rows.toLocaleString('en-US')} rows with their segment to ${out}`);
    const summary = runSummary(result);
    if (sweepResult) summary.sweep = sweepSummary(sweepResult);
    let portrait: PortraitResult | null = null;
    let portraitNote: string | null = null;
    if (report || tagsFile) {
      try {
        const numeric = result.preprocessor.columns.filter((t) => t.kind === 'numeric').map((t) => t.column);
        const text = result.preprocessor.columns.filter((t) => t.kind === 'onehot').map((t) => t.column);
        portrait = await client.run('segments.portrait', { table: outputTable, segmentColumn: 'segment', ...(numeric.length ? { features: numeric } : {}), categorical: text, seed });
      } catch (err) {
        if (!(err instanceof EngineError) || err.code === 'CANCELLED') throw err;
        portraitNote = `portrait cards unavailable: ${err.message}`;
        io.err(`warning: ${portraitNote}`);
      }
    }
    if (tagsFile && existingTags) {
      // Named by the portrait cards, as the Segments view names them; "Segment i" without one.
      const names: Record<number, string> = {};
      for (const card of portrait?.cards ?? []) if (card.suggestedName) names[Number(card.segment)] = card.suggestedName;
      const ref = typeof values['tag-ref'] === 'string' && values['tag-ref'].trim() ? values['tag-ref'].trim() : `${path.parse(file).name}_k${chosenK}`;
      const group = typeof values['tag-group'] === 'string' && values['tag-group'].trim() ? values['tag-group'].trim() : undefined;
      const tags = await client.run('cluster.tags', { clusterId: result.cluster.clusterId, names, ref, ...(group ? { group } : {}) });
      // The tags remember the table they were fitted on (shown where another table lacks their columns).
      const merged = addSegmentTags(existingTags, tags, { table });
      requireUnchanged(tagsFile, tagsSnapshot, 'cluster --tags');
      writeFileAtomic(path.resolve(tagsFile), `${JSON.stringify(parseTagSet(merged.set), null, 2)}\n`);
      io.err(`saved ${tags.length} segment tag${tags.length === 1 ? '' : 's'} to ${tagsFile} (${merged.added.length} added, ${merged.replaced.length} replaced)`);
      summary.tags = { file: tagsFile, ref, added: merged.added, replaced: merged.replaced };
    }
    if (report) {
      const doc = {
        ...summary,
        segments: result.segments.map((s) => ({ segment: s.segment, size: s.size, share: s.share, centroid: s.centroid, centroidOriginal: s.centroidOriginal })),
        preprocessor: result.preprocessor,
        projection: { explained: result.projection.explained },
        warnings: result.warnings,
        portrait,
        ...(portraitNote ? { portraitNote } : {}),
      };
      writeFileAtomic(path.resolve(report), `${JSON.stringify(doc, null, 2)}\n`);
      io.err(`wrote the report to ${report}`);
    }
    io.out(JSON.stringify(summary, null, 2));
    return EXIT.ok;
  });
}
