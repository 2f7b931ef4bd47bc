import type { StoredRestore } from '../persistence/stored-restores.js';
import { restoreStatusOf } from '../persistence/stored-restores.js';
import { terminalTable } from './table.js';

/** `restore get`: one row per restore folder, those without a record (Velero's own) included. */
export function restoreListTable(restores: StoredRestore[]): string {
  const rows = restores.map((stored) => {
    if (stored.state !== 'recorded') return [stored.name, '', stored.state === 'unrecorded' ? 'Unrecorded' : 'Corrupt', '', '', '', ''];
    const status = restoreStatusOf(stored.restore);
    const backup = (stored.restore.spec as { backupName?: string } | undefined)?.backupName ?? '';
    return [stored.name, backup, status.phase ?? '', String(status.errors ?? 0), String(status.warnings ?? 0), status.startTimestamp ?? '', status.completionTimestamp ?? ''];
  });
  return terminalTable(['NAME', 'BACKUP', 'STATUS', 'ERRORS', 'WARNINGS', 'STARTED', 'COMPLETED'], rows);
}
