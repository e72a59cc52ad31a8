import type { Health } from '../health/health.js';
import type { Backups } from './backups.js';

/** backup_storage: the blob store answers; degraded when the newest backup is older than the RPO. */
export function registerBackupHealth(health: Health, backups: Backups, rpoHours: () => number): void {
  health.register({
    name: 'backup_storage',
    critical: false,
    // the bucket (or folder) and the catalog are the same from every replica: one listing serves all
    shared: true,
    check: async () => {
      const blob = await backups.blob();
      const reach = await blob.check();
      const newest = (await backups.list())[0];
      const details = { store: blob.location, newest: newest?.id ?? null };
      // a fresh install has no backup yet and is not unwell for it; a backup regime that stopped is
      if (!newest) return { status: 'healthy', message: `${reach}; no backup yet`, details };
      const hours = (Date.now() - Date.parse(newest.created)) / 3600_000;
      if (hours > rpoHours())
        return {
          status: 'degraded',
          message: `${reach}; newest backup is ${hours.toFixed(1)} h old, beyond dr.rpo_hours ${rpoHours()}`,
          details,
        };
      return { status: 'healthy', message: `${reach}; newest backup ${newest.id}`, details };
    },
  });
}
