// `assay train` and `assay predict`: boosted-tree models from files, and scores for files.
import fs from 'node:fs';
import path from 'node:path';
import { describeModelEnd } from '../gbdt/model-end';
import type { SplitSpec } from '../gbdt/types';
import { writeFileAtomic } from '../node/atomic-write';
import { parseBackendOption } from './backend-option';
import { MODEL_KINDS, describeEpochEnd, isModelKind } from '../ctr/kinds';
import { EXIT, UsageError, openFiles, outputFormat, parseCommandLine, parseNumberOption, requireFile, withEngine, writeOutput, type Io } from './common';

/** Each model kind's parameters with their defaults, for --help (from MODEL_KINDS, as the Models view shows them). */
function kindParamsHelp(): string {
  return MODEL_KINDS.map((k) => {
    const lines = k.params.map((p) => `    ${`${p.name}=${String(p.default)}`.padEnd(26)}${p.help}`);
    return `  ${k.kind}: ${k.label}. ${k.help}\n${lines.join('\n')}`;
  }).join('\n');
}

const TRAIN_HELP = `Usage: assay train FILE --target COL --out MODEL.json [--model gbdt|lr|fm|deepfm] [options]

Trains a model on FILE and prints the final metrics as JSON. gbdt (the default) is a
gradient-boosted tree model (XGBoost's hist method) written as XGBoost JSON, which
xgboost.Booster(model_file=...) and xgboost4j load. lr, fm and deepfm (binary labels) are written
as Assay CTR model JSON (encoding, parameters and weights in tfjs's weightSpecs/weightData form),
which assay predict and the app's Models view load.

Options:
  --model KIND            gbdt (default), lr, fm or deepfm; --param sets the kind's parameters below
  --target COL            The label column (required)
  --positive VALUE        The positive class of a two-valued label, as the file writes it (yes/no,
                          y/n, 1/0, true/false, t/f in any case name the values of a yes/no column)
  --features a,b,...      Feature columns (default: every other usable column)
  --objective NAME        binary:logistic | reg:squarederror | multi:softprob (default: from the label)
  --rounds N              Boosting rounds (num_boost_round, default 100)
  --param name=value      Any XGBoost parameter (eta, max_depth, lambda, subsample, ...); repeatable
  --valid-frac F          Share of rows held out for validation (default 0.2)
  --split KIND            How validation rows are chosen: stratified (default: keeps the class
                          balance), random, entity (whole entities held out, by a hash of --key:
                          no customer on both sides), or time (the latest rows by --time-col)
  --key COL               The entity column of an entity split (e.g. user_id)
  --time-col COL          The time column of a time split
  --cv K                  k-fold cross-validation (2..20): K fold models measure the validation
                          metrics (mean and sd in "crossValidation"), then the model is trained
                          on the plain split; with --split entity the folds hold whole entities
  --early-stopping N      Stop after N rounds without improvement on the validation rows and keep
                          the best round (default with validation rows: 10% of the rounds, at
                          least 20; 0 = off, keep every round)
  --seed N                Seed for the split and sampling (default 0)
  --backend B             Histogram kernels: auto (default: WebGPU on a hardware GPU, else WASM),
                          webgpu, or wasm (also: cpu); the choice and its reason are printed
  --out MODEL.json        Where to write the model (required)
  -h, --help              Show this help

Parameters per model kind (--param name=value; --rounds sets epochs for lr/fm/deepfm):
${kindParamsHelp()}`;

const PREDICT_HELP = `Usage: assay predict MODEL.json FILE --out PREDS.csv|PREDS.parquet [--shap] [--backend B]

Scores every row of FILE with the model. The output has one row per input row, in input order:
the input columns, then "prediction" (the probability of the positive class for binary:logistic,
which every lr, fm and deepfm model is; the class for multi:softprob, with prob_<class> columns).
Text levels the model never saw score as the field's "other" level.

Options:
  --out FILE     Output file, .csv or .parquet (required)
  --shap         Add one shap_<feature> column per feature and shap_bias (they sum to the margin;
                 tree models only)
  --backend B    Where tree models are scored: auto (default) or wasm (also: cpu) score on the
                 CPU; webgpu is the GPU by name (any WebGPU adapter, software ones too; the same
                 predictions bit for bit). auto stays on the CPU until measured to pay. lr, fm
                 and deepfm models score on the CPU and refuse webgpu
  -h, --help     Show this help`;




