import fs from 'node:fs';
import path from 'node:path';
import { EngineError, profileCoverage, type ColumnProfile, type TableProfile } from '../api';
import { writeFileAtomic } from '../node/atomic-write';
import { describeModelEnd } from '../gbdt/model-end';
import { clusterCommand } from './cluster';
import { featuresCommand } from './features';
import { rulesCommand, tagsCommand } from './tags';
import { EXIT, UsageError, defaultIo, openFiles, outputFormat, parseCommandLine, parseNumberOption, requireFile, runCommand, takeDebugFlag, withEngine, writeOutput, type Io } from './common';
import { arrowToRows, renderTextTable } from './format-table';




const MAIN_HELP = `assay — data-mining workbench, headless

Usage: assay <command> [options]

Commands:
  profile FILE [--json]                 Row count and a profile of every column
  query FILE... --sql "SQL" [--out F]   Run SQL over files (each file is a table named after it)
  train FILE --target COL --out M.json  Train an XGBoost-compatible boosted-tree model
  predict M.json FILE --out F           Score a file with a model (one row per input row)
  features TEMPLATE FILE --out F        Entity features (rfm|funnel|categories|time|all) from events
  cluster FILE --k N --out F            k-means segments (one row per input row, with segment)
  rules mine FILE --target COL --out T  Mine tag rules for a label (precision/support on holdout)
  tags eval TAGS.json FILE              Coverage, precision, recall, lift per tag on any data
  pack build|validate|diff|export|apply|report|review
                                        Rule packs: build, check and export tag rules for production

Each FILE (CSV/TSV, gzipped CSV, Parquet, JSON/NDJSON) becomes a table named after the file
without its extensions: online_retail.csv.gz -> online_retail.

Run 'assay <command> --help' for a command's options. Add --debug to any command to see the
internal details of a failure.`;

const PROFILE_HELP = `Usage: assay profile FILE [--json]

Loads FILE and prints its row count and, per column: type, nulls, approximate distinct count,
min/max/mean/std, quantiles and the most frequent values.

Options:
  --json         Print the full profile as JSON
  -h, --help     Show this help`;

const QUERY_HELP = `Usage: assay query FILE... --sql "SQL" [--out FILE.csv|FILE.parquet] [--limit N]

Loads each FILE as a table (named after the file) and runs SQL over them.

Options:
  --sql SQL      The query to run (required)
  --out FILE     Write the whole result to FILE (.csv or .parquet) instead of printing it
  --limit N      Rows to print (default 50; the row count is always shown)
  -h, --help     Show this help`;





function fmt(value: number | string | null, digits = 4): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return Number(value.toPrecision(digits)).toString();
}

function profileRows(profile: TableProfile): string[][] {
  return profile.columns.map((c: ColumnProfile) => {
    const median = c.quantiles?.find((q) => q.q === 0.5)?.value ?? null;
    const top = (c.topK ?? []).slice(0, 3).map((t) => `${t.value ?? 'NULL'} (${t.count.toLocaleString('en-US')})`).join(', ');
    return [
      c.name,
      c.type,
      `${(c.nullFraction * 100).toFixed(1)}%`,
      `${c.distinctExact ? '' : '≈'}${c.distinct.toLocaleString('en-US')}`,
      fmt(c.min),
      fmt(c.max),
      fmt(c.mean),
      fmt(c.std),
      fmt(median),
      top,
    ];
  });
}

