const KNOWN_EXTENSIONS = ['gz', 'gzip', 'csv', 'tsv', 'txt', 'tab', 'parquet', 'pq', 'json', 'ndjson', 'jsonl'];

/**
 * Table name for a file: the base name without its known extensions, other characters as `_`
 * (`online_retail.csv.gz` -> `online_retail`, `my data (1).csv` -> `my_data_1_`).
 */
export function tableNameFromFile(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const parts = base.split('.');
  while (parts.length > 1 && KNOWN_EXTENSIONS.includes((parts[parts.length - 1] ?? '').toLowerCase())) parts.pop();
  let name = parts.join('.').replace(/[^A-Za-z0-9_]/g, '_');
  if (name.length === 0) name = 'table';
  if (/^[0-9]/.test(name)) name = `t_${name}`;
  return name;
}

/** `name`, or `name_2`, `name_3`... whichever is not taken (case-insensitive, as in DuckDB). */
export function uniqueName(name: string, taken: Iterable<string>): string {
  const lower = new Set([...taken].map((t) => t.toLowerCase()));
  if (!lower.has(name.toLowerCase())) return name;
  for (let i = 2; ; i++) {
    const candidate = `${name}_${i}`;
    if (!lower.has(candidate.toLowerCase())) return candidate;
  }
}
