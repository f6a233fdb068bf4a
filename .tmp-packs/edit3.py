p='workers/packs/schema.ts'
s=open(p).read()
old=s[s.index("export const gateSchema = z"):s.index("export type GateOutcome")]
new="""/** A gate as the tag validation defines it: the figure must be at least `min` and/or at most `max`. */
export const gateSchema = z
  .object({ metric: z.enum(['coverage', 'support', 'precision', 'recall', 'f1', 'lift']), min: finite.optional(), max: finite.optional() })
  .strict()
  .refine((g) => g.min !== undefined || g.max !== undefined, 'a gate needs min or max');
export type Gate = z.infer<typeof gateSchema>;

export const gateOutcomeSchema = z
  .object({ passed: z.boolean(), reasons: z.array(z.string()) })
  .strict();
"""
s=s.replace(old,new)
open(p,'w').write(s)
p='workers/packs/dialects/pack-sql.ts'
s=open(p).read()
s=s.replace("gates FAILED (${t.gateOutcome.failures.join('; ')})","gates FAILED (${t.gateOutcome.reasons.join('; ')})")
s=s.replace("""  /** Leave out the header comment (e.g. to run the query). */
  header?: boolean;
}""","""  /** Leave out the header comment (e.g. to run the query). */
  header?: boolean;
  /** Read the entity features from this relation instead (golden rows, another table). */
  source?: string;
  /** Source columns carried through to the output after the tags (e.g. a label for metrics). */
  passThrough?: string[];
}""")
s=s.replace("""  let source = featureSql === null ? `SELECT * FROM ${q(pack.entity.table)}` : featureSql.trim().replace(/;\\s*$/, '');""","""  let source =
    options.source !== undefined ? `SELECT * FROM ${options.source}` : featureSql === null ? `SELECT * FROM ${q(pack.entity.table)}` : featureSql.trim().replace(/;\\s*$/, '');""")
s=s.replace("""  const inner = `SELECT ${key},\\n  ${tagged.join(',\\n  ')}\\nFROM""","""  const extra = (options.passThrough ?? []).map((c) => `,\\n  ${q(c)}`).join('');
  const inner = `SELECT ${key},\\n  ${tagged.join(',\\n  ')}${extra}\\nFROM""")
s=s.replace("""  const select = `SELECT ${key},\\n  ${pack.tags.map((t) => tagCol(t.name)).join(',\\n  ')},\\n  ${fired} AS ${q('tags')}\\nFROM""","""  const select = `SELECT ${key},\\n  ${pack.tags.map((t) => tagCol(t.name)).join(',\\n  ')},\\n  ${fired} AS ${q('tags')}${extra}\\nFROM""")
open(p,'w').write(s)
