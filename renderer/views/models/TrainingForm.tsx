import { useMemo, type JSX } from 'react';
import { MODEL_KINDS, type ColumnInfo, type ModelKind, type TableInfo } from '../../../workers/api';
import { RunControls } from '../../components/Feedback';
import { ColumnOptions, TableOptions } from '../../components/PickerOptions';
import type { TrackedJob } from '../../use-engine-job';
import { defaultTable } from '../view-props';
import {
  AUTO_PARAMS,
  BACKEND_CHOICES,
  PARAM_FIELDS,
  ctrParamSpecs,
  defaultFeatures,
  initialParamText,
  isTimeType,
  type HistogramBackendChoice,
  type ObjectiveChoice,
  type SetupForm,
} from './model-data';

const OBJECTIVES: Array<{ value: ObjectiveChoice; label: string }> = [
  { value: 'auto', label: 'auto (from the target)' },
  { value: 'binary:logistic', label: 'binary:logistic' },
  { value: 'reg:squarederror', label: 'reg:squarederror' },
  { value: 'multi:softprob', label: 'multi:softprob' },
];

export interface TrainingFormProps {
  tables: TableInfo[];
  selectedTable: string | null | undefined;
  form: SetupForm;
  update(change: Partial<SetupForm>): void;
  /** The user picked the source table (from then on it no longer follows the catalog's selection). */
  onChooseTable(table: string): void;
  /** The source's columns (empty until a query's columns are read). */
  columns: readonly ColumnInfo[];
  /** The two values of a text target, to name the positive one (null when not needed). */
  positiveChoices: string[] | null;
  readingColumns: boolean;
  onReadColumns(): void;
  training: TrackedJob<string> | null;
  onTrain(): void;
}

