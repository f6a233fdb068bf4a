import { useEffect, useRef, useState, type ChangeEvent, type JSX } from 'react';
import type { EngineClient, KeyCandidates, PackInfo, TableInfo } from '../../../workers/api';
import type { StatusMessage } from '../../components/Feedback';
import { TableOptions } from '../../components/PickerOptions';
import { describeError } from '../../errors';
import type { EngineJobState } from '../../use-engine-job';
import { buildFormProblems, keyChoiceText, nextVersion, parseJsonFile, tagCount } from './pack-data';
import type { PackBuildForm } from './types';

export interface PackBuildPanelProps {
  engine: EngineClient;
  tables: TableInfo[];
  /** The table the form shows until the user picks one (the catalog's selection, or the first table). */
  firstTable: string;
  form: PackBuildForm;
  updateForm(change: Partial<PackBuildForm>): void;
  sources: PackBuildSources;
  jobs: EngineJobState;
  feedback: PackBuildFeedback;
  onBuilt(built: PackInfo): void;
}

/** Where a build's tags, parent and author can come from besides the form. */
export interface PackBuildSources {
  /** The Tags view's current tag set (assay.tagset/1). */
  tagSet: unknown;
  /** The pack on screen: it can be the parent of the build. */
  openPack: PackInfo | null;
  /** The reviewer's name, recorded as the pack's author. */
  reviewer: string;
}

/** How the form reports: a status line, or a failed job in plain words. */
export interface PackBuildFeedback {
  onStatus(status: StatusMessage | null): void;
  onFailed(what: string, err: unknown): void;
}

