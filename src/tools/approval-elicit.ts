import type { Approval } from '../core/approvals/schemas.js';
import type { ToolContext } from './define.js';

const POLL_MS = 500;
const PROGRESS_MS = 5000;

/**
 * For an MCP client that declared URL-mode elicitation: show the person behind it the approval
 * page (elicitation/create, mode url) and wait, bounded by approvals.elicitation_wait_seconds and
 * the approval's lifetime, for a decision made there (or on the host). The elicitation only opens
 * the page: accepting it approves nothing, the decision is still the page's. Resolves with the
 * approval's state when it was decided within the wait, or undefined (declined, not decided in
 * time, cancelled, or the client could not show it); the caller then answers approval_required.
 */
export async function elicitDecision(a: Approval, url: string, ctx: ToolContext) {
  const { core, client, signal } = ctx;
  const wait = core.config.approvals.elicitation_wait_seconds;
  if (!client?.elicitsUrl || wait <= 0) return undefined;
  let answer: Record<string, unknown>;
  try {
    answer = await client.request('elicitation/create', {
      mode: 'url',
      elicitationId: a.id,
      url,
      message:
        `A person must approve ${a.tool} before it runs. Open the page, sign in with your own ` +
        'username and password, read the plan and approve or deny it; this call goes on once decided.',
    });
  } catch (e) {
    ctx.log.info(
      { err: e, approval: a.id },
      'URL elicitation of an approval failed; answering approval_required',
    );
    return undefined;
  }
  if (answer.action !== 'accept') return undefined;
  const until = Math.min(Date.now() + wait * 1000, Date.parse(a.expires_at));
  let nextProgress = Date.now() + PROGRESS_MS;
  while (Date.now() < until && !signal.aborted) {
    const now = await core.approvals.get(a.id);
    if (now.state !== 'pending') {
      await client.notify?.('notifications/elicitation/complete', { elicitationId: a.id }).catch(() => {});
      return now.state;
    }
    if (Date.now() >= nextProgress) {
      // keeps clients that reset their request timeout on progress waiting
      ctx.progress({ progress: Date.now() - (until - wait * 1000), message: `waiting for approval ${a.id}` });
      nextProgress = Date.now() + PROGRESS_MS;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return undefined;
}
