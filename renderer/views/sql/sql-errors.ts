/** Maps an engine error position in the text that ran back onto the editor's document. */
import type { SqlPosition } from '../../../workers/api';

export interface ErrorLocation {
  /** Document offsets of the span to mark. */
  from: number;
  to: number;
  /** 1-based, in the whole document (what the editor's gutter shows). */
  line: number;
  column: number;
}

/** Offset of (line, column), both 1-based, in text; clamped to the text. */
export function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const next = text.indexOf('\n', offset);
    if (next === -1) return text.length;
    offset = next + 1;
  }
  return Math.min(text.length, offset + Math.max(0, column - 1));
}

/**
 * Where to mark an error: the word (identifier, quoted name or number) at the position, or one
 * character. `ranFrom` is where the text that ran starts in the document (a selection).
 */
export function locateSqlError(documentText: string, ranText: string, ranFrom: number, position: SqlPosition | undefined): ErrorLocation | null {
  if (!position) return null;
  const local = Number.isFinite(position.offset) && position.offset >= 0 ? Math.min(position.offset, ranText.length) : offsetOf(ranText, position.line, position.column);
  let from = Math.min(documentText.length, ranFrom + local);
  // An error at the very end (e.g. an unfinished statement) marks the last visible character.
  if (from >= documentText.length && documentText.length > 0) from = documentText.trimEnd().length - 1;
  from = Math.max(0, from);
  let to = from;
  const rest = documentText.slice(from);
  const quoted = /^"(?:[^"]|"")*"/.exec(rest);
  const word = /^[\p{L}\p{N}_$.]+/u.exec(rest);
  if (quoted) to = from + quoted[0].length;
  else if (word) to = from + word[0].length;
  else to = Math.min(documentText.length, from + 1);
  const before = documentText.slice(0, from);
  const line = before.split('\n').length;
  const column = from - (before.lastIndexOf('\n') + 1) + 1;
  return { from, to, line, column };
}
