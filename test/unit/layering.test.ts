import { ESLint } from 'eslint';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths';

// The layering rules in eslint.config.js, checked on code that breaks them.
const eslint = new ESLint({ cwd: repoRoot });

async function ruleMessages(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-globals').map((m) => m.message);
}

describe('layering lint', () => {
  it('fails when the engine imports renderer code, Electron, React or uses the DOM', async () => {
    const messages = await ruleMessages(
      'workers/data/violation.ts',
      "import React from 'react';\nimport { app } from 'electron';\nimport { App } from '../../renderer/App';\nexport const x = [React, app, App, document.title];\n",
    );
    expect(messages.join('\n')).toMatch(/React-free/);
    expect(messages.join('\n')).toMatch(/must not import Electron/);
    expect(messages.join('\n')).toMatch(/must not import renderer code/);
    expect(messages.join('\n')).toMatch(/no DOM global "document"/);
  });

  it('fails when the renderer reaches into engine internals, and allows the public API', async () => {
    const bad = await ruleMessages('renderer/views/Violation.tsx', "import { DataEngine } from '../../workers/data/engine';\nexport const x = DataEngine;\n");
    expect(bad.join('\n')).toMatch(/only through workers\/api/);
    const good = await ruleMessages('renderer/views/Fine.tsx', "import { EngineError } from '../../workers/api';\nexport const x = EngineError;\n");
    expect(good).toEqual([]);
  });

  it('fails when the Electron shell imports renderer code', async () => {
    const messages = await ruleMessages('electron/violation.ts', "import { App } from '../renderer/App';\nexport const x = App;\n");
    expect(messages.join('\n')).toMatch(/must not import renderer code/);
  });
});
