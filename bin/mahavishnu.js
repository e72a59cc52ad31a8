#!/usr/bin/env node
// the bundle of dist/cli/main.js and what it loads (scripts/bundle.mjs, run by `npm run build`)
import { main } from '../dist/bundle/main.js';

process.exitCode = await main(process.argv.slice(2));
