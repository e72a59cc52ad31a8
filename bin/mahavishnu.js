#!/usr/bin/env node
// the bundle of dist/cli/main.js and what it loads (bin/load.js, scripts/bundle.mjs)
import { fileURLToPath } from 'node:url';
import { load } from './load.js';

process.exitCode = await load('./main.js').main(process.argv.slice(2), fileURLToPath(import.meta.url));