export async function trainCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(
    {
      options: {
        target: { type: 'string' },
        positive: { type: 'string' },
        features: { type: 'string' },
        objective: { type: 'string' },
        model: { type: 'string' },
        rounds: { type: 'string' },
        param: { type: 'string', multiple: true },
        'valid-frac': { type: 'string' },
        split: { type: 'string' },
        key: { type: 'string' },
        'time-col': { type: 'string' },
        cv: { type: 'string' },
        'early-stopping': { type: 'string' },
        seed: { type: 'string' },
        backend: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    argv,
    TRAIN_HELP,
  );
  if (values.help) {
    io.out(TRAIN_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError(`train takes exactly one FILE (got ${positionals.length}).\n\n${TRAIN_HELP}`);
  const target = values.target;
  if (typeof target !== 'string' || !target) throw new UsageError(`train needs --target COL.\n\n${TRAIN_HELP}`);
  const out = values.out;
  if (typeof out !== 'string' || !out) throw new UsageError(`train needs --out MODEL.json.\n\n${TRAIN_HELP}`);
  const kind = values.model ?? 'gbdt';
  if (!isModelKind(kind)) throw new UsageError(`--model must be gbdt, lr, fm or deepfm (got "${String(kind)}").`);
  const params: Record<string, string | number> = {};
  for (const entry of (values.param as string[] | undefined) ?? []) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param takes name=value (got "${entry}").`);
    params[entry.slice(0, eq).trim()] = entry.slice(eq + 1).trim();
  }
  if (typeof values.objective === 'string') params.objective = values.objective;
  const rounds = parseNumberOption('rounds', values.rounds, (v) => Number.isInteger(v), 'a whole number');
  if (rounds !== undefined) params[kind === 'gbdt' ? 'num_boost_round' : 'epochs'] = rounds;
  const early = parseNumberOption('early-stopping', values['early-stopping'], (v) => Number.isInteger(v) && v >= 0, 'a whole number >= 0');
  if (early !== undefined) params.early_stopping_rounds = early;
  const validFraction = parseNumberOption('valid-frac', values['valid-frac'], (v) => v >= 0 && v < 1, 'in [0, 1)') ?? 0.2;
  const seed = parseNumberOption('seed', values.seed, (v) => Number.isInteger(v), 'a whole number') ?? 0;
  if (params.seed === undefined) params.seed = seed;
  const backend = parseBackendOption(values.backend);
  const splitKind = values.split ?? 'stratified';
  if (splitKind !== 'stratified' && splitKind !== 'random' && splitKind !== 'entity' && splitKind !== 'time') throw new UsageError(`--split must be stratified, random, entity or time (got "${String(splitKind)}").`);
  if (splitKind === 'entity' && typeof values.key !== 'string') throw new UsageError('--split entity needs --key COL, the column naming the entity (e.g. user_id).');
  if (splitKind === 'time' && typeof values['time-col'] !== 'string') throw new UsageError('--split time needs --time-col COL.');
  if (typeof values.key === 'string' && splitKind !== 'entity') throw new UsageError('--key names the entity of --split entity; add --split entity.');
  const cv = parseNumberOption('cv', values.cv, (v) => Number.isInteger(v) && v >= 2 && v <= 20, 'a whole number from 2 to 20');
  const split: SplitSpec = {
    kind: splitKind,
    validFraction,
    seed,
    ...(splitKind === 'entity' ? { keyColumn: values.key as string } : {}),
    ...(splitKind === 'time' ? { timeColumn: values['time-col'] as string } : {}),
  };
  const file = positionals[0] as string;
  requireFile(file);
  const features = typeof values.features === 'string' ? values.features.split(',').map((f) => f.trim()).filter(Boolean) : undefined;
  return withEngine(async ({ client }) => {
    const [table] = await openFiles(client, [file], io);
    let lastPhase = '';
    const outcome = await client.run(
      'model.train',
      {
        source: { table: table as string },
        target,
        ...(typeof values.positive === 'string' ? { positive: values.positive } : {}),
        ...(features ? { features } : {}),
        params,
        split,
        ...(cv !== undefined ? { cv } : {}),
        ...(backend ? { backend } : {}),
        ...(kind !== 'gbdt' ? { kind } : {}),
      },
      {
        onProgress: (p) => {
          if (process.stderr.isTTY && p.phase !== lastPhase) {
            lastPhase = p.phase;
            process.stderr.write(`\r${p.phase.padEnd(70).slice(0, 70)}`);
          }
        },
      },
    );
    if (process.stderr.isTTY) process.stderr.write('\r'.padEnd(72) + '\r');
    const { json } = await client.run('model.export', { modelId: outcome.model.modelId });
    writeFileAtomic(path.resolve(out), json);
    for (const warning of outcome.warnings) io.err(`warning: ${warning}`);
    // Name every figure by the round it comes from: the saved model ends at the best iteration
    // when early stopping is on, and the last round trained may be well past it.
    const last = outcome.history[outcome.history.length - 1];
    const bestIteration = outcome.model.bestIteration;
    const best = bestIteration !== null ? outcome.history[bestIteration] : last;
    const savedModelEnd = outcome.model.kind === 'gbdt' ? describeModelEnd(outcome.model, outcome.history.length) : describeEpochEnd(bestIteration, outcome.history.length, outcome.model.params);
    io.err(`saved model: ${savedModelEnd}`);
    const valid = outcome.evaluation.valid;
    const summary = {
      model: out,
      kind: outcome.model.kind,
      objective: outcome.model.objective,
      target,
      label: outcome.model.label,
      rows: outcome.model.rows,
      features: outcome.model.features.length,
      trees: outcome.model.trees,
      roundsTrained: outcome.history.length,
      earlyStoppingRounds: Number(outcome.model.params.early_stopping_rounds ?? 0),
      /** XGBoost's best_iteration (0-based), as in the model file; null without early stopping. */
      bestIteration,
      savedModelEnd,
      /** Per-round metrics at the round the saved model ends at. */
      atBestIteration: best ? { round: best.round, train: best.train, valid: best.valid ?? null } : null,
      /** Per-round metrics at the last round trained (past the best iteration when early stopping stopped it). */
      atLastRound: last ? { round: last.round, train: last.train, valid: last.valid ?? null } : null,
      /** The saved model scored on the validation rows (threshold 0.5 for binary:logistic). */
      validation: valid?.binary
        ? {
            round: best?.round ?? 0,
            auc: valid.binary.auc,
            logloss: valid.binary.logloss,
            accuracy: valid.binary.accuracy,
            precision: valid.binary.precision,
            recall: valid.binary.recall,
            f1: valid.binary.f1,
          }
        : valid?.regression || valid?.multiclass
          ? { round: best?.round ?? 0, ...(valid.regression ?? valid.multiclass) }
          : null,
      /** With --cv: each fold's validation metrics, their mean and standard deviation. */
      ...(outcome.crossValidation ? { crossValidation: outcome.crossValidation } : {}),
      /** FM/DeepFM: the strongest field interactions (mean |<e_a, e_b>| over the validation rows). */
      ...(outcome.interactions ? { interactions: outcome.interactions.slice(0, 10) } : {}),
      warnings: outcome.warnings,
      /** The kernels that built the histograms, and why they were chosen. */
      backend: outcome.model.backend ?? null,
      elapsedMs: outcome.elapsedMs,
    };
    io.out(JSON.stringify(summary, (_k, v: unknown) => (Array.isArray(v) && v.length > 20 ? undefined : v), 2));
    return EXIT.ok;
  });
}

export async function predictCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(
    { options: { out: { type: 'string' }, shap: { type: 'boolean' }, backend: { type: 'string' }, help: { type: 'boolean', short: 'h' } } },
    argv,
    PREDICT_HELP,
  );
  if (values.help) {
    io.out(PREDICT_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 2) throw new UsageError(`predict takes MODEL.json and FILE (got ${positionals.length} arguments).\n\n${PREDICT_HELP}`);
  const [modelFile, file] = positionals as [string, string];
  const out = typeof values.out === 'string' ? values.out : undefined;
  outputFormat(out);
  const backend = parseBackendOption(values.backend);
  requireFile(modelFile);
  requireFile(file);
  const json = fs.readFileSync(modelFile, 'utf8');
  return withEngine(async ({ client }) => {
    const model = await client.run('model.import', { json, name: path.basename(modelFile) });
    const [table] = await openFiles(client, [file], io);
    const scored = await client.run('model.predict', {
      modelId: model.modelId,
      source: { table: table as string },
      outputTable: `scored_${table as string}`,
      withShap: values.shap === true,
      ...(backend ? { backend } : {}),
    });
    await writeOutput(client, { table: scored.name }, out as string);
    io.err(`wrote ${scored.rowCount.toLocaleString('en-US')} predictions to ${out}${backend === 'webgpu' ? ' (scored on WebGPU)' : ''}`);
    return EXIT.ok;
  });
}
