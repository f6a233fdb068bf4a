import { describe, expect, it } from 'vitest';

import { IPC_CHANNELS, LIMITS } from '../../electron/contract';
import { IpcValidationError, isTrustedSenderUrl, validateIpcArguments } from '../../electron/lib/ipc-validate';

function rejection(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(IpcValidationError);
    return (error as Error).message;
  }
  throw new Error('expected the arguments to be rejected');
}

describe('validateIpcArguments: readFile / openRecent paths', () => {
  it('accepts absolute POSIX and Windows paths', () => {
    expect(validateIpcArguments(IPC_CHANNELS.readFile, ['/home/ana/data/orders.csv'])).toEqual(['/home/ana/data/orders.csv']);
    expect(validateIpcArguments(IPC_CHANNELS.readFile, ['C:\\Users\\ana\\orders.parquet'])).toEqual(['C:\\Users\\ana\\orders.parquet']);
    expect(validateIpcArguments(IPC_CHANNELS.openRecent, ['\\\\server\\share\\w.assay.json'])).toHaveLength(1);
  });

  it('rejects wrong types, missing and extra arguments', () => {
    expect(rejection(() => validateIpcArguments(IPC_CHANNELS.readFile, [42]))).toBe(
      'Invalid arguments for assay:read-file: path must be a string (argument 0)',
    );
    expect(rejection(() => validateIpcArguments(IPC_CHANNELS.readFile, []))).toMatch(/^Invalid arguments for assay:read-file: /);
    expect(rejection(() => validateIpcArguments(IPC_CHANNELS.readFile, ['/a', '/b']))).toMatch(/assay:read-file/);
    expect(rejection(() => validateIpcArguments(IPC_CHANNELS.readFile, [{ path: '/a' }]))).toMatch(/must be a string/);
    expect(rejection(() => validateIpcArguments(IPC_CHANNELS.pickFiles, ['unexpected']))).toMatch(/assay:pick-files/);
  });

  it('rejects relative paths, traversal, NUL and huge strings', () => {
    expect(rejection(() => validateIpcArguments(IPC_CHANNELS.readFile, ['data/orders.csv']))).toMatch(/path must be absolute/);
    expect(rejection(() => validateIpcArguments(IPC_CHANNELS.readFile, ['./orders.csv']))).toMatch(/path must be absolute/);
    expect(rejection(() => validateIpcArguments(IPC_CHANNELS.readFile, ['/samples/../../etc/passwd']))).toMatch(/"\.\." segments/);
    expect(rejection(() => validateIpcArguments(IPC_CHANNELS.readFile, ['C:\\app\\..\\Windows\\win.ini']))).toMatch(/"\.\." segments/);
    expect(rejection(() => validateIpcArguments(IPC_CHANNELS.readFile, ['/tmp/a\0.csv']))).toMatch(/NUL/);
    expect(rejection(() => validateIpcArguments(IPC_CHANNELS.readFile, [''])).toString()).toMatch(/must not be empty/);
    const huge = `/${'a'.repeat(LIMITS.maxPathLength)}`;
    expect(rejection(() => validateIpcArguments(IPC_CHANNELS.readFile, [huge]))).toMatch(/longer than 4096/);
  });

  it('accepts names that merely contain dots', () => {
    expect(validateIpcArguments(IPC_CHANNELS.readFile, ['/data/..hidden/v1..2.csv'])).toEqual(['/data/..hidden/v1..2.csv']);
  });
});

