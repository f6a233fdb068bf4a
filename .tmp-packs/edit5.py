p='test/unit/packs-dialects.test.ts'
s=open(p).read()
a=s.index("interface SqlValidator {")
b=s.index("/**\n * dt-sql-parser 4.5's Flink")
s=s[:a]+"""/** Grammar errors of each SQL text, from dt-sql-parser in a child process (see validate-sql.ts). */
function grammarErrors(dialect: Exclude<SqlDialect, 'duckdb'>, sql: string[]): string[][] {
  const tsx = path.join(repoRoot, 'node_modules', '.bin', 'tsx');
  const out = execFileSync(tsx, [path.join(repoRoot, 'test', 'helpers', 'validate-sql.ts')], { input: JSON.stringify({ dialect, sql }), encoding: 'utf8', maxBuffer: 64 << 20 });
  return JSON.parse(out) as string[][];
}

"""+s[b:]
old=s[s.index("  it('parses in the dialect grammar for every sample pack', async () => {"):s.index("describe('dialect escaping'")]
new="""  it('parses in the dialect grammar for every sample pack; a pasted unescaped quote does not', () => {
    const sql = packs.map((pack) => grammarCompatible(dialect, packToSql(pack, dialect)));
    const errors = grammarErrors(dialect, [...sql, `SELECT 'it's' FROM t`]);
    sql.forEach((text, i) => expect(errors[i], text).toEqual([]));
    expect(errors[sql.length]?.length).toBeGreaterThan(0);
  });
});

"""
s=s.replace(old,new)
s=s.replace("""import { tableFromIPC } from 'apache-arrow';""","""import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';""")
s=s.replace("""} from '../helpers/packs';""","""} from '../helpers/packs';
import { repoRoot } from '../helpers/paths';""")
open(p,'w').write(s)
