import type { Approval } from '../core/approvals/schemas.js';
import { type Globals, loadOpts } from './globals.js';
import { cliPrincipal } from './principal.js';
import { human } from './render.js';

const openCore = async (g: Globals) =>
  (await import('../compose/open-core.js')).openCore({ ...loadOpts(g), logLevel: 'warn' });

const brief = (a: Approval) => ({
  id: a.id,
  tool: a.tool,
  state: a.state,
  requester: a.requester,
  expires_at: a.expires_at,
  input: a.input,
});

function print(v: unknown, g: Globals) {
  process.stdout.write(`${g.json ? JSON.stringify(v, null, 2) : human(v)}\n`);
}

/** `mahavishnu approval list`: on the host, from the state store. */
export async function runList(all: boolean, g: Globals): Promise<number> {
  const core = await openCore(g);
  try {
    const items = await core.approvals.list({ pending: !all });
    print(g.json ? { approvals: items } : { approvals: items.map(brief) }, g);
    return 0;
  } finally {
    await core.close();
  }
}

/** `mahavishnu approve <id>` / `deny <id>`: the host's person decides, as the CLI principal. */
export async function runDecide(id: string, decision: 'approved' | 'denied', g: Globals): Promise<number> {
  const core = await openCore(g);
  try {
    const a = await core.approvals.get(id);
    if (decision === 'approved') {
      const { confirm } = await import('./confirm.js');
      await confirm(`approve ${a.tool} for ${a.requester} (${JSON.stringify(a.input)})`, a.plan, g.yes);
    }
    const done = await core.approvals.decide(id, cliPrincipal(core), decision);
    print(brief(done), g);
    return 0;
  } finally {
    await core.close();
  }
}
