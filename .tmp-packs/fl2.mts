import { FlinkSQL } from 'dt-sql-parser';
const p = new FlinkSQL();
for (const t of ["SELECT ARRAY ['a','b'] FROM t", "SELECT ARRAY('a','b') FROM t", "SELECT array['a'] AS x FROM t","SELECT ARRAY_REMOVE(ARRAY('a','b'), CAST(NULL AS STRING)) FROM t", "SELECT ARRAY_REMOVE(x, CAST(NULL AS STRING)) FROM t", "SELECT ARRAY_REMOVE(x, NULL) FROM t"]) console.log(JSON.stringify(p.validate(t).map(e=>e.message)), t);
