import { SparkSQL } from 'dt-sql-parser';
import { sampleRulePack, sampleMixedPack } from '../test/helpers/packs';
import { packToSql } from '../workers/packs/dialects/pack-sql';
const p = new SparkSQL();
let t = Date.now();
console.log(p.validate('SELECT 1 FROM t'), Date.now() - t);
for (const pack of [await sampleRulePack(), await sampleMixedPack()]) {
  t = Date.now();
  const errs = p.validate(packToSql(pack, 'spark'));
  console.log(errs.length, Date.now() - t);
}
t = Date.now();
console.log(p.validate(`SELECT 'it's' FROM t`).length, Date.now() - t);
