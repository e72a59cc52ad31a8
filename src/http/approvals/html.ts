import type { Approval } from '../../core/approvals/schemas.js';

/** HTML-escape text for element content and quoted attribute values. */
export const esc = (s: unknown) =>
  String(s).replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );

const STYLE = `body{font:15px/1.45 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}
.approve{background:#1a7f37;color:#fff}.deny{background:#b42318;color:#fff}button{padding:.4rem 1rem;font-size:1rem}
.state{font-weight:bold}pre{background:#f4f4f4;padding:.5rem;overflow:auto}`;

/** A whole page: no script, inline style only (the CSP forbids anything else). */
export const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)} · mahavishnu</title>` +
  `<style>${STYLE}</style></head><body><h1>${esc(title)}</h1>${body}</body></html>`;

export const loginForm = (next: string, csrf: string, message?: string) =>
  page(
    'Sign in to approve',
    `${message ? `<p role="alert">${esc(message)}</p>` : ''}
<form method="post" action="/approvals/login">
<input type="hidden" name="csrf" value="${esc(csrf)}"><input type="hidden" name="next" value="${esc(next)}">
<p><label>Username <input name="username" autocomplete="username" required></label></p>
<p><label>Password <input name="password" type="password" autocomplete="current-password" required></label></p>
<p><button type="submit">Sign in</button></p></form>`,
  );

function impactTable(impact: Record<string, unknown> | null): string {
  const tables = (impact?.tables ?? []) as { table: string; live: number; backup: number }[];
  if (!Array.isArray(tables) || tables.length === 0) return '';
  const rows = tables
    .map((t) => `<tr><td>${esc(t.table)}</td><td>${esc(t.live)}</td><td>${esc(t.backup)}</td></tr>`)
    .join('');
  return `<h2>Rows per table</h2><table><tr><th>table</th><th>now</th><th>after</th></tr>${rows}</table>`;
}

export const approvalPage = (a: Approval, csrf: string, signedInAs: string) =>
  page(
    `Approve ${a.tool}?`,
    `<p>Signed in as <b>${esc(signedInAs)}</b>.</p>
<p>Requested by <b>${esc(a.requester)}</b> (${esc(a.requester_role)}, over ${esc(a.transport)}) at ${esc(a.created_at)};
expires ${esc(a.expires_at)}. State: <span class="state" id="state">${esc(a.state)}</span>.</p>
<h2>Arguments</h2><pre>${esc(JSON.stringify(a.input, null, 2))}</pre>
<h2>What it would do</h2><ol id="plan">${a.plan.map((s) => `<li>${esc(s)}</li>`).join('')}</ol>
${impactTable(a.impact)}
${
  a.state === 'pending'
    ? `<form method="post" action="/approvals/${esc(a.id)}/approve" style="display:inline">
<input type="hidden" name="csrf" value="${esc(csrf)}"><button class="approve" type="submit">Approve</button></form>
<form method="post" action="/approvals/${esc(a.id)}/deny" style="display:inline">
<input type="hidden" name="csrf" value="${esc(csrf)}"><button class="deny" type="submit">Deny</button></form>`
    : ''
}`,
  );

export const listPage = (items: Approval[], signedInAs: string) =>
  page(
    'Pending approvals',
    `<p>Signed in as <b>${esc(signedInAs)}</b>.</p>${
      items.length === 0
        ? '<p>Nothing is waiting for a decision.</p>'
        : `<ul>${items
            .map(
              (a) =>
                `<li><a href="/approvals/${esc(a.id)}">${esc(a.tool)}</a> by ${esc(a.requester)}, expires ${esc(a.expires_at)}</li>`,
            )
            .join('')}</ul>`
    }`,
  );

export const messagePage = (title: string, text: string) => page(title, `<p id="message">${esc(text)}</p>`);
