import { describe, expect, it } from 'vitest';
import { parseWorkflow, planSteps } from '../workflows/definition.js';
import type { AdapterSpec } from './adapter.js';
import { checkAdapterSteps } from './step.js';

const wf = (steps: string, params = '') =>
  parseWorkflow(`name: t\ndescription: d\n${params}steps:\n${steps}`, 't.yaml');

describe('adapter steps in workflow files', () => {
  it('substitutes a whole-string body value by the param, literally, and shows the call as its argv', () => {
    const w = wf(
      '  - name: a\n    adapter: llm\n    call: { path: /q, body: { q: "{{q}}", n: 3 } }\n',
      'params:\n  q: { type: string }\n',
    );
    const [step] = planSteps(w, { q: '"; DROP TABLE x; {{q}}' }).steps;
    expect(step!.adapter).toEqual({
      adapter: 'llm',
      call: { method: 'POST', path: '/q', body: { q: '"; DROP TABLE x; {{q}}', n: 3 } },
    });
    expect(step!.argv).toEqual(['adapter', 'llm', 'POST', '/q']);
  });

  it('refuses a step with neither argv nor adapter, call without adapter, and argv with call', () => {
    expect(() => wf('  - name: a\n')).toThrow(/argv \(a command\) or adapter/);
    expect(() => wf('  - name: a\n    argv: [x]\n    call: { path: / }\n')).toThrow(/call needs adapter/);
    expect(() => wf('  - name: a\n    adapter: x\n    argv: [y]\n    call: { path: / }\n')).toThrow(
      /not both/,
    );
  });

  it('refuses a param inside text or in the path, and an undeclared one', () => {
    const p = 'params:\n  q: { type: string }\n';
    expect(() => wf('  - name: a\n    adapter: x\n    call: { body: { q: "about {{q}}" } }\n', p)).toThrow(
      /body value of its own/,
    );
    expect(() => wf('  - name: a\n    adapter: x\n    call: { path: "/{{q}}" }\n', p)).toThrow(/body value/);
    expect(() => wf('  - name: a\n    adapter: x\n    call: { body: "{{nope}}" }\n')).toThrow(
      /undeclared param nope/,
    );
  });

  it('refuses at run time an unknown adapter, argv for an http adapter, a command adapter without run', () => {
    const http: AdapterSpec = {
      type: 'http',
      base_url: 'http://x',
      health_path: '/h',
      timeout_ms: 1,
      cooldown_s: 1,
      failure_threshold: 1,
    };
    const cmd: AdapterSpec = {
      type: 'command',
      health: ['true'],
      timeout_ms: 1,
      cooldown_s: 1,
      failure_threshold: 1,
    };
    const specs = { web: http, tool: cmd };
    expect(() => checkAdapterSteps([{ name: 's', adapter: { adapter: 'nope' } }], specs)).toThrow(
      /not configured; configured: web, tool/,
    );
    expect(() => checkAdapterSteps([{ name: 's', adapter: { adapter: 'web', args: ['x'] } }], specs)).toThrow(
      /http adapter; give call/,
    );
    expect(() =>
      checkAdapterSteps([{ name: 's', adapter: { adapter: 'tool', args: ['x'] } }], specs),
    ).toThrow(/adapters.tool.run/);
  });
});
