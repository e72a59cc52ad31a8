import { getConnInfo } from '@hono/node-server/conninfo';
import { type Context, Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { ApprovalId } from '../../core/approvals/schemas.js';
import type { Core } from '../../core/core.js';
import { httpStatus, isAppError } from '../../core/errors.js';
import type { Principal } from '../../core/principal.js';
import { approvalPage, listPage, loginForm, messagePage } from './html.js';
import {
  LOGIN_COOKIE,
  LoginLimiter,
  randomToken,
  sameToken,
  setPageCookie,
  type WebSession,
  WebSessions,
} from './session.js';

const HEADERS = {
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
  // not no-referrer: with it a browser posts forms with Origin: null, which the Origin check refuses
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
};

const html = (c: Context, body: string, status = 200, extra: Record<string, string> = {}) =>
  c.html(body, status as 200, { ...HEADERS, ...extra });

const addressOf = (c: Context): string => {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // app.request() in tests has no socket
  }
};

/** A state-changing form post must come from this page: same origin (or an allowed one), never none. */
function originRefused(c: Context, core: Core): boolean {
  const origin = c.req.header('origin');
  if (!origin) return true;
  const own = new URL(c.req.url).origin;
  const host = c.req.header('host');
  const allowed = core.config.server.allowed_origins;
  return !(origin === own || (host && origin.endsWith(`//${host}`)) || allowed.includes(origin));
}

const field = (form: Record<string, unknown>, k: string) =>
  typeof form[k] === 'string' ? (form[k] as string) : '';

/**
 * The approval page (docs/approvals.md): a person signs in with username and password and
 * approves or denies a pending request. Server-rendered, no script; the session cookie is
 * HttpOnly and SameSite=Strict, every post carries the session's CSRF token and a same-origin
 * Origin header, and failed sign-ins are rate-limited per account and per address.
 */
export function approvalRoutes(core: Core): Hono {
  const app = new Hono();
  const sessions = new WebSessions(core);
  const limiter = new LoginLimiter(core);

  const showLogin = (c: Context, next: string, message?: string, status = 200) => {
    const csrf = randomToken();
    setPageCookie(c, LOGIN_COOKIE, csrf, 600);
    return html(c, loginForm(next, csrf, message), status);
  };
  const safeNext = (n: string) => (/^\/approvals(\/apr_[A-Za-z0-9_-]+)?$/.test(n) ? n : '/approvals');

  /** The signed-in person as a principal, with the role the store gives them now. */
  const approver = async (s: WebSession): Promise<Principal | undefined> => {
    const u = await core.users.get(s.username);
    return u && !u.disabled ? { username: u.username, role: u.role, transport: 'web' } : undefined;
  };

  app.get('/login', (c) => showLogin(c, safeNext(c.req.query('next') ?? '/approvals')));

  app.post('/login', async (c) => {
    if (originRefused(c, core))
      return html(c, messagePage('Refused', 'This form must be posted from this page.'), 403);
    const form = await c.req.parseBody();
    const next = safeNext(field(form, 'next'));
    if (!sameToken(getCookie(c, LOGIN_COOKIE), field(form, 'csrf')))
      return showLogin(c, next, 'The form expired; sign in again.', 403);
    const username = field(form, 'username').slice(0, 64);
    const password = field(form, 'password').slice(0, 1024);
    const address = addressOf(c);
    const wait = await limiter.lockedFor(username, address);
    if (wait)
      return html(
        c,
        messagePage('Too many attempts', `Too many failed sign-ins; try again in ${wait} seconds.`),
        429,
        { 'retry-after': String(wait) },
      );
    if (!username || !(await core.users.verifyPassword(username, password))) {
      const locked = await limiter.failed(username, address);
      // failed sign-ins (and lock-outs) are in the audit log, where admins see them
      await core.audit
        .append({
          callId: randomToken(),
          phase: 'refused',
          principal: { username: username || '(none)', role: 'viewer', transport: 'web' },
          tool: 'approval_login',
          input: { address, locked_out: locked },
          outcome: 'error',
          errorCode: 'unauthenticated',
        })
        .catch((e) => core.log.error({ err: e }, 'audit of a failed sign-in failed'));
      return showLogin(c, next, 'Wrong username or password.', 401);
    }
    await sessions.open(c, username);
    return c.redirect(next, 303);
  });

  app.post('/logout', async (c) => {
    await sessions.close(c);
    return c.redirect('/approvals/login', 303);
  });

  app.get('/', async (c) => {
    const s = await sessions.current(c);
    if (!s) return c.redirect('/approvals/login?next=/approvals', 303);
    return html(c, listPage(await core.approvals.list({ pending: true }), s.username));
  });

  app.get('/:id', async (c) => {
    const id = c.req.param('id');
    if (!ApprovalId.safeParse(id).success) return html(c, messagePage('Not found', 'No such approval.'), 404);
    const s = await sessions.current(c);
    if (!s) return c.redirect(`/approvals/login?next=/approvals/${id}`, 303);
    try {
      return html(c, approvalPage(await core.approvals.get(id), s.csrf, s.username));
    } catch (e) {
      if (isAppError(e)) return html(c, messagePage('Not found', e.message), httpStatus[e.code]);
      throw e;
    }
  });

  app.post('/:id/:decision{approve|deny}', async (c) => {
    const id = c.req.param('id');
    if (originRefused(c, core))
      return html(c, messagePage('Refused', 'This form must be posted from this page.'), 403);
    const s = await sessions.current(c);
    if (!s) return html(c, messagePage('Signed out', 'Sign in again to decide.'), 401);
    const form = await c.req.parseBody();
    if (!sameToken(s.csrf, field(form, 'csrf')))
      return html(c, messagePage('Refused', 'The form is not from this session; reload the page.'), 403);
    const who = await approver(s);
    if (!who)
      return html(c, messagePage('Refused', `${s.username} cannot decide: the account is disabled.`), 403);
    try {
      const a = await core.approvals.decide(
        id,
        who,
        c.req.param('decision') === 'approve' ? 'approved' : 'denied',
      );
      return html(
        c,
        messagePage(
          a.state === 'approved' ? 'Approved' : 'Denied',
          a.state === 'approved'
            ? `${a.tool} is approved for ${a.requester} until ${a.expires_at}: the same call with approval_id ${a.id} now runs, once.`
            : `${a.tool} is denied; a call with approval_id ${a.id} is refused.`,
        ),
      );
    } catch (e) {
      if (isAppError(e)) return html(c, messagePage('Refused', e.message), httpStatus[e.code]);
      throw e;
    }
  });
  return app;
}
