import type { JSX } from 'react';

/** The <option> of a remembered choice the picker does not otherwise list (label from kept-choice.ts). */
export function KeptOption({ value, label }: { value: string; label: string | null }): JSX.Element | null {
  return label === null ? null : <option value={value}>{label}</option>;
}
