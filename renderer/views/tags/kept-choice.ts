/**
 * Labels for a remembered choice that is not among a picker's options. A plain <select> whose value
 * matches no option shows its first option while the form still sends the remembered value; the
 * pickers list the value as an option of its own, so what is shown is what is sent.
 */

/** The label for a remembered column, or null when it is one of the choices (or empty). */
export function keptColumnLabel(value: string, choices: readonly { name: string }[], allColumns: readonly { name: string }[] = choices): string | null {
  if (!value || choices.some((c) => c.name === value)) return null;
  // A column of the table that this picker does not offer (e.g. not a segment column).
  if (allColumns.some((c) => c.name === value)) return `${value} (not offered here)`;
  return `${value} (not in this table)`;
}

/**
 * The label for a remembered column value, or null when it is among the values shown (or empty).
 * `values` is null while the values load; a list longer than `shown` was cut, so a value missing
 * from the shown part may still be in the table.
 */
export function keptValueLabel(value: string, values: readonly string[] | null, shown: number): string | null {
  if (!value) return null;
  if (values === null) return `${value} (checking the values…)`;
  if (values.slice(0, shown).includes(value)) return null;
  if (values.length > shown) return `${value} (not among the first ${shown} values)`;
  return `${value} (not in this table)`;
}
