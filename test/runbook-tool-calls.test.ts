import { describe, expect, it } from 'vitest';
import { resolveCommand } from '../src/cli/commands.js';
import { toolByName } from '../src/tools/index.js';
import { repoRunbooks } from './helpers/runbook-commands.js';

/** A placeholder (`<pool_id>`) stands for a value the reader fills in. */
const placeholder = (v: unknown) => typeof v === 'string' && /^<[^>]+>$/.test(v);
const RESOURCES = ['mahavishnu://health', 'mahavishnu://pools', 'mahavishnu://backups'];
const COMMAND = /(?:^|\s)(?:\S*\/)?mahavishnu\s+([a-z][a-z-]*(?=\s|$).*)$/;

interface Step {
  file: string;
  code: string;
  mark: string;
}

/** Every shell line of the runbooks' code blocks, with its marker comment (`# MCP: …` or `# host only`). */
function shellSteps(): Step[] {
  const out: Step[] = [];
  for (const [file, text] of Object.entries(repoRunbooks())) {
    let inFence = false;
    let shell = false;
    for (const line of text.split('\n')) {
      const fence = /^\s*```(\w*)/.exec(line);
      if (fence) {
        inFence = !inFence;
        shell = ['bash', 'sh', ''].includes(fence[1]!);
        continue;
      }
      if (!inFence || !shell || !line.trim() || line.trim().startsWith('#')) continue;
      const m = /\s+#\s(MCP: .*|host only.*)$/.exec(line);
      out.push({ file, code: m ? line.slice(0, m.index) : line, mark: m?.[1] ?? '' });
    }
  }
  return out;
}

/** `tool {json}` followed by an optional ` — note`. */
function toolCall(mark: string): { name: string; input: unknown } {
  const m = /^MCP: ([a-z_]+) (\{.*?\})(?: — .*)?$/.exec(mark);
  if (!m) throw new Error(`"${mark}" is not "MCP: tool_name {json}" or "MCP: read <uri>"`);
  return { name: m[1]!, input: JSON.parse(m[2]!) };
}

describe('runbook steps say how an agent performs them', () => {
  const steps = shellSteps();

  it('marks every shell step as an MCP call, a resource read, or host only', () => {
    expect(steps.length).toBeGreaterThan(100);
    expect(steps.filter((s) => !s.mark).map((s) => `${s.file}: ${s.code}`)).toEqual([]);
  });

  it('names a real tool with input valid against its schema (placeholders aside) in every MCP call', () => {
    const problems: string[] = [];
    for (const s of steps.filter((x) => x.mark.startsWith('MCP: ') && !x.mark.startsWith('MCP: read '))) {
      const { name, input } = toolCall(s.mark);
      const tool = toolByName.get(name);
      if (!tool) {
        problems.push(`${s.file}: ${name} is not a tool`);
        continue;
      }
      const parsed = tool.input.safeParse(input);
      const real = parsed.success
        ? []
        : parsed.error.issues.filter(
            (i) =>
              !placeholder(i.path.reduce<unknown>((v, k) => (v as Record<PropertyKey, unknown>)?.[k], input)),
          );
      for (const i of real) problems.push(`${s.file}: ${name} ${i.path.join('.')}: ${i.message}`);
    }
    expect(problems).toEqual([]);
  });

  it('gives the tool the CLI line runs, with the same input (CLI words joined by _ are the tool name)', () => {
    for (const s of steps) {
      const c = COMMAND.exec(s.code.replace(/\s+(\||>>?|2>&1).*$/, ''));
      if (!c || !s.mark.startsWith('MCP: ') || s.mark.startsWith('MCP: read ')) continue;
      const args = c[1]!.trim().split(/\s+/);
      const r = resolveCommand(args);
      const call = toolCall(s.mark);
      expect('tool' in r && r.tool.name, s.code).toBe(call.name);
      expect('tool' in r && r.input, s.code).toEqual(call.input);
      expect(args.join('_').replace(/-/g, '_').startsWith(call.name), s.code).toBe(true);
    }
  });

  it('reads only resources the server serves', () => {
    for (const s of steps.filter((x) => x.mark.startsWith('MCP: read '))) {
      expect(RESOURCES, `${s.file}: ${s.mark}`).toContain(/^MCP: read (\S+)/.exec(s.mark)![1]);
    }
  });

  it('marks the shell-only tools host only', () => {
    for (const s of steps)
      if (/^(sudo |journalctl|psql|iptables|systemctl|kubectl|docker|vim|openssl)/.test(s.code.trim()))
        expect(s.mark, `${s.file}: ${s.code}`).toMatch(/^host only/);
  });
});
