import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../audit/audit.js';
import type { Backups } from '../backup/backups.js';
import type { Core } from '../core.js';
import { AppError } from '../errors.js';
import { Health } from '../health/health.js';
import type { Principal } from '../principal.js';
import type { Db } from '../sql/db.js';
import { migrate } from '../sql/migrations.js';
import { DrLevel, type DrReport, type LevelResult, type RecoverReport, type RecoverStep } from './schemas.js';

const cancelled = () =>
  new AppError('timeout', 'dr check was cancelled; nothing was recorded and the scratch store was removed');

const secs = (since: number) => Math.round(performance.now() - since) / 1000;

export const DR_LEVELS = DrLevel.options;

/** Opens an empty scratch store in a file (the embedded SQLite store). */
export type ScratchDbFactory = (file: string) => Db;

/** Disaster recovery: proving the backups can be restored (check), and doing it (recover). */
export class DisasterRecovery {
  constructor(
    private readonly core: Core,
    private readonly backups: Backups,
    private readonly scratch: ScratchDbFactory,
  ) {}

  /** Level by level, stopping at the first that fails; `upTo` limits how deep it goes. */
  async check(
    upTo: DrLevel = 'restore',
    o: { signal?: AbortSignal; progress?: (done: number, total: number, message: string) => void } = {},
  ): Promise<DrReport> {
    const signal = o.signal;
    const rpoHours = this.core.config.dr.rpo_hours;
    const levels: LevelResult[] = [];
    let rpo: number | null = null;
    let restoreSeconds: number | null = null;
    const newest = (await this.backups.list())[0];
    const depth = DR_LEVELS.indexOf(upTo);
    const run = async (level: DrLevel, fn: () => Promise<string>) => {
      const t = performance.now();
      o.progress?.(DR_LEVELS.indexOf(level), depth + 1, `dr check: level ${level}`);
      try {
        signal?.throwIfAborted();
        levels.push({ level, ok: true, message: await fn(), seconds: secs(t) });
      } catch (e) {
        // a cancelled check is no finding about the backups: nothing is recorded
        if (signal?.aborted) throw cancelled();
        levels.push({
          level,
          ok: false,
          message: (e as Error).message,
          seconds: secs(t),
        });
      }
      return levels.at(-1)!.ok;
    };
    let ok = await run('exists', async () => {
      if (!newest)
        throw new Error(
          `no backup exists in ${(await this.backups.blob()).location}; run \`backup_create {"type":"full"}\``,
        );
      const ageMs = Date.now() - Date.parse(newest.created);
      rpo = Math.round(ageMs / 1000);
      const age = `${(ageMs / 3600_000).toFixed(2)} h`;
      if (ageMs > rpoHours * 3600_000)
        throw new Error(
          `the newest backup ${newest.id} is ${age} old, beyond the ${rpoHours} h objective (dr.rpo_hours)`,
        );
      return `newest backup ${newest.id} is ${age} old, within the ${rpoHours} h objective`;
    });
    if (ok && depth >= 1)
      ok = await run('verify', async () => {
        const v = await this.backups.verify(newest!.id, undefined, signal ? { signal } : {});
        return `${newest!.id}: signature and ${v.entries - 2} checksums verified, read to the end`;
      });
    if (ok && depth >= 2)
      ok = await run('restore', async () => {
        const r = await this.scratchRestore(newest!.id, signal);
        restoreSeconds = r.seconds;
        return r.message;
      });
    signal?.throwIfAborted();
    ok = ok && levels.length === depth + 1;
    const report: DrReport = {
      ok,
      failed: !ok,
      backup_id: newest?.id ?? null,
      rpo_objective_hours: rpoHours,
      measured_rpo_seconds: rpo,
      measured_restore_seconds:
        restoreSeconds === null ? null : Math.round((restoreSeconds as number) * 1000) / 1000,
      levels,
    };
    await this.core.db.query(
      'INSERT INTO dr_checks (id, at, ok, backup_id, rpo_seconds, restore_ms, report) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [
        randomUUID(),
        Date.now(),
        ok ? 1 : 0,
        report.backup_id,
        rpo,
        restoreSeconds === null ? null : Math.round((restoreSeconds as number) * 1000),
        JSON.stringify(report),
      ],
    );
    return report;
  }

  /**
   * Restore into a temporary SQLite store and run sanity queries on it; the live store is not
   * touched. The time is that of a real restore: the safety backup of the live store (rehearsed:
   * dumped, sealed and packed, then dropped), the verify pass and the apply.
   */
  private async scratchRestore(
    id: string,
    signal?: AbortSignal,
  ): Promise<{ seconds: number; message: string }> {
    const dir = mkdtempSync(join(tmpdir(), 'mahavishnu-dr-'));
    const db = this.scratch(join(dir, 'scratch.db'));
    try {
      await migrate(db);
      const t = performance.now();
      const safety = await this.backups.rehearseSafety(signal);
      const r = await this.backups.restore(id, { db, importKeys: true, ...(signal ? { signal } : {}) });
      const seconds = (performance.now() - t) / 1000;
      const problems: string[] = [];
      for (const tm of r.manifest.tables) {
        const n = Number((await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM "${tm.name}"`))[0]?.n);
        if (n !== tm.rows) problems.push(`${tm.name} has ${n} rows, expected ${tm.rows}`);
      }
      const chain = await new AuditLog(db).verify();
      if (!chain.ok) problems.push(`the restored audit log does not verify: ${chain.reason}`);
      if (problems.length) throw new Error(`restored ${id} fails sanity checks: ${problems.join('; ')}`);
      return {
        seconds,
        message:
          `${id} restored into a scratch store in ${seconds.toFixed(3)} s (safety backup of the live store ` +
          `${safety.seconds.toFixed(3)} s, verify and apply ${r.seconds.toFixed(3)} s): ${r.tables} tables, ${r.rows} rows, ` +
          `row counts match, audit chain of ${chain.records} records verifies`,
      };
    } finally {
      await db.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** The whole recovery: verify, safety backup, restore (in maintenance), reconnect, health gate, audit. */
  async recover(
    id: string,
    who: { principal: Principal; callId: string; tool: string },
    o: {
      importKeys?: boolean;
      allowOtherInstallation?: boolean;
      cancelRunning?: boolean;
      signal?: AbortSignal;
      progress?: (done: number, total: number, message: string) => void;
    } = {},
  ): Promise<RecoverReport> {
    const steps: RecoverStep[] = [];
    const step = (name: string, ok: boolean, detail: string) => {
      steps.push({ step: name, ok, detail });
      o.progress?.(steps.length, 7, `dr recover: ${name} ${ok ? 'done' : 'FAILED'}`);
    };
    let safety: string | null = null;
    const v = await this.backups.verify(id, undefined, o.signal ? { signal: o.signal } : {});
    step(
      'verify',
      true,
      `signature and every checksum of ${id} verified (${v.rows} rows in ${v.tables} tables)`,
    );
    let held = '';
    await this.core.maintenance.during(
      `dr recover from ${id}`,
      async (h) => {
        held =
          `${h.paused.length} other process(es) paused, ${h.drained.length} running step(s) drained` +
          (h.cancelled.length ? `, ${h.cancelled.length} cancelled and recorded (cancel_running)` : '');
        const r = await this.backups.restore(id, {
          importKeys: o.importKeys ?? false,
          allowOtherInstallation: o.allowOtherInstallation ?? false,
          safety: true,
          ...(o.signal ? { signal: o.signal } : {}),
          progress: (_d, _t, m) => o.progress?.(steps.length, 7, `dr recover: ${m}`),
        });
        safety = r.safety?.id ?? null;
        step(
          'safety backup',
          Boolean(r.safety),
          r.safety
            ? `the state before the restore saved as ${r.safety.id} (${r.safety.location})${r.safety.fallback ? `; ${r.safety.fallback}` : ''}`
            : (r.warnings ?? []).join('; '),
        );
        step(
          'restore',
          true,
          `${r.rows} rows in ${r.tables} tables restored, all or nothing, in ${r.seconds.toFixed(3)} s; ` +
            `replaced ${r.replaced.join(', ')}; merged, never rolled back: ${r.merged.map((m) => m.table).join(', ')}`,
        );
      },
      {
        cancelRunning: o.cancelRunning ?? false,
        ...(o.signal ? { signal: o.signal } : {}),
        progress: (m) => o.progress?.(steps.length, 7, `dr recover: ${m}`),
      },
    );
    step(
      'maintenance',
      true,
      `installation-wide: ${held}; writes were refused during the restore; maintenance is over`,
    );
    const ms = await this.core.db.ping();
    step('reconnect', true, `${this.core.db.location} answers (${ms.toFixed(1)} ms)`);
    const comps = await this.core.health.components(true);
    const overall = Health.overall(comps);
    const bad = comps
      .filter((c) => c.status !== 'healthy')
      .map((c) => `${c.name}: ${c.status} (${c.message})`);
    step(
      'health gate',
      overall !== 'unhealthy',
      `overall ${overall}${bad.length ? `; ${bad.join('; ')}` : ''}`,
    );
    const chain = await this.core.audit.verify();
    await this.core.audit.append({
      callId: who.callId,
      phase: 'end',
      principal: who.principal,
      tool: who.tool,
      input: { backup: id, safety_backup: safety, restored: true },
      outcome: 'restored',
    });
    step(
      'audit',
      chain.ok,
      chain.ok
        ? `live audit chain of ${chain.records} records kept and verifies; recovery appended`
        : `audit chain is broken: ${chain.reason}`,
    );
    const ok = steps.every((s) => s.ok);
    if (!ok) this.core.log.error({ steps }, 'dr recover finished with failed steps');
    return { ok, backup_id: id, safety_backup: safety, steps };
  }
}
