import { Bool, Float64, Int64, Utf8, tableToIPC, vectorFromArray, Table, type Vector } from 'apache-arrow';
import { EngineError } from '../protocol/errors';

type JsonRecord = Record<string, unknown>;

/** Parses a JSON array of objects or newline-delimited JSON into records, with line-exact errors. */
export function parseJsonRecords(text: string, format: 'json' | 'ndjson', fileName: string): JsonRecord[] {
  const trimmed = text.trim();
  if (trimmed.length === 0) throw new EngineError('EMPTY_FILE', `${fileName} has no JSON content.`);
  if (format === 'json' || trimmed.startsWith('[')) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (err) {
      // A single object per line is NDJSON even when named .json.
      if (trimmed.startsWith('{')) return parseJsonRecords(text, 'ndjson', fileName);
      throw new EngineError('CORRUPT_FILE', `${fileName} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    const rows = Array.isArray(value) ? value : [value];
    rows.forEach((row, i) => {
      if (row === null || typeof row !== 'object' || Array.isArray(row)) {
        throw new EngineError('BAD_INPUT', `${fileName}: element ${i + 1} is not an object; expected an array of objects.`);
      }
    });
    return rows as JsonRecord[];
  }
  const out: JsonRecord[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim().length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new EngineError('CORRUPT_FILE', `${fileName}, line ${i + 1}: not valid JSON (${err instanceof Error ? err.message : String(err)}).`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new EngineError('BAD_INPUT', `${fileName}, line ${i + 1}: expected a JSON object.`);
    }
    out.push(value as JsonRecord);
  });
  return out;
}

type ColumnType = 'bool' | 'int' | 'float' | 'string';

function typeOfColumn(values: unknown[]): ColumnType {
  let type: ColumnType | null = null;
  const widen = (t: ColumnType): void => {
    if (type === null || type === t) type = t;
    else if ((type === 'int' && t === 'float') || (type === 'float' && t === 'int')) type = 'float';
    else type = 'string';
  };
  for (const v of values) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'boolean') widen('bool');
    else if (typeof v === 'number') widen(Number.isSafeInteger(v) ? 'int' : 'float');
    else widen('string');
    if (type === 'string') break;
  }
  return type ?? 'string';
}

/** Converts JSON text to Arrow IPC stream bytes: one column per key seen, types inferred. */
export function jsonToArrowIPC(text: string, format: 'json' | 'ndjson', fileName: string): Uint8Array {
  const records = parseJsonRecords(text, format, fileName);
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    for (const k of Object.keys(r)) {
      if (!seen.has(k)) {
        seen.add(k);
        keys.push(k);
      }
    }
  }
  if (keys.length === 0) throw new EngineError('EMPTY_FILE', `${fileName} has no fields: every record is empty.`);
  const columns: Record<string, Vector> = {};
  for (const key of keys) {
    const raw = records.map((r) => r[key]);
    const type = typeOfColumn(raw);
    if (type === 'bool') columns[key] = vectorFromArray(raw.map((v) => (typeof v === 'boolean' ? v : null)), new Bool());
    else if (type === 'int') columns[key] = vectorFromArray(raw.map((v) => (typeof v === 'number' ? BigInt(v) : null)), new Int64());
    else if (type === 'float') columns[key] = vectorFromArray(raw.map((v) => (typeof v === 'number' ? v : null)), new Float64());
    else
      columns[key] = vectorFromArray(
        raw.map((v) => (v === null || v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v))),
        new Utf8(),
      );
  }
  return tableToIPC(new Table(columns), 'stream');
}
