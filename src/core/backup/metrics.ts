import { Counter, Gauge, type Registry } from '../prom.js';
import type { Db } from '../sql/db.js';

/**
 * Backup and DR metrics. The "last" gauges are read from the catalog when scraped, so a backup
 * made by the cron CLI process shows up in the server's /metrics too.
 */
export class BackupMetrics {
  private lastSize = 0;
  private lastDuration = 0;
  readonly restores: Counter<'outcome'>;

  constructor(registry: Registry, db: Db) {
    const read = async <T>(sql: string): Promise<T | undefined> => {
      try {
        return (await db.query<T>(sql))[0];
      } catch {
        return undefined;
      }
    };
    const self = this;
    new Gauge({
      name: 'mahavishnu_backup_last_success_timestamp_seconds',
      help: 'When the newest complete backup finished (Unix seconds; 0 when there is none).',
      registers: [registry],
      async collect() {
        const r = await read<{ t: number | null; s: number | null; d: number | null }>(
          "SELECT completed_at AS t, size_bytes AS s, duration_ms AS d FROM backup_catalog WHERE status = 'complete' ORDER BY completed_at DESC LIMIT 1",
        );
        this.set(Number(r?.t ?? 0) / 1000);
        if (r) {
          self.lastSize = Number(r.s ?? 0);
          self.lastDuration = Number(r.d ?? 0) / 1000;
        }
      },
    });
    new Gauge({
      name: 'mahavishnu_backup_duration_seconds',
      help: 'How long the newest complete backup took, seconds.',
      registers: [registry],
      collect() {
        this.set(self.lastDuration);
      },
    });
    new Gauge({
      name: 'mahavishnu_backup_size_bytes',
      help: 'Size of the newest complete backup archive, bytes.',
      registers: [registry],
      collect() {
        this.set(self.lastSize);
      },
    });
    this.restores = new Counter({
      name: 'mahavishnu_restore_total',
      help: 'Restores by outcome: ok, refused (the archive failed a check; nothing changed), failed.',
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
    new Gauge({
      name: 'mahavishnu_dr_check_last_success_timestamp_seconds',
      help: 'When the newest passing DR check ran (Unix seconds; 0 when none).',
      registers: [registry],
      async collect() {
        const r = await read<{ t: number | null }>('SELECT MAX(at) AS t FROM dr_checks WHERE ok = 1');
        this.set(Number(r?.t ?? 0) / 1000);
      },
    });
  }

  backupDone(size: number, seconds: number): void {
    this.lastSize = size;
    this.lastDuration = seconds;
  }

  restored(outcome: string): void {
    this.restores.inc({ outcome });
  }
}
