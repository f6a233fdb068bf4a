// ESLint flat config. Besides the usual TypeScript rules, it enforces the layering:
//   workers/  (engine)  must not import renderer/, electron/, React or the DOM
//   renderer/ (UI)      may use the engine only through workers/api and workers/browser
//   electron/ (shell)   must not import renderer/ or engine internals
// and, inside the engine, the rooms of workers/:
//   areas (data, gbdt, cluster, segments, tags, packs, compute, protocol) depend downward only: not on
//     the public face (api.ts), the composition root (engine.ts), the hosts (node/, browser/) or the CLI
//   hosts (node/, browser/) start the engine through the root; neither imports the CLI or the other host
//   cli/ runs on the Node host: not on the root or the browser host
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const DOM_GLOBALS = ['window', 'document', 'navigator', 'localStorage', 'sessionStorage', 'HTMLElement', 'Element', 'Node'];

/** What no engine file may import (each engine room below repeats them: a rule set later replaces an earlier one). */
const ENGINE_PATTERNS = [
  { group: ['**/renderer/**', '**/renderer'], message: 'The engine (workers/) must not import renderer code.' },
  { group: ['**/electron/**', '**/electron', 'electron'], message: 'The engine (workers/) must not import Electron or shell code.' },
  { group: ['react', 'react-dom', 'react/*', 'react-dom/*'], message: 'The engine (workers/) is React-free.' },
  { group: ['plotly.js*', '@codemirror/*', 'codemirror', '@tanstack/*'], message: 'UI libraries belong in renderer/.' },
];

/** The engine's areas: each has its job types (types.ts) and job registration (jobs.ts) beside its code. */
const ENGINE_AREAS = ['data', 'gbdt', 'ctr', 'cluster', 'segments', 'tags', 'labels', 'packs', 'compute', 'protocol'];

const engineRoom = (files, patterns) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns: [...ENGINE_PATTERNS, ...patterns] }] },
});

const NO_CLI = { regex: '^(\\.\\./)+cli(/|$)', message: 'Only the command line itself lives in workers/cli/; the engine and its hosts do not import it.' };

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.generated/**', '.bench/**', 'samples/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.es2022 } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
    },
  },
  {
    files: ['workers/**/*.ts'],
    languageOptions: { globals: { ...globals.worker, ...globals.node } },
    rules: {
      'no-restricted-imports': ['error', { patterns: ENGINE_PATTERNS }],
      'no-restricted-globals': ['error', ...DOM_GLOBALS.map((name) => ({ name, message: `The engine runs in workers and Node: no DOM global "${name}".` }))],
    },
  },
  engineRoom(
    ENGINE_AREAS.map((area) => `workers/${area}/**/*.ts`),
    [
      { regex: '^(\\.\\./)+engine$', message: 'Engine areas do not import the composition root (workers/engine.ts); it imports them.' },
      { regex: '^(\\.\\./)+api$', message: 'Engine areas do not import the public face (workers/api.ts), which gathers them; import the area module itself (e.g. ../data/types).' },
      { regex: '^(\\.\\./)+(node|browser)(/|$)', message: 'Engine areas run on any host: they do not import a host (workers/node/, workers/browser/); the host passes what it offers in EngineHostOptions.' },
      NO_CLI,
    ],
  ),
  engineRoom(['workers/node/**/*.ts'], [NO_CLI, { regex: '^(\\.\\./)+browser(/|$)', message: 'The Node host does not import the browser host.' }]),
  engineRoom(['workers/browser/**/*.ts'], [NO_CLI, { regex: '^(\\.\\./)+node(/|$)', message: 'The browser host does not import the Node host.' }]),
  engineRoom(
    ['workers/cli/**/*.ts'],
    [
      { regex: '^(\\.\\./)+engine$', message: 'The CLI starts the engine through the Node host (workers/node/), not the composition root.' },
      { regex: '^(\\.\\./)+browser(/|$)', message: 'The CLI runs on the Node host, not the browser host.' },
    ],
  ),
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'warn',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+workers/(?!(api|browser)$)',
              message: 'The renderer uses the engine only through workers/api (job API and types) and workers/browser (engine start-up).',
            },
            { regex: '^(electron|fs|path|child_process|os)(/.*)?$|^node:', message: 'The renderer runs sandboxed: no Electron or Node modules.' },
            { regex: '^(\\.\\./)+electron/(?!contract$)', message: 'The renderer may only import the preload API contract (electron/contract).' },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/**/*.ts'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/renderer/**', '**/renderer'], message: 'The Electron shell must not import renderer code.' },
            { regex: '^(\\.\\./)+workers/(?!api$)', message: 'The Electron shell must not reach into engine internals.' },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'scripts/**/*.{ts,mjs}', 'bin/**/*.mjs', '*.config.{ts,js}'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
);
