#!/usr/bin/env node
// The `assay` CLI: loads the TypeScript engine through tsx and runs the command line.
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

register();
const here = path.dirname(fileURLToPath(import.meta.url));
const { main } = await import(path.join(here, '..', 'workers', 'cli', 'main.ts'));
process.exitCode = await main(process.argv.slice(2));
