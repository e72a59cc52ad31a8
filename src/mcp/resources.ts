import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { closest } from '../core/config/zod-issues.js';
import type { Core } from '../core/core.js';
import { backupsState, healthState, poolsState } from '../resources/live.js';
import { loadRunbooks } from '../resources/runbooks.js';

const json = (uri: URL, value: unknown) => ({
  contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(value, null, 2) }],
});

/**
 * Runbooks as resources (runbook://{name}: listed, names completed) and live state as resources
 * (mahavishnu://health, mahavishnu://pools, mahavishnu://backups), read from the core per request.
 */
export function registerResources(server: McpServer, core: Core): void {
  const runbooks = loadRunbooks();
  const names = runbooks.map((r) => r.name);

  server.registerResource(
    'runbook',
    new ResourceTemplate('runbook://{name}', {
      list: () => ({
        resources: runbooks.map((r) => ({
          uri: r.uri,
          name: r.name,
          title: r.title,
          description: r.description,
          mimeType: 'text/markdown',
        })),
      }),
      complete: { name: (value) => names.filter((n) => n.startsWith(value ?? '')) },
    }),
    {
      title: 'Operational runbook',
      description:
        'The runbooks of this deployment as Markdown: incident response, deployment, backup and restore, ' +
        'monitoring and alerting, common procedures, health checks, performance tuning, security. Every ' +
        'command in them is a real mahavishnu command.',
      mimeType: 'text/markdown',
    },
    (uri, { name }) => {
      const r = runbooks.find((x) => x.name === name);
      if (!r) {
        const guess = closest(String(name), names);
        throw new McpError(
          ErrorCode.InvalidParams,
          `no runbook "${name}"${guess ? `; did you mean runbook://${guess}?` : ''} (resources/list shows them all)`,
        );
      }
      return { contents: [{ uri: uri.href, mimeType: 'text/markdown', text: r.body }] };
    },
  );

  server.registerResource(
    'health',
    'mahavishnu://health',
    {
      title: 'Live health',
      description:
        'Overall status and every component (state_store, cache, circuit_breaker_<adapter>, pools, backup storage), checked now.',
      mimeType: 'application/json',
    },
    async (uri) => json(uri, await healthState(core)),
  );
  server.registerResource(
    'pools',
    'mahavishnu://pools',
    {
      title: 'Worker pools',
      description: 'Worker pools with their sizes and state.',
      mimeType: 'application/json',
    },
    async (uri) => json(uri, await poolsState(core)),
  );
  server.registerResource(
    'backups',
    'mahavishnu://backups',
    {
      title: 'Backups',
      description: 'The backup catalog: ids, times, verification.',
      mimeType: 'application/json',
    },
    async (uri) => json(uri, await backupsState(core)),
  );
}
