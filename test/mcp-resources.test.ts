import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, childEnv } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

type Text = { text: string };

describe('runbooks and live state over MCP: an SDK client spawns `mahavishnu mcp start`', () => {
  const tmp = tempDir();
  let client: Client;

  beforeAll(async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, 'mcp', 'start'],
      env: childEnv(tmp.path),
      stderr: 'pipe',
    });
    client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(transport);
  });
  afterAll(async () => {
    await client?.close();
    tmp.remove();
  });

  it('lists every runbook and the live-state resources, and the runbook template', async () => {
    const { resources } = await client.listResources();
    const uris = resources.map((r) => r.uri);
    expect(uris).toEqual(
      expect.arrayContaining([
        'runbook://incident-response',
        'runbook://deployment',
        'runbook://backup-restore',
        'runbook://monitoring-alerting',
        'runbook://common-procedures',
        'runbook://health-checks',
        'runbook://performance-tuning',
        'runbook://security',
        'mahavishnu://health',
        'mahavishnu://pools',
        'mahavishnu://backups',
      ]),
    );
    const ir = resources.find((r) => r.uri === 'runbook://incident-response')!;
    expect(ir).toMatchObject({ mimeType: 'text/markdown', title: 'Incident response' });
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toContain('runbook://{name}');
  });

  it('reads a runbook as Markdown without its front matter', async () => {
    const r = await client.readResource({ uri: 'runbook://incident-response' });
    const c = r.contents[0] as Text & { mimeType: string };
    expect(c.mimeType).toBe('text/markdown');
    expect(c.text).toMatch(/^# Incident response/);
    expect(c.text).toContain('mahavishnu adapter restart');
    expect(c.text).not.toContain('scenarios:');
  });

  it('refuses an unknown runbook with a suggestion', async () => {
    await expect(client.readResource({ uri: 'runbook://incident-respons' })).rejects.toThrow(
      /did you mean runbook:\/\/incident-response/,
    );
  });

  it('completes runbook names', async () => {
    const r = await client.complete({
      ref: { type: 'ref/resource', uri: 'runbook://{name}' },
      argument: { name: 'name', value: 'inc' },
    });
    expect(r.completion.values).toEqual(['incident-response']);
    const all = await client.complete({
      ref: { type: 'ref/resource', uri: 'runbook://{name}' },
      argument: { name: 'name', value: '' },
    });
    expect(all.completion.values).toHaveLength(8);
  });

  it('serves live health with every component, and the pools and backups lists', async () => {
    const h = JSON.parse(
      ((await client.readResource({ uri: 'mahavishnu://health' })).contents[0] as Text).text,
    );
    expect(h.status).toBe('healthy');
    expect(h.components.map((c: { name: string }) => c.name)).toEqual(
      expect.arrayContaining(['state_store', 'cache', 'circuit_breaker_main']),
    );
    for (const [uri, key] of [
      ['mahavishnu://pools', 'pools'],
      ['mahavishnu://backups', 'backups'],
    ] as const) {
      const v = JSON.parse(((await client.readResource({ uri })).contents[0] as Text).text);
      expect(Array.isArray(v[key])).toBe(true);
    }
  });

  it('lists the five incident prompts and returns live facts with the runbook steps', async () => {
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual([
      'data-corruption',
      'high-error-rate',
      'outage',
      'performance-degradation',
      'security-incident',
    ]);
    const p = await client.getPrompt({ name: 'high-error-rate', arguments: { observed: '5xx on /mcp' } });
    const text = (p.messages[0]!.content as Text).text;
    expect(text).toContain('Reported: 5xx on /mcp');
    expect(text).toContain('## Live facts');
    const facts = JSON.parse(/```json\n([\s\S]*?)\n```/.exec(text)![1]!);
    expect(facts).toMatchObject({
      overall: 'healthy',
      breakers: [expect.objectContaining({ name: 'main', state: 'closed' })],
    });
    expect(facts.errors).toMatchObject({ tool_calls: expect.any(Number) });
    expect(text).toContain('## Runbook steps (runbook://incident-response)');
    expect(text).toContain('Scenario 1: High error rate');
    expect(text).not.toContain('Scenario 2');

    const perf = await client.getPrompt({ name: 'performance-degradation', arguments: {} });
    expect((perf.messages[0]!.content as Text).text).toContain('pool_saturation');
    const sec = await client.getPrompt({ name: 'security-incident', arguments: {} });
    const secText = (sec.messages[0]!.content as Text).text;
    expect(secText).toContain('audit_chain');
    expect(secText).toContain('rotate-jwt-secret --revoke-previous');
  });
});
