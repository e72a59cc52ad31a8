// Preloaded (node --import) into the one `mcp start` of bin/code-cache.js: on exit, every chunk
// that process loaded gets its V8 code cache written beside it (bin/load.js).
import { writeCodeCaches } from './load.js';

process.on('exit', writeCodeCaches);
