import { FlinkSQL } from 'dt-sql-parser';
const p = new FlinkSQL();
const tests = [
 "SELECT ARRAY['a','b'] FROM t",
 "SELECT ARRAY_REMOVE(ARRAY['a','b'], CAST(NULL AS STRING)) FROM t",
 "SELECT ARRAY_REMOVE(ARRAY[CASE WHEN x THEN 'a' END, 'b'], 'c') AS y FROM t",
 "SELECT x IN ('UK', NULL) FROM t",
 "SELECT x IN ('UK', CAST(NULL AS STRING)) FROM t",
 "SELECT x BETWEEN 100 AND NULL FROM t",
 "SELECT x BETWEEN 100 AND CAST(NULL AS DOUBLE) FROM t",
 "SELECT COALESCE(CAST(NULL AS BOOLEAN) OR (x > 1), FALSE) FROM t",
 "SELECT x LIKE 'a!%' ESCAPE '!' FROM t",
 "SELECT REGEXP(x, 'a' || CHR(92) || 'd') FROM t",
 "SELECT (x = ('a' || CHR(92) || 'b')) FROM t",
 "SELECT `a``b` FROM t",
 "SELECT s.*, 1 AS y FROM (SELECT * FROM t) AS s",
 "INSERT INTO `sink`\nSELECT a FROM t",
 "SELECT (`spend 90d` > 5.005e2) AND (`Country` IN ('UK', 'FR')) FROM t",
 "SELECT (NOT (`back``tick` >= 3)) FROM t",
 "SELECT CAST(1 AS DOUBLE) / (CAST(1 AS DOUBLE) + EXP(-CAST(x AS DOUBLE))) FROM t",
];
for (const t of tests) console.log(JSON.stringify(p.validate(t).map(e=>e.message)), t);