describe('validateIpcArguments: saveFile', () => {
  const good = { defaultName: 'segments.csv', bytes: new Uint8Array([1, 2, 3]), filters: [{ name: 'CSV', extensions: ['csv'] }] };

  it('accepts a well-formed request', () => {
    const [request] = validateIpcArguments(IPC_CHANNELS.saveFile, [good]);
    expect(request.defaultName).toBe('segments.csv');
    expect(request.bytes).toBeInstanceOf(Uint8Array);
    expect(validateIpcArguments(IPC_CHANNELS.saveFile, [{ defaultName: 'x.parquet', bytes: new Uint8Array() }])).toHaveLength(1);
  });

  it('rejects bytes that are not a Uint8Array', () => {
    expect(rejection(() => validateIpcArguments(IPC_CHANNELS.saveFile, [{ ...good, bytes: [1, 2, 3] }]))).toMatch(
      /bytes must be a Uint8Array \(argument 0\.bytes\)/,
    );
    expect(rejection(() => validateIpcArguments(IPC_CHANNELS.saveFile, [{ ...good, bytes: 'abc' }]))).toMatch(/Uint8Array/);
  });

  it('rejects names with directories, traversal, or oversize', () => {
    expect(rejection(() => validateIpcArguments(IPC_CHANNELS.saveFile, [{ ...good, defaultName: '../../.bashrc' }]))).toMatch(
      /separator/,
    );
    expect(rejection(() => validateIpcArguments(IPC_CHANNELS.saveFile, [{ ...good, defaultName: '..' }]))).toMatch(/file name/);
    expect(rejection(() => validateIpcArguments(IPC_CHANNELS.saveFile, [{ ...good, defaultName: 'x'.repeat(300) }]))).toMatch(
      /longer than 255/,
    );
  });

  it('rejects malformed filters and unknown keys', () => {
    expect(
      rejection(() => validateIpcArguments(IPC_CHANNELS.saveFile, [{ ...good, filters: [{ name: 'CSV', extensions: ['.csv'] }] }])),
    ).toMatch(/leading dot/);
    expect(rejection(() => validateIpcArguments(IPC_CHANNELS.saveFile, [{ ...good, filters: [{ name: 'CSV', extensions: [] }] }]))).toMatch(
      /assay:save-file/,
    );
    expect(rejection(() => validateIpcArguments(IPC_CHANNELS.saveFile, [{ ...good, overwrite: '/etc/passwd' }]))).toMatch(
      /overwrite/,
    );
  });
});

describe('validateIpcArguments: saveWorkspace', () => {
  it('accepts a null path (save as) and an absolute .assay.json path', () => {
    expect(validateIpcArguments(IPC_CHANNELS.saveWorkspace, [{ path: null, text: '{}' }])).toEqual([{ path: null, text: '{}' }]);
    expect(validateIpcArguments(IPC_CHANNELS.saveWorkspace, [{ path: '/w/churn.assay.json', text: '{}' }])[0].path).toBe(
      '/w/churn.assay.json',
    );
  });

  it('rejects other suffixes, relative paths, missing text and oversized text', () => {
    expect(rejection(() => validateIpcArguments(IPC_CHANNELS.saveWorkspace, [{ path: '/home/a/.bashrc', text: '' }]))).toMatch(
      /must end with \.assay\.json/,
    );
    expect(rejection(() => validateIpcArguments(IPC_CHANNELS.saveWorkspace, [{ path: 'w.assay.json', text: '' }]))).toMatch(
      /absolute/,
    );
    expect(rejection(() => validateIpcArguments(IPC_CHANNELS.saveWorkspace, [{ path: null }]))).toMatch(/text/);
    const oversized = 'x'.repeat(LIMITS.maxWorkspaceChars + 1);
    expect(rejection(() => validateIpcArguments(IPC_CHANNELS.saveWorkspace, [{ path: null, text: oversized }]))).toMatch(
      /workspace text exceeds/,
    );
  });
});

describe('isTrustedSenderUrl', () => {
  it('trusts only the app origin', () => {
    expect(isTrustedSenderUrl('app://assay/index.html')).toBe(true);
    expect(isTrustedSenderUrl('app://assay/')).toBe(true);
    expect(isTrustedSenderUrl('app://assay.evil/index.html')).toBe(false);
    expect(isTrustedSenderUrl('https://example.com/')).toBe(false);
    expect(isTrustedSenderUrl('file:///work/main/dist/index.html')).toBe(false);
    expect(isTrustedSenderUrl('')).toBe(false);
    expect(isTrustedSenderUrl(undefined)).toBe(false);
  });
});