/** The training setup: data source, target, features, parameters, validation split, backend, name, Train. */
export function TrainingForm(props: TrainingFormProps): JSX.Element {
  const { tables, selectedTable, form, update, onChooseTable, columns, positiveChoices, readingColumns, onReadColumns, training, onTrain } = props;
  const columnsKnown = columns.length > 0;
  const kind: ModelKind = form.kind ?? 'gbdt';
  const candidates = useMemo(() => defaultFeatures(columns, form.target), [columns, form.target]);
  const ticked = useMemo(() => new Set(form.features ?? candidates), [form.features, candidates]);
  const toggleFeature = (name: string): void => {
    const next = new Set(ticked);
    if (next.has(name)) next.delete(name);
    else next.add(name);
    // Every column ticked = let the engine choose, so it can drop constant and id-like columns with a warning.
    update({ features: next.size === candidates.length ? null : candidates.filter((c) => next.has(c)) });
  };
  return (
    <>
    <fieldset className="form-group">
      <legend>Data</legend>
      <div className="models-radio" role="radiogroup" aria-label="Source">
        <label>
          <input type="radio" name="models-source" checked={form.source.kind === 'table'} onChange={() => update({ source: { kind: 'table', table: defaultTable(tables, selectedTable) }, target: '', features: null, positive: '' })} /> Table
        </label>
        <label>
          <input type="radio" name="models-source" checked={form.source.kind === 'sql'} onChange={() => update({ source: { kind: 'sql', sql: '' }, target: '', features: null, positive: '' })} /> SQL query
        </label>
      </div>
      {form.source.kind === 'table' ? (
        <select aria-label="Table" value={form.source.table} onChange={(event) => onChooseTable(event.target.value)} data-testid="model-source-table">
          <TableOptions tables={tables} rowCounts emptyHint />
        </select>
      ) : (
        <>
          <textarea aria-label="Training query" rows={4} placeholder="SELECT … FROM …" value={form.source.sql} onChange={(event) => update({ source: { kind: 'sql', sql: event.target.value } })} data-testid="model-source-sql" />
          <button type="button" className="btn btn-small" disabled={readingColumns || !form.source.sql.trim()} onClick={onReadColumns}>
            {readingColumns ? 'Reading…' : 'Read columns'}
          </button>
        </>
      )}
    </fieldset>

    <fieldset className="form-group">
      <legend>Target</legend>
      <select aria-label="Target column" value={form.target} onChange={(event) => update({ target: event.target.value, features: null, positive: '' })} data-testid="model-target" disabled={!columnsKnown}>
        <option value="">{columnsKnown ? 'Choose the column to predict…' : form.source.kind === 'sql' ? 'Read the query’s columns first' : 'No columns'}</option>
        <ColumnOptions columns={columns} />
      </select>
      {positiveChoices && (
        <label className="models-inline">
          Positive value{' '}
          <select value={form.positive} onChange={(event) => update({ positive: event.target.value })} data-testid="model-positive">
            <option value="">(recognise yes/no, true/false, 1/0)</option>
            {positiveChoices.map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </label>
      )}
      <label className="models-inline">
        Objective{' '}
        <select value={form.objective} onChange={(event) => update({ objective: event.target.value as ObjectiveChoice })} data-testid="model-objective">
          {OBJECTIVES.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
    </fieldset>

    {columnsKnown && form.target && (
      <fieldset className="form-group">
        <legend>
          Features ({ticked.size} of {candidates.length})
        </legend>
        <div className="models-feature-actions">
          <button type="button" className="btn btn-small" onClick={() => update({ features: null })}>
            All
          </button>
          <button type="button" className="btn btn-small" onClick={() => update({ features: [] })}>
            None
          </button>
        </div>
        <ul className="models-features" data-testid="model-features">
          {candidates.map((name) => {
            const type = columns.find((c) => c.name === name)?.type ?? '';
            return (
              <li key={name}>
                <label>
                  <input type="checkbox" checked={ticked.has(name)} onChange={() => toggleFeature(name)} /> <span className="models-feature-name">{name}</span>
                  <span className="type-badge">{type}</span>
                </label>
              </li>
            );
          })}
        </ul>
      </fieldset>
    )}

    <fieldset className="form-group">
      <legend>Model</legend>
      <select aria-label="Model kind" value={kind} onChange={(event) => update({ kind: event.target.value as ModelKind })} data-testid="model-kind">
        {MODEL_KINDS.map((k) => (
          <option key={k.kind} value={k.kind} title={k.help}>
            {k.label} ({k.kind})
          </option>
        ))}
      </select>
      <small className="muted">{MODEL_KINDS.find((k) => k.kind === kind)?.help}</small>
    </fieldset>

    {kind === 'gbdt' ? (
    <fieldset className="form-group">
      <legend>Parameters (XGBoost names)</legend>
      <div className="models-params">
        {PARAM_FIELDS.map((field) => (
          <label key={field.name} title={`${field.hint}; XGBoost's default is ${field.fallback}${AUTO_PARAMS[field.name] ? `; empty = ${AUTO_PARAMS[field.name]}` : ''}`}>
            <span>{field.name}</span>
            <input
              type="text"
              inputMode="decimal"
              value={form.params[field.name] ?? ''}
              placeholder={AUTO_PARAMS[field.name] !== undefined ? 'auto' : String(field.fallback)}
              onChange={(event) => update({ params: { ...form.params, [field.name]: event.target.value } })}
              data-testid={`model-param-${field.name}`}
            />
            <small className="muted">{AUTO_PARAMS[field.name] ?? `default ${field.fallback}`}</small>
          </label>
        ))}
      </div>
      <button type="button" className="btn btn-small" onClick={() => update({ params: initialParamText() })}>
        Reset to defaults
      </button>
    </fieldset>
    ) : (
      <fieldset className="form-group">
        <legend>Parameters ({kind})</legend>
        <div className="models-params">
          {ctrParamSpecs(kind).map((spec) => (
            <label key={spec.name} title={spec.help}>
              <span>{spec.name}</span>
              {spec.type === 'choice' ? (
                <select value={form.ctrParams?.[spec.name] ?? ''} onChange={(event) => update({ ctrParams: { ...form.ctrParams, [spec.name]: event.target.value } })} data-testid={`model-param-${spec.name}`}>
                  <option value="">{String(spec.default)} (default)</option>
                  {spec.choices?.filter((c) => c !== spec.default).map((c) => (
                    <option key={c} value={c}>
                      {c}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  type="text"
                  inputMode={spec.type === 'number' ? 'decimal' : 'text'}
                  value={form.ctrParams?.[spec.name] ?? ''}
                  placeholder={String(spec.default)}
                  onChange={(event) => update({ ctrParams: { ...form.ctrParams, [spec.name]: event.target.value } })}
                  data-testid={`model-param-${spec.name}`}
                />
              )}
              <small className="muted">default {String(spec.default)}</small>
            </label>
          ))}
        </div>
        <button type="button" className="btn btn-small" onClick={() => update({ ctrParams: {} })}>
          Reset to defaults
        </button>
      </fieldset>
    )}

    <fieldset className="form-group">
      <legend>Validation split</legend>
      <select aria-label="Split" value={form.split.kind} onChange={(event) => update({ split: { ...form.split, kind: event.target.value as SetupForm['split']['kind'] } })} data-testid="model-split">
        <option value="stratified">stratified (keeps the class balance)</option>
        <option value="random">random</option>
        <option value="time">by time (latest rows held out)</option>
        <option value="entity">by entity (whole customers held out)</option>
      </select>
      <label className="models-inline">
        Validation share{' '}
        <input type="text" inputMode="decimal" size={5} value={form.split.validFraction} onChange={(event) => update({ split: { ...form.split, validFraction: event.target.value } })} data-testid="model-valid-share" />
      </label>
      {form.split.kind === 'entity' && (
        <select aria-label="Entity column" value={form.split.keyColumn ?? ''} onChange={(event) => update({ split: { ...form.split, keyColumn: event.target.value } })} data-testid="model-split-key">
          <option value="">Choose the column naming the entity…</option>
          <ColumnOptions columns={columns.filter((c) => c.name !== form.target)} />
        </select>
      )}
      <label className="models-inline" title="Train once per fold, each holding out one fold (of rows, or of entities), and report every fold's validation metrics; the model itself is then trained on the split above.">
        Cross-validate{' '}
        <input type="text" inputMode="numeric" size={3} placeholder="off" value={form.split.folds ?? ''} onChange={(event) => update({ split: { ...form.split, folds: event.target.value } })} data-testid="model-cv-folds" /> folds
      </label>
      {form.split.kind === 'time' && (
        <select aria-label="Time column" value={form.split.timeColumn} onChange={(event) => update({ split: { ...form.split, timeColumn: event.target.value } })}>
          <option value="">Choose the time column…</option>
          <ColumnOptions columns={columns.filter((c) => isTimeType(c.type))} />
        </select>
      )}
    </fieldset>

    {kind === 'gbdt' ? (
    <fieldset className="form-group">
      <legend>Histogram backend</legend>
      <select aria-label="Histogram backend" value={form.backend ?? 'auto'} onChange={(event) => update({ backend: event.target.value as HistogramBackendChoice })} data-testid="model-backend">
        {BACKEND_CHOICES.map((choice) => (
          <option key={choice.value} value={choice.value} title={choice.hint}>
            {choice.label}
          </option>
        ))}
      </select>
      <small className="muted">{BACKEND_CHOICES.find((c) => c.value === (form.backend ?? 'auto'))?.hint}. The trained model shows which backend ran and why.</small>
    </fieldset>
    ) : (
      <p className="muted small" data-testid="model-ctr-backend-note">
        Trained in the engine worker: embeddings and weights on typed arrays, DeepFM’s MLP on TensorFlow.js (its WebAssembly backend, or its WebGPU one on a hardware GPU, else its CPU one); the trained model shows which backend ran and why.
      </p>
    )}

    <label className="models-inline">
      Name <input type="text" placeholder={form.target ? `${form.target} model` : 'model name'} value={form.name} onChange={(event) => update({ name: event.target.value })} data-testid="model-name" />
    </label>

    <RunControls job={training} onRun={onTrain} disabled={!form.target} testIdPrefix="model" runTestId="model-train">
      ▶ Train
    </RunControls>
    </>
  );
}
