import type { AdapterConnector } from '../../core/adapters/adapter.js';
import { CommandAdapterClient } from './command.js';
import { HttpAdapterClient } from './http.js';

/** Build the client an adapter's settings describe. */
export const connectAdapter: AdapterConnector = (name, spec) =>
  spec.type === 'http' ? new HttpAdapterClient(spec) : new CommandAdapterClient(name, spec);
