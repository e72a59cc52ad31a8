import { describe, expect, it } from 'vitest';
import { describeTool } from '../src/mcp/tools.js';
import { TOOLS } from '../src/tools/index.js';

describe('tool surface', () => {
  it('matches the snapshot: names, annotations and schemas (update with `npx vitest -u` when intended)', () => {
    const surface = Object.fromEntries(
      TOOLS.map((t) => [
        t.name,
        { role: t.role, scope: t.scope, cli: t.cliPath.join(' '), ...describeTool(t) },
      ]),
    );
    expect(surface).toMatchSnapshot();
  });

  it('has unique tool names and unique CLI commands', () => {
    expect(new Set(TOOLS.map((t) => t.name)).size).toBe(TOOLS.length);
    expect(new Set(TOOLS.map((t) => t.cliPath.join(' '))).size).toBe(TOOLS.length);
  });
});
