import { FlinkSQL } from 'dt-sql-parser';
import { sampleRulePack, sampleMixedPack } from '../test/helpers/packs';
import { packToSql } from '../workers/packs/dialects/pack-sql';
const p = new FlinkSQL();
for (const pack of [await sampleRulePack(), await sampleMixedPack()]) {
const sql = packToSql(pack, 'flink').replace('ARRAY_REMOVE(ARRAY[', 'ARRAY_REMOVE(ARRAY(').replace(/\n {2}\], CAST\(NULL AS STRING\)\)/, '\n  ), CAST(NULL AS STRING))');
const errs = p.validate(sql);
console.log(errs.map(e=>`${e.startLine}:${e.startColumn} ${e.message}`));
const lines = sql.split('\n'); for (const e of errs.slice(0,3)) console.log(lines[e.startLine-1]);
}
