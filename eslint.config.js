// ESLint flat config. Besides the usual TypeScript rules, it enforces the layering:
//   workers/  (engine)  must not import renderer/, electron/, React or the DOM
//   renderer/ (UI)      may use the engine only through workers/api and workers/browser
//   electron/ (shell)   must not import renderer/ or engine internals
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const DOM_GLOBALS = ['window', 'document', 'navigator', 'localStorage', 'sessionStorage', 'HTMLElement', 'Element', 'Node'];

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
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/renderer/**', '**/renderer'], message: 'The engine (workers/) must not import renderer code.' },
            { group: ['**/electron/**', '**/electron', 'electron'], message: 'The engine (workers/) must not import Electron or shell code.' },
            { group: ['react', 'react-dom', 'react/*', 'react-dom/*'], message: 'The engine (workers/) is React-free.' },
            { group: ['plotly.js*', '@codemirror/*', 'codemirror', '@tanstack/*'], message: 'UI libraries belong in renderer/.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', ...DOM_GLOBALS.map((name) => ({ name, message: `The engine runs in workers and Node: no DOM global "${name}".` }))],
    },
  },
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
