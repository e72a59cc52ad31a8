import type { Config } from './schema.js';

/**
 * How `server.shutdown_budget_s` is spent after SIGTERM. HTTP drain and pool drain run side by
 * side; `reserveMs` at the end re-queues the steps the drain cut short and closes the stores.
 * `/ready` answers 503 from SIGTERM on, and the port stays open at least `unreadyMs` even with
 * nothing in flight, so load balancers that poll /ready see the process leave.
 *
 * The shipped deploy files are derived from the default (25 s) with margin: Kubernetes
 * `terminationGracePeriodSeconds` = preStop (5 s) + budget + 5 s, systemd `TimeoutStopSec` =
 * budget + 5 s (test/deploy/shutdown-budget.test.ts keeps them in step).
 */
export function shutdownPlan(c: Config): {
  budgetMs: number;
  unreadyMs: number;
  drainMs: number;
  reserveMs: number;
} {
  const budgetMs = c.server.shutdown_budget_s * 1000;
  const reserveMs = Math.min(3000, Math.floor(budgetMs / 5));
  const unreadyMs = Math.min(5000, Math.floor(budgetMs / 5));
  return { budgetMs, unreadyMs, drainMs: budgetMs - reserveMs, reserveMs };
}

/** Margin of the deploy files' grace periods over the budget, seconds. */
export const DEPLOY_MARGIN_S = 5;
