// Child process for the atomic-write test: writes two large packs (A, B) over one file in a loop
// until killed. Prints both content hashes, writes A once, then prints "writing" and loops.
import { writeFileAtomic } from '../../workers/node/atomic-write';
import { finalizePack, writePack } from '../../workers/packs/io';
import { parseRule } from '../../workers/tags/parser';

const target = process.argv[2] as string;

async function bigPack(version: string, threshold: number): Promise<string> {
  const rows = Array.from({ length: 10_000 }, (_, i) => ({ key: `user-${i}`, values: { spend: i * 1.5, note: `row ${i} with some padding text to make the file large` }, expected: i * 1.5 > threshold ? ['big'] : [] }));
  const pack = await finalizePack({
    schema: 'assay.rulepack/2',
    name: 'atomic',
    version,
    created: { at: '2026-11-20T00:00:00.000Z', by: 'test' },
    asOf: '2026-11-20',
    entity: { table: 'users', key: 'key' },
    tags: [{ kind: 'rule', name: 'big', rule: { text: `spend > ${threshold}`, ast: parseRule(`spend > ${threshold}`) } }],
    golden: { columns: [{ name: 'key', type: 'VARCHAR' }, { name: 'spend', type: 'DOUBLE' }, { name: 'note', type: 'VARCHAR' }], rows },
  });
  process.stdout.write(`${pack.contentHash}\n`);
  return writePack(pack);
}

const a = await bigPack('1.0.0', 100);
const b = await bigPack('2.0.0', 200);
writeFileAtomic(target, a);
process.stdout.write('writing\n');
for (let i = 0; ; i++) writeFileAtomic(target, i % 2 === 0 ? b : a);