/** The "Build a pack" form: tag set, table, entity key, label, name, version and parent. */
export function PackBuildPanel(props: PackBuildPanelProps): JSX.Element {
  const { engine, tables, firstTable, form, updateForm } = props;
  const { tagSet, openPack, reviewer } = props.sources;
  const { onStatus, onFailed } = props.feedback;
  const { job, track } = props.jobs;
  const [tagFile, setTagFile] = useState<{ fileName: string; json: unknown } | null>(null);
  const [parentFile, setParentFile] = useState<{ fileName: string; text: string } | null>(null);
  // Which columns of the build table can be the entity key (unique, never NULL), checked in DuckDB.
  const [keyCheck, setKeyCheck] = useState<{ table: string; result: KeyCandidates | null; error: string | null } | null>(null);
  const tagsInput = useRef<HTMLInputElement>(null);
  const parentInput = useRef<HTMLInputElement>(null);

  const buildTable = form.table && tables.some((t) => t.name === form.table) ? form.table : firstTable;
  const buildColumns = tables.find((t) => t.name === buildTable)?.columns ?? [];
  const buildColumnNames = buildColumns.map((c) => c.name).join('\u0000');
  useEffect(() => {
    if (!buildTable) {
      setKeyCheck(null);
      return;
    }
    let live = true;
    setKeyCheck({ table: buildTable, result: null, error: null });
    engine
      .run('pack.keys', { table: buildTable })
      .then((result) => {
        if (live) setKeyCheck({ table: buildTable, result, error: null });
      })
      .catch((err: unknown) => {
        if (live) setKeyCheck({ table: buildTable, result: null, error: describeError(err) });
      });
    return () => {
      live = false;
    };
  }, [engine, buildTable, buildColumnNames]);
  const keyCandidates = keyCheck?.table === buildTable ? (keyCheck.result?.candidates ?? []) : [];
  const keyChoice = keyChoiceText(keyCheck?.table === buildTable && keyCheck.result ? keyCheck.result : null);
  // A remembered key that is no longer unique (or no longer there) is not offered or used.
  const buildKey = keyCandidates.some((c) => c.name === form.key) ? form.key : '';

  const pickTagFile = async (event: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    try {
      setTagFile({ fileName: file.name, json: parseJsonFile(await file.text(), 'tag set file') });
      updateForm({ tagSource: 'file' });
    } catch (err) {
      onStatus({ tone: 'error', text: describeError(err) });
    }
  };

  const pickParentFile = async (event: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    try {
      const text = await file.text();
      const read = await engine.run('pack.read', { text });
      setParentFile({ fileName: file.name, text });
      updateForm({ parent: 'file', name: form.name || read.pack.name, version: nextVersion(read.pack.version) });
    } catch (err) {
      onStatus({ tone: 'error', text: `Could not read the parent pack ${file.name}: ${describeError(err)}` });
    }
  };

  const viewTagCount = tagCount(tagSet);
  const chosenTagSet = form.tagSource === 'file' ? (tagFile?.json ?? null) : viewTagCount > 0 ? tagSet : null;
  const parentText = form.parent === 'open' ? (openPack?.text ?? null) : form.parent === 'file' ? (parentFile?.text ?? null) : null;
  const problems = buildFormProblems({ name: form.name, version: form.version, table: buildTable, hasTags: tagCount(chosenTagSet) > 0 });
  if (form.parent !== 'none' && parentText === null) problems.push(form.parent === 'open' ? 'Open the parent pack first.' : 'Choose the parent pack file.');

  const build = async (): Promise<void> => {
    if (job || problems.length > 0 || chosenTagSet === null) return;
    onStatus(null);
    try {
      const built = await track('Building the pack', (options) =>
        engine.start(
          'pack.build',
          {
            tagSet: chosenTagSet,
            table: buildTable,
            key: buildKey || undefined,
            target: form.target ? { column: form.target, positive: form.positive.trim() || undefined } : undefined,
            name: form.name.trim(),
            version: form.version.trim(),
            parent: parentText ?? undefined,
            createdBy: reviewer.trim() || undefined,
          },
          options,
        ),
      );
      props.onBuilt(built);
      // Tags of the set that read columns this table lacks (made on another table) are named, not packed.
      const leftOut = built.leftOut?.length ? ` Left out: ${built.leftOut.map((t) => `${t.name} (${t.reason})`).join('; ')}.` : '';
      onStatus({ tone: 'ok', text: `Built ${built.pack.name} ${built.pack.version} with ${built.pack.tags.length} tags.${leftOut} Save it to keep it.` });
    } catch (err) {
      onFailed('Building the pack', err);
    }
  };

  const pack = openPack?.pack ?? null;
  return (
    <fieldset className="form-group" data-testid="pack-build">
      <legend>Build a pack</legend>
      <div className="packs-radio" role="radiogroup" aria-label="Tag set">
        <label>
          <input type="radio" name="packs-tag-source" checked={form.tagSource === 'tags-view'} onChange={() => updateForm({ tagSource: 'tags-view' })} /> Tags view ({viewTagCount} tags)
        </label>
        <label>
          <input type="radio" name="packs-tag-source" checked={form.tagSource === 'file'} onChange={() => updateForm({ tagSource: 'file' })} /> tags.json {tagFile ? `(${tagFile.fileName}, ${tagCount(tagFile.json)} tags)` : ''}
        </label>
      </div>
      {form.tagSource === 'file' && (
        <button type="button" className="btn btn-small" onClick={() => tagsInput.current?.click()} data-testid="pack-tags-file">
          Choose tags.json…
        </button>
      )}
      <input ref={tagsInput} type="file" accept=".json,application/json" hidden onChange={(event) => void pickTagFile(event)} data-testid="pack-tags-input" />
      <label className="packs-inline">
        Table{' '}
        <select value={buildTable} onChange={(event) => updateForm({ table: event.target.value, key: '', target: '', positive: '' })} data-testid="pack-build-table">
          {tables.length === 0 && <option value="">(no tables open)</option>}
          <TableOptions tables={tables} rowCounts />
        </select>
      </label>
      <label className="packs-inline">
        Entity key{' '}
        <select value={buildKey} onChange={(event) => updateForm({ key: event.target.value })} title="Only columns with a distinct, non-empty value on every row can be the key" data-testid="pack-build-key">
          <option value="">{keyChoice.automatic}</option>
          {keyCandidates.map((c) => (
            <option key={c.name} value={c.name}>
              {c.name}
            </option>
          ))}
        </select>
      </label>
      {(keyChoice.note !== null || keyCheck?.error) && (
        <p className="muted small" data-testid="pack-build-key-note">
          {keyCheck?.error ? `The key columns could not be checked: ${keyCheck.error}` : keyChoice.note}
        </p>
      )}
      <label className="packs-inline">
        Label{' '}
        <select value={form.target} onChange={(event) => updateForm({ target: event.target.value, positive: '' })} title="Measure precision, recall, F1 and lift against this column" data-testid="pack-build-target">
          <option value="">(coverage only)</option>
          {buildColumns.map((c) => (
            <option key={c.name} value={c.name}>
              {c.name}
            </option>
          ))}
        </select>
      </label>
      {form.target && (
        <label className="packs-inline">
          Positive value <input type="text" size={8} value={form.positive} placeholder="e.g. 1 or yes" onChange={(event) => updateForm({ positive: event.target.value })} data-testid="pack-build-positive" />
        </label>
      )}
      <label className="packs-inline">
        Name <input type="text" value={form.name} onChange={(event) => updateForm({ name: event.target.value })} data-testid="pack-build-name" />
      </label>
      <label className="packs-inline">
        Version <input type="text" size={8} value={form.version} onChange={(event) => updateForm({ version: event.target.value })} data-testid="pack-build-version" />
      </label>
      <label className="packs-inline">
        Parent{' '}
        <select value={form.parent} onChange={(event) => updateForm({ parent: event.target.value as PackBuildForm['parent'] })} data-testid="pack-build-parent">
          <option value="none">none (first version)</option>
          <option value="open" disabled={!pack}>
            the open pack{pack ? ` (${pack.version})` : ''}
          </option>
          <option value="file">a pack file…</option>
        </select>
      </label>
      {form.parent === 'file' && (
        <button type="button" className="btn btn-small" onClick={() => parentInput.current?.click()}>
          {parentFile ? `Parent: ${parentFile.fileName}` : 'Choose the parent pack…'}
        </button>
      )}
      <input ref={parentInput} type="file" accept=".json,application/json" hidden onChange={(event) => void pickParentFile(event)} />
      {problems.length > 0 && <p className="muted small">{problems.join(' ')}</p>}
      <button type="button" className="btn btn-primary" onClick={() => void build()} disabled={job !== null || problems.length > 0} data-testid="pack-build-run">
        Build pack
      </button>
    </fieldset>
  );
}
