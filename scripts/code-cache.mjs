// Preloaded (node --import) into the build's own `mcp start` (scripts/bundle.mjs): on exit, every
// chunk that process loaded gets its V8 code cache written beside it (bin/load.js).
import { writeCodeCaches } from '../bin/load.js';

process.on('exit', writeCodeCaches);
