import { jobRegistrar, type JobHost } from '../protocol/host';
import type { DataEngine } from './engine';
import type { DataJobs } from './types';

/** Registers the data jobs (engine info, files, tables, profiles, SQL, export) on the engine host. */
export function registerDataJobs(host: JobHost, engine: DataEngine): void {
  const on = jobRegistrar<DataJobs>(host);
  on('engine.info', () => engine.info());
  on('data.open', (p, ctx) => engine.open(p, ctx));
  on('data.catalog', () => engine.catalog());
  on('data.rename', (p) => engine.rename(p.table, p.newName));
  on('data.drop', (p) => engine.drop(p.table));
  on('data.alterType', (p, ctx) => engine.alterType(p.table, p.column, p.type, ctx));
  on('data.profile', (p, ctx) => engine.profile(p, ctx));
  on('sql.run', (p, ctx) => engine.runSql(p, ctx));
  on('sql.fetch', (p) => engine.fetch(p));
  on('sql.release', (p) => engine.release(p.resultId));
  on('data.export', (p, ctx) => engine.exportData(p, ctx));
}
