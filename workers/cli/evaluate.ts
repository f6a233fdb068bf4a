// `assay evaluate`: a saved model measured on a labelled file (the Models view's "Evaluate on a table").
import fs from 'node:fs';
import path from 'node:path';
import { EXIT, UsageError, openFiles, parseCommandLine, parseNumberOption, requireFile, withEngine, type Io } from './common';

export const EVALUATE_HELP = `Usage: assay evaluate MODEL.json FILE [--target COL] [--positive VALUE] [--threshold T] [--curves]

Scores every row of FILE with the model (a boosted-tree model from assay train or XGBoost, or an
lr/fm/deepfm model) and prints its metrics against the true values as JSON, as the Models view's
"Evaluate on a table" shows them: AUC, log loss, accuracy, precision, recall, F1 and the
confusion matrix at the threshold for two classes; RMSE, MAE and R² for a number; accuracy,
log loss and the confusion matrix for several classes. Every row needs its true value: a file
with missing ones is refused (filter them out first, e.g. with assay query --sql ... WHERE).

Options:
  --target COL        The column of true values (default: the column the model was trained on)
  --positive VALUE    Two classes, a model that records no positive class (e.g. from XGBoost):
                      the value that counts as positive
  --threshold T       Two classes: the probability from which a row is predicted positive (default 0.5)
  --curves            Also print the ROC, precision-recall, gain, lift and calibration curves
  -h, --help          Show this help`;

/** The curve fields of an evaluation: printed with --curves only. */
const CURVES = new Set(['roc', 'pr', 'gain', 'lift', 'calibration']);

export async function evaluateCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(
    {
      options: {
        target: { type: 'string' },
        positive: { type: 'string' },
        threshold: { type: 'string' },
        curves: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    argv,
    EVALUATE_HELP,
  );
  if (values.help) {
    io.out(EVALUATE_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 2) throw new UsageError(`evaluate takes MODEL.json and FILE (got ${positionals.length} arguments).\n\n${EVALUATE_HELP}`);
  const [modelFile, file] = positionals as [string, string];
  const threshold = parseNumberOption('threshold', values.threshold, (v) => v > 0 && v < 1, 'a number between 0 and 1') ?? 0.5;
  const target = typeof values.target === 'string' ? values.target : undefined;
  if (target !== undefined && target.trim() === '') throw new UsageError('--target needs a column name.');
  const positive = typeof values.positive === 'string' ? values.positive : undefined;
  requireFile(modelFile);
  requireFile(file);
  const json = fs.readFileSync(modelFile, 'utf8');
  return withEngine(async ({ client }) => {
    const model = await client.run('model.import', { json, name: path.basename(modelFile) });
    const [table] = await openFiles(client, [file], io);
    const evaluation = await client.run('model.evaluate', {
      modelId: model.modelId,
      threshold,
      source: { table: table as string },
      ...(target !== undefined ? { target } : {}),
      ...(positive !== undefined ? { positive } : {}),
    });
    const summary = {
      model: modelFile,
      kind: model.kind,
      objective: model.objective,
      file,
      target: target ?? model.target,
      ...evaluation,
    };
    const keepCurves = values.curves === true;
    io.out(JSON.stringify(summary, (key, v: unknown) => (!keepCurves && CURVES.has(key) ? undefined : v), 2));
    return EXIT.ok;
  });
}
