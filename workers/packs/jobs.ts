import type { DataEngine } from '../data/engine';
import { EngineError } from '../protocol/errors';
import { diffPacks, diffPacksOnData } from './diff';
import { packToSql } from './dialects/pack-sql';
import { addReview, approvalStatus, readPack, reviewStates, writePack } from './io';
import { packReportHtml } from './report';
import { keyCandidates } from './entity-key';
import { quoteIdent } from '../data/sql-text';
import { describeRelation } from '../tags/tag-data';
import { SQL_DIALECTS, type RulePack, type SqlDialect } from './schema';
import { applyPack, buildPack, checkGoldenRows, metricDrift } from './service';
import type { LeftOutTag } from '../tags/applicability';
import type { PackInfo, PackJobs } from './types';
import { jobRegistrar, type JobHost } from '../protocol/host';

function info(pack: RulePack, migratedFrom: string | null): PackInfo {
  return { pack, text: writePack(pack), migratedFrom, reviews: reviewStates(pack), approval: approvalStatus(pack) };
}

function requireText(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new EngineError('BAD_INPUT', `${what} is missing: give the pack's JSON text.`);
  return value;
}

async function tableName(engine: DataEngine, table: string): Promise<string> {
  const names = await engine.tableNames();
  const found = names.find((n) => n === table) ?? names.find((n) => n.toLowerCase() === table.toLowerCase());
  if (!found) throw new EngineError('NOT_FOUND', `There is no table named "${table}".`);
  return found;
}

/** Registers this area's jobs on the engine host. */
export function registerPackJobs(host: JobHost, engine: DataEngine): void {
  const on = jobRegistrar<PackJobs>(host);
  on('pack.build', async (p, ctx) => {
    const notes: { leftOut: LeftOutTag[]; target?: PackInfo['target'] } = { leftOut: [] };
    const pack = await buildPack(engine, p, (f, phase) => ctx.progress(f, phase), ctx.signal, notes);
    return { ...info(pack, null), leftOut: notes.leftOut, ...(notes.target ? { target: notes.target } : {}) };
  });
  on('pack.read', async (p) => {
    const { pack, migratedFrom } = await readPack(requireText(p.text, 'The pack'), { verifyHash: p.verifyHash ?? true });
    return info(pack, migratedFrom);
  });
  on('pack.validate', async (p, ctx) => {
    const { pack } = await readPack(requireText(p.text, 'The pack'));
    ctx.progress(0.1, 'checking golden rows');
    const golden = await checkGoldenRows(engine, pack, ctx.signal);
    ctx.progress(0.5, 'measuring on the data');
    const drift = p.table === undefined ? [] : await metricDrift(engine, pack, await tableName(engine, p.table), p.target, ctx.signal, p.dataName);
    return { golden, drift, ok: golden.mismatches.length === 0 && drift.every((d) => !d.outside) };
  });
  on('pack.export', async (p) => {
    if (!SQL_DIALECTS.includes(p.dialect)) throw new EngineError('BAD_INPUT', `Unknown target "${String(p.dialect)}"; choose one of ${SQL_DIALECTS.join(', ')}.`);
    const { pack } = await readPack(requireText(p.text, 'The pack'));
    return { sql: `${packToSql(pack, p.dialect as SqlDialect, { sink: p.sink })}\n` };
  });
  on('pack.diff', async (p, ctx) => {
    // Named in messages: a damaged, edited or newer file must say which of the two it is.
    const oldPack = (await readPack(requireText(p.oldText, 'The old pack'), { name: p.oldName ?? 'the old pack' })).pack;
    const newPack = (await readPack(requireText(p.newText, 'The new pack'), { name: p.newName ?? 'the new pack' })).pack;
    if (p.table === undefined) return diffPacks(oldPack, newPack);
    // One DuckDB pass over the data for both packs' tags: a phase, not a fraction.
    ctx.progress(0.05, 'tagging the data with both versions');
    return diffPacksOnData(engine, oldPack, newPack, await tableName(engine, p.table), ctx.signal, p.dataName);
  });
  on('pack.review', async (p) => {
    const { pack } = await readPack(requireText(p.text, 'The pack'));
    if (p.decision !== 'approve' && p.decision !== 'reject') throw new EngineError('BAD_INPUT', 'The decision must be "approve" or "reject".');
    return info(addReview(pack, { by: String(p.by ?? ''), decision: p.decision, note: String(p.note ?? '') }), null);
  });
  on('pack.report', async (p) => {
    const { pack } = await readPack(requireText(p.text, 'The pack'), { verifyHash: false });
    return { html: packReportHtml(pack, { plotlyJs: p.plotlyJs }) };
  });
  on('pack.keys', async (p, ctx) => {
    const table = await tableName(engine, p.table);
    const relation = quoteIdent(table);
    return keyCandidates(engine, relation, await describeRelation(engine, relation, ctx.signal), ctx.signal);
  });
  on('pack.apply', async (p, ctx) => {
    const { pack } = await readPack(requireText(p.text, 'The pack'));
    if (typeof p.into !== 'string' || p.into.trim() === '') throw new EngineError('BAD_INPUT', 'Name the table to write the tags into.');
    const source = p.table === undefined ? undefined : await tableName(engine, p.table);
    ctx.progress(0.05, 'tagging the rows in DuckDB');
    return applyPack(engine, pack, p.into, source, ctx.signal);
  });
}
