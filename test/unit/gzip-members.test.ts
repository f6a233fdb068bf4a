import { describe, expect, it } from 'vitest';
import { endsAtFirstMember } from '../../workers/data/gzip-check';

describe('gzip files of several members', () => {
  it("accept Chromium's stop after a complete first member, and nothing else", () => {
    // The message Chromium's DecompressionStream gives at a second member (the browser engine).
    expect(endsAtFirstMember('Junk found after end of compressed data.')).toBe(true);
    expect(endsAtFirstMember('The compressed data was not valid: incorrect data check')).toBe(false);
    expect(endsAtFirstMember('unexpected end of file')).toBe(false);
  });
});
