#!/usr/bin/env node
// Records the V8 code cache of the bundle (bin/load.js): one `mcp start` on an empty data folder
// answers initialize, then its stdin closes, and on exit bin/code-cache-hook.js writes each loaded
// chunk's cache (what V8 compiled of it so far) to <chunk>.js.cache. `npm run build` runs it; run
// it again where the package runs on another Node (a refused cache costs time, not behaviour: the
// chunk compiles from source). Only the settings it needs reach that process, none of the
// caller's MAHAVISHNU_* variables.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'mahavishnu-code-cache-'));
const env = { MAHAVISHNU_DATA__DIR: dir, MAHAVISHNU_CONFIG_DIR: dir, MAHAVISHNU_LOG__LEVEL: 'warn' };
const hook = join(import.meta.dirname, 'code-cache-hook.js');
const bin = join(import.meta.dirname, 'mahavishnu.js');
const p = spawn(process.execPath, ['--import', hook, bin, 'mcp', 'start'], { env, stdio: 'pipe' });
let err = '';
p.stderr.on('data', (d) => {
  err += d;
});
p.stdout.once('data', () => p.stdin.end());
p.stdin.write(
  `${JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'code-cache', version: '1' },
    },
  })}\n`,
);
p.on('exit', (code) => {
  rmSync(dir, { recursive: true, force: true });
  if (code === 0) return;
  process.stderr.write(`bin/code-cache.js: mcp start exited ${code}, no code cache written: ${err}\n`);
  process.exitCode = 1;
});
