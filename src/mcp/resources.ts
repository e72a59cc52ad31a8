import {
  type McpServer,
  ProtocolError,
  ProtocolErrorCode,
  ResourceTemplate,
} from '@modelcontextprotocol/server';
import { closest } from '../core/config/zod-issues.js';
import type { Core } from '../core/core.js';
import { isAppError } from '../core/errors.js';
import type { Principal } from '../core/principal.js';
import { backupsState, healthState, poolsState } from '../resources/live.js';
import { loadRunbooks } from '../resources/runbooks.js';
import { mcpError } from './errors.js';
import type { PrincipalOf } from './tools.js';

const json = (uri: URL, value: unknown) => ({
  contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(value, null, 2) }],
});

/**
 * Runbooks as resources (runbook://{name}: listed, names completed) and live state as resources
 * (mahavishnu://health, mahavishnu://pools, mahavishnu://backups), read per request; pools and
 * backups through their list tools, as the session's caller.
 */
export function registerResources(server: McpServer, core: Core, principalOf: PrincipalOf): void {
  /** A live-state read as the session's caller; a refusal (policy, role) is the error of the tool. */
  const live = async (
    uri: URL,
    extra: Parameters<PrincipalOf>[0],
    read: (p: Principal) => Promise<unknown>,
  ) => {
    try {
      return json(uri, await read(principalOf(extra)));
    } catch (e) {
      throw isAppError(e) ? mcpError(e) : e;
    }
  };

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
        throw new ProtocolError(
          ProtocolErrorCode.InvalidParams,
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
    async (uri, extra) => live(uri, extra, (p) => poolsState(core, p)),
  );
  server.registerResource(
    'backups',
    'mahavishnu://backups',
    {
      title: 'Backups',
      description: 'The backup catalog: ids, times, verification.',
      mimeType: 'application/json',
    },
    async (uri, extra) => live(uri, extra, (p) => backupsState(core, p)),
  );
}
