import type { Client } from '@modelcontextprotocol/client';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, testCore, viewer } from '../../test/helpers/core.js';
import { connectInMemory } from '../../test/helpers/mcp-memory.js';
import type { Core } from '../core/core.js';

/**
 * The size of tools/list, what every agent pays in context before its first call: an admin's
 * list under a budget (bytes of the JSON result, o200k tokens), set from the measurement in the
 * README. A new tool or a longer description that breaks it is a choice to make, not an accident.
 */
const BUDGET = { bytes: 65_000, tokens: 16_000 };

describe('tools/list size', () => {
  let core: Core;
  let cleanup: () => Promise<void>;
  const clients: Client[] = [];
  const measure = async (c: Client) => {
    const text = JSON.stringify(await c.listTools());
    return {
      tools: JSON.parse(text).tools.length,
      bytes: Buffer.byteLength(text),
      tokens: countTokens(text),
    };
  };

  beforeAll(async () => {
    ({ core, cleanup } = await testCore('sqlite'));
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    await cleanup();
  });

  it("keeps an admin's tools/list under the budget, with no ±2^53 bounds and $schema kept", async () => {
    const client = await connectInMemory(core, admin, clients);
    const m = await measure(client);
    // the figures the README quotes: npx vitest run src/mcp/tools-list-size.test.ts
    console.info(`tools/list for an admin: ${m.tools} tools, ${m.bytes} bytes, ${m.tokens} o200k tokens`);
    const v = await measure(await connectInMemory(core, viewer, clients));
    console.info(`tools/list for a viewer: ${v.tools} tools, ${v.bytes} bytes, ${v.tokens} o200k tokens`);
    expect(m.bytes).toBeLessThanOrEqual(BUDGET.bytes);
    expect(m.tokens).toBeLessThanOrEqual(BUDGET.tokens);
    const text = JSON.stringify(await client.listTools());
    expect(text).not.toContain('9007199254740991');
    const { tools } = await client.listTools();
    for (const t of tools) {
      expect(t.inputSchema.$schema, t.name).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(t.outputSchema?.$schema, t.name).toBe('https://json-schema.org/draft/2020-12/schema');
    }
  });
});
