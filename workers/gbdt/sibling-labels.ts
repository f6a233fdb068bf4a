/**
 * A propensity dataset (`assay features --label-window`, segments/label-window.ts) carries two
 * columns measured after as_of: `label` and `label_spend`. With one as a model's target, the other
 * is the answer in disguise, so default feature choices leave it out, with a notice.
 */
export const PROPENSITY_LABELS: readonly string[] = ['label', 'label_spend'];

/** The candidate feature columns without the target's sibling label; a warning names what was left out. */
export function withoutSiblingLabels<C extends { name: string }>(target: string, columns: C[], warnings: string[]): C[] {
  if (!PROPENSITY_LABELS.includes(target)) return columns;
  const siblings = columns.filter((c) => c.name !== target && PROPENSITY_LABELS.includes(c.name));
  if (siblings.length === 0) return columns;
  warnings.push(`${siblings.map((c) => `"${c.name}"`).join(', ')} left out: like the target "${target}", it describes what happened after as_of. Name it among the features to use it anyway.`);
  return columns.filter((c) => !siblings.includes(c));
}