async function profileCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine({ options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }, argv, PROFILE_HELP);
  if (values.help) {
    io.out(PROFILE_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError(`profile takes exactly one FILE (got ${positionals.length}).\n\n${PROFILE_HELP}`);
  const file = positionals[0] as string;
  requireFile(file);
  return withEngine(async ({ client }) => {
    const [table] = await openFiles(client, [file], io);
    const profile = await client.run('data.profile', { table: table as string });
    if (values.json) {
      io.out(JSON.stringify(profile, null, 2));
      return EXIT.ok;
    }
    io.out(`${profile.table}: ${profile.rowCount.toLocaleString('en-US')} rows, ${profile.columns.length} columns`);
    io.out(`(${profileCoverage(profile)})`);
    io.out(renderTextTable(['column', 'type', 'null', 'distinct', 'min', 'max', 'mean', 'std', 'median', 'top values'], profileRows(profile), 32));
    return EXIT.ok;
  });
}

async function queryCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(
    {
      options: {
        sql: { type: 'string' },
        out: { type: 'string' },
        limit: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    argv,
    QUERY_HELP,
  );
  if (values.help) {
    io.out(QUERY_HELP);
    return EXIT.ok;
  }
  const sql = values.sql;
  if (typeof sql !== 'string' || sql.trim().length === 0) throw new UsageError(`query needs --sql "SQL".\n\n${QUERY_HELP}`);
  if (positionals.length === 0) throw new UsageError(`query needs at least one FILE.\n\n${QUERY_HELP}`);
  const out = typeof values.out === 'string' ? values.out : undefined;
  const format = out === undefined ? undefined : out.toLowerCase().endsWith('.parquet') ? 'parquet' : out.toLowerCase().endsWith('.csv') ? 'csv' : null;
  if (format === null) throw new UsageError(`--out must end in .csv or .parquet (got ${out}).`);
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 0) throw new UsageError(`--limit must be a whole number >= 0 (got ${String(values.limit)}).`);
  for (const file of positionals) requireFile(file);
  return withEngine(async ({ client }) => {
    await openFiles(client, positionals, io);
    const result = await client.run('sql.run', { sql, preview: limit });
    if (out && format) {
      if (!result.resultId) throw new EngineError('BAD_INPUT', 'The SQL returns no rows to write; --out needs a query.');
      await writeOutput(client, { resultId: result.resultId }, out);
      io.err(`wrote ${result.rowCount.toLocaleString('en-US')} rows to ${out}`);
      return EXIT.ok;
    }
    const { tableFromIPC } = await import('apache-arrow');
    const { headers, rows } = arrowToRows(tableFromIPC(result.preview));
    if (headers.length > 0) io.out(renderTextTable(headers, rows.slice(0, limit)));
    const more = result.rowCount - Math.min(rows.length, limit);
    io.out(`(${result.rowCount.toLocaleString('en-US')} row${result.rowCount === 1 ? '' : 's'}${more > 0 ? `, ${more.toLocaleString('en-US')} not shown` : ''}; ${result.elapsedMs} ms)`);
    return EXIT.ok;
  });
}

const TRAIN_HELP = `Usage: assay train FILE --target COL --out MODEL.json [options]

Trains a gradient-boosted tree model (XGBoost's hist method) on FILE and writes it as XGBoost
JSON, which xgboost.Booster(model_file=...) and xgboost4j load. Prints the final metrics as JSON.

Options:
  --target COL            The label column (required)
  --positive VALUE        The positive class of a two-valued label, as the file writes it (yes/no,
                          y/n, 1/0, true/false, t/f in any case name the values of a yes/no column)
  --features a,b,...      Feature columns (default: every other usable column)
  --objective NAME        binary:logistic | reg:squarederror | multi:softprob (default: from the label)
  --rounds N              Boosting rounds (num_boost_round, default 100)
  --param name=value      Any XGBoost parameter (eta, max_depth, lambda, subsample, ...); repeatable
  --valid-frac F          Share of rows held out for validation, stratified (default 0.2)
  --early-stopping N      Stop after N rounds without improvement on the validation rows and keep
                          the best round (default with validation rows: 10% of the rounds, at
                          least 20; 0 = off, keep every round)
  --seed N                Seed for the split and sampling (default 0)
  --out MODEL.json        Where to write the model (required)
  -h, --help              Show this help`;

const PREDICT_HELP = `Usage: assay predict MODEL.json FILE --out PREDS.csv|PREDS.parquet [--shap]

Scores every row of FILE with the model. The output has one row per input row, in input order:
the input columns, then "prediction" (the probability of the positive class for binary:logistic;
the class for multi:softprob, with prob_<class> columns).

Options:
  --out FILE     Output file, .csv or .parquet (required)
  --shap         Add one shap_<feature> column per feature and shap_bias (they sum to the margin)
  -h, --help     Show this help`;




async function trainCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(
    {
      options: {
        target: { type: 'string' },
        positive: { type: 'string' },
        features: { type: 'string' },
        objective: { type: 'string' },
        rounds: { type: 'string' },
        param: { type: 'string', multiple: true },
        'valid-frac': { type: 'string' },
        'early-stopping': { type: 'string' },
        seed: { type: 'string' },
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
  const params: Record<string, string | number> = {};
  for (const entry of (values.param as string[] | undefined) ?? []) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param takes name=value (got "${entry}").`);
    params[entry.slice(0, eq).trim()] = entry.slice(eq + 1).trim();
  }
  if (typeof values.objective === 'string') params.objective = values.objective;
  const rounds = parseNumberOption('rounds', values.rounds, (v) => Number.isInteger(v), 'a whole number');
  if (rounds !== undefined) params.num_boost_round = rounds;
  const early = parseNumberOption('early-stopping', values['early-stopping'], (v) => Number.isInteger(v) && v >= 0, 'a whole number >= 0');
  if (early !== undefined) params.early_stopping_rounds = early;
  const validFraction = parseNumberOption('valid-frac', values['valid-frac'], (v) => v >= 0 && v < 1, 'in [0, 1)') ?? 0.2;
  const seed = parseNumberOption('seed', values.seed, (v) => Number.isInteger(v), 'a whole number') ?? 0;
  if (params.seed === undefined) params.seed = seed;
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
        split: { kind: 'stratified', validFraction, seed },
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
    const savedModelEnd = describeModelEnd(outcome.model, outcome.history.length);
    io.err(`saved model: ${savedModelEnd}`);
    const valid = outcome.evaluation.valid;
    const summary = {
      model: out,
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
      warnings: outcome.warnings,
      elapsedMs: outcome.elapsedMs,
    };
    io.out(JSON.stringify(summary, (_k, v: unknown) => (Array.isArray(v) && v.length > 20 ? undefined : v), 2));
    return EXIT.ok;
  });
}

async function predictCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine({ options: { out: { type: 'string' }, shap: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }, argv, PREDICT_HELP);
  if (values.help) {
    io.out(PREDICT_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 2) throw new UsageError(`predict takes MODEL.json and FILE (got ${positionals.length} arguments).\n\n${PREDICT_HELP}`);
  const [modelFile, file] = positionals as [string, string];
  const out = typeof values.out === 'string' ? values.out : undefined;
  outputFormat(out);
  requireFile(modelFile);
  requireFile(file);
  const json = fs.readFileSync(modelFile, 'utf8');
  return withEngine(async ({ client }) => {
    const model = await client.run('model.import', { json, name: path.basename(modelFile) });
    const [table] = await openFiles(client, [file], io);
    const scored = await client.run('model.predict', { modelId: model.modelId, source: { table: table as string }, outputTable: `scored_${table as string}`, withShap: values.shap === true });
    await writeOutput(client, { table: scored.name }, out as string);
    io.err(`wrote ${scored.rowCount.toLocaleString('en-US')} predictions to ${out}`);
    return EXIT.ok;
  });
}

/** Runs the CLI; returns the exit code. */
export async function main(commandLine: string[], io: Io = defaultIo): Promise<number> {
  const { argv, debug } = takeDebugFlag(commandLine);
  const [command, ...rest] = argv;
  return runCommand(io, async () => {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      io.out(MAIN_HELP);
      return command === undefined ? EXIT.usage : EXIT.ok;
    }
    if (command === '--version' || command === '-v') {
      const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
      io.out(pkg.version);
      return EXIT.ok;
    }
    if (command === 'profile') return await profileCommand(rest, io);
    if (command === 'query') return await queryCommand(rest, io);
    if (command === 'train') return await trainCommand(rest, io);
    if (command === 'predict') return await predictCommand(rest, io);
    if (command === 'features') return await featuresCommand(rest, io);
    if (command === 'cluster') return await clusterCommand(rest, io);
    if (command === 'rules') return await rulesCommand(rest, io);
    if (command === 'tags') return await tagsCommand(rest, io);
    // Loaded on demand: the pack commands pull in native DuckDB and the SQL dialects.
    if (command === 'pack') return await (await import('./pack')).packCommand(rest, io);
    throw new UsageError(`Unknown command "${command}".\n\n${MAIN_HELP}`);
  }, debug);
}
