// `assay evaluate`: a saved model measured on a labelled file (the Models view's "Evaluate on a table").
import fs from 'node:fs';
import path from 'node:path';
import { EXIT, UsageError, openFiles, parseCommandLine, parseNumberOption, requireFile, withEngine, type Io } from './common';

export const EVALUATE_HELP = `Usage: assay evaluate MODEL.json FILE [--target COL] [--positive VALUE] [--threshold T] [--curves] [--importance]

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
  --importance        Tree models: also the features' mean |SHAP| on up to 2,000 of FILE's rows
                      (a fixed-seed sample), largest first: the Models view's SHAP summary order
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
        importance: { type: 'boolean' },
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
    // SHAP explains the rows just evaluated (the job keeps them as the model's evaluation rows).
    const shap = values.importance === true ? await client.run('model.shap', { modelId: model.modelId, sampleRows: 2000 }) : null;
    const importance = shap
      ? shap.features.map((feature, f) => ({ feature, meanAbsShap: shap.meanAbs[f] as number })).sort((a, b) => b.meanAbsShap - a.meanAbsShap)
      : undefined;
    const summary = {
      model: modelFile,
      kind: model.kind,
      objective: model.objective,
      file,
      target: target ?? model.target,
      ...evaluation,
      ...(shap && importance ? { importance: { rows: shap.rows, ...(shap.classes && shap.classes.length > 1 ? { class: shap.classes[shap.classIndex ?? 0] } : {}), features: importance } } : {}),
    };
    const keepCurves = values.curves === true;
    io.out(JSON.stringify(summary, (key, v: unknown) => (!keepCurves && CURVES.has(key) ? undefined : v), 2));
    return EXIT.ok;
  });
}
