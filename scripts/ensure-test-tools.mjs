// Runs before `npm test`: installs the Node 22 side tools (MCP conformance suite, MCP Inspector)
// into node_modules/.node22 the first time, and again when package.json pins other versions, so a
// fresh clone needs only `npm install && npm test`.
import { execSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const prefix = new URL('../node_modules/.node22/node_modules/', import.meta.url);
const script = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).scripts[
  'setup:node22'
];
// every name@version the setup script pins must be installed at that version
const pinned = [...script.matchAll(/(@?[\w./-]+)@(\d[\w.-]*)/g)].map(([, name, version]) => ({
  name,
  version,
}));
const installed = ({ name }) => {
  const file = new URL(`${name}/package.json`, prefix);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).version : undefined;
};
const stale = pinned.filter((p) => installed(p) !== p.version);
if (stale.length > 0) {
  console.error(
    `installing the Node 22 test tools (npm run setup:node22): ${stale.map((p) => `${p.name}@${p.version}`).join(', ')} …`,
  );
  execSync('npm run setup:node22', { stdio: 'inherit' });
}
