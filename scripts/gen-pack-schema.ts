// Writes the rule pack's JSON Schema (generated from the zod definition in workers/packs/schema.ts)
// to workers/packs/rulepack.schema.json. Run after changing the pack schema:
//   npx tsx scripts/gen-pack-schema.ts
// test/unit/packs-io.test.ts fails when the shipped file is out of date.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packJsonSchemaText } from '../workers/packs/schema';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const target = path.join(repoRoot, 'workers', 'packs', 'rulepack.schema.json');
fs.writeFileSync(target, packJsonSchemaText());
process.stdout.write(`wrote ${path.relative(repoRoot, target)}\n`);
