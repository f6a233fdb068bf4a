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

  it('keeps the engine areas off the composition root, the public face, the hosts and the CLI', async () => {
    const tags = await ruleMessages(
      'workers/tags/violation.ts',
      "import { serveEngine } from '../engine';\nimport type { TableInfo } from '../api';\nimport { main } from '../cli/main';\nexport const x = [serveEngine, main] as unknown as TableInfo;\n",
    );
    expect(tags.join('\n')).toMatch(/do not import the composition root/);
    expect(tags.join('\n')).toMatch(/do not import the public face/);
    expect(tags.join('\n')).toMatch(/engine and its hosts do not import it/);
    // A nested folder counts too, and so do the hosts.
    const dialect = await ruleMessages(
      'workers/packs/dialects/violation.ts',
      "import { serveEngine } from '../../engine';\nimport { nodeHelperThreads } from '../../node/histogram-threads';\nimport { startEngine } from '../../browser';\nexport const x = [serveEngine, nodeHelperThreads, startEngine];\n",
    );
    expect(dialect.join('\n')).toMatch(/do not import the composition root/);
    expect(dialect.filter((m) => /do not import a host/.test(m))).toHaveLength(2);
    // Areas still import each other's modules and the protocol, and the base rules still hold there.
    const fine = await ruleMessages(
      'workers/gbdt/fine.ts',
      "import type { DataEngine } from '../data/engine';\nimport type { DataSourceRef } from '../data/types';\nimport { jobRegistrar } from '../protocol/host';\nexport const x = [jobRegistrar] as unknown as [DataEngine, DataSourceRef];\n",
    );
    expect(fine).toEqual([]);
    const react = await ruleMessages('workers/cluster/violation.ts', "import React from 'react';\nexport const x = React;\n");
    expect(react.join('\n')).toMatch(/React-free/);
  });

  it('keeps the hosts off the CLI and each other, and the CLI on the Node host', async () => {
    const node = await ruleMessages('workers/node/violation.ts', "import { main } from '../cli/main';\nimport { startEngine } from '../browser';\nexport const x = [main, startEngine];\n");
    expect(node.join('\n')).toMatch(/engine and its hosts do not import it/);
    expect(node.join('\n')).toMatch(/Node host does not import the browser host/);
    const browser = await ruleMessages('workers/browser/violation.ts', "import { createInProcessEngine } from '../node/engine-node';\nexport const x = createInProcessEngine;\n");
    expect(browser.join('\n')).toMatch(/browser host does not import the Node host/);
    const cli = await ruleMessages('workers/cli/violation.ts', "import { serveEngine } from '../engine';\nimport { startEngine } from '../browser';\nexport const x = [serveEngine, startEngine];\n");
    expect(cli.join('\n')).toMatch(/through the Node host/);
    expect(cli.join('\n')).toMatch(/not the browser host/);
    // The CLI may use the Node host, the public API and the areas; the hosts may start the engine through the root.
    const cliFine = await ruleMessages(
      'workers/cli/fine.ts',
      "import { startEngineThread } from '../node/engine-thread-client';\nimport { EngineError } from '../api';\nimport { readPack } from '../packs/io';\nexport const x = [startEngineThread, EngineError, readPack];\n",
    );
    expect(cliFine).toEqual([]);
    expect(await ruleMessages('workers/node/fine.ts', "import { serveEngine } from '../engine';\nexport const x = serveEngine;\n")).toEqual([]);
  });

  it('fails when the Electron shell imports renderer code', async () => {
    const messages = await ruleMessages('electron/violation.ts', "import { App } from '../renderer/App';\nexport const x = App;\n");
    expect(messages.join('\n')).toMatch(/must not import renderer code/);
  });
});
