import type { AdapterClient, AdapterConnector } from '../../core/adapters/adapter.js';

/**
 * connectAdapter (./open.ts), with the client's module loaded at the adapter's first call or
 * probe instead of when the core opens: it loads node:http, node:https and node:child_process,
 * which a start that calls no adapter (`mcp start` answering initialize) does not need.
 */
export const connectAdapterOnUse: AdapterConnector = (name, spec) => {
  let client: Promise<AdapterClient> | undefined;
  const open = () => (client ??= import('./open.js').then((m) => m.connectAdapter(name, spec)));
  return {
    call: async (req, signal) => (await open()).call(req, signal),
    probe: async (signal) => (await open()).probe(signal),
    // nothing to drop or close before the client exists
    reset: async () => (client ? (await client).reset() : undefined),
    close: async () => (client ? (await client).close() : undefined),
  };
};
