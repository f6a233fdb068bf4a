// The `assay` command line: the command list and the dispatch to each command group's file.
import fs from 'node:fs';
import { clusterCommand } from './cluster';
import { EXIT, UsageError, defaultIo, runCommand, takeDebugFlag, type Io } from './common';
import { profileCommand, queryCommand } from './data';
import { featuresCommand } from './features';
import { labelsCommand } from './labels';
import { predictCommand, trainCommand } from './models';
import { rulesCommand, tagsCommand } from './tags';

const MAIN_HELP = `assay — data-mining workbench, headless

Usage: assay <command> [options]

Commands:
  profile FILE [--json]                 Row count and a profile of every column
  query FILE... --sql "SQL" [--out F]   Run SQL over files (each file is a table named after it)
  train FILE --target COL --out M.json  Train an XGBoost-compatible boosted-tree model
  predict M.json FILE --out F           Score a file with a model (one row per input row)
  evaluate M.json FILE [--target COL]   A model's metrics on a labelled file (AUC, RMSE, ...)
  export M.json --format sql|onnx --out F
                                        An lr/fm model as SQL (any pack dialect), lr/fm/deepfm as ONNX
  features TEMPLATE FILE --out F        Entity features (rfm|funnel|categories|time|all) from events
  cluster FILE --k N --out F            k-means segments (one row per input row, with segment)
  rules mine FILE --target COL --out T  Mine tag rules for a label (precision/support on holdout)
  rules mine FILE --target COL --text T Keyword rules for every class of a label from a text column
  tags eval TAGS.json FILE              Coverage, precision, recall, lift per tag on any data
  tags add TAGS.json --name N --rule R  Add a hand-written rule tag (rule text, no JSON)
  tags validate TAGS.json FILE          Gate the tags on holdout rows; verdicts written back
  tags status|remove TAGS.json --tags N Sign tags off (--to approved), or delete them
  labels train|apply|eval               Entity labels from product text (keyword rules + classifier)
  pack build|validate|diff|export|apply|report|review
                                        Rule packs: build, check and export tag rules for production

Each FILE (CSV/TSV, gzipped CSV, Parquet, JSON/NDJSON) becomes a table named after the file
without its extensions: online_retail.csv.gz -> online_retail.

Run 'assay <command> --help' for a command's options. Add --debug to any command to see the
internal details of a failure.`;

/** Assay's package.json: two folders up from the sources, further from the bundle in out/cli/. */
function packageJsonPath(): URL {
  for (let up = '../../'; up.length < 20; up += '../') {
    const candidate = new URL(`${up}package.json`, import.meta.url);
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error('package.json not found beside the assay sources');
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
      const pkg = JSON.parse(fs.readFileSync(packageJsonPath(), 'utf8')) as { version: string };
      io.out(pkg.version);
      return EXIT.ok;
    }
    if (command === 'profile') return await profileCommand(rest, io);
    if (command === 'query') return await queryCommand(rest, io);
    if (command === 'train') return await trainCommand(rest, io);
    if (command === 'predict') return await predictCommand(rest, io);
    if (command === 'evaluate') return await (await import('./evaluate')).evaluateCommand(rest, io);
    if (command === 'export') return await (await import('./export')).exportCommand(rest, io);
    if (command === 'features') return await featuresCommand(rest, io);
    if (command === 'cluster') return await clusterCommand(rest, io);
    if (command === 'rules') return await rulesCommand(rest, io);
    if (command === 'tags') return await tagsCommand(rest, io);
    if (command === 'labels') return await labelsCommand(rest, io);
    // Loaded on demand: the pack commands pull in native DuckDB and the SQL dialects.
    if (command === 'pack') return await (await import('./pack')).packCommand(rest, io);
    throw new UsageError(`Unknown command "${command}".\n\n${MAIN_HELP}`);
  }, debug);
}
