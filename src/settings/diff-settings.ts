import type { BackupChoice } from '../persistence/choose-backup.js';
import { InputError } from '../util/errors.js';
import { readBoolean, type InputReader } from './input-reader.js';
import { checkName } from './names.js';
import { parseRestoreSettings, type RestoreSettings } from './restore-settings.js';

export interface DiffSettings {
  /**
   * How the backup is seen: exactly as a restore with the same inputs would see it (from-backup, defaulting to
   * latest, or from-schedule; filters, include-names, namespace-mappings, resource-modifiers, max-archive-size,
   * verify-key, encryption keys). Parsed by restore's own parser so the two cannot read an input differently.
   */
  view: RestoreSettings;
  /** against-backup: compare with this backup instead of the live cluster. */
  against?: BackupChoice;
  /** fail-on-drift: the step fails (the CLI exits 2) when anything drifted. */
  failOnDrift: boolean;
}

/**
 * Restore's write-only inputs (existing-resource-policy, restore-hooks, dry-run...) are read and left unused: the
 * action gives them defaults whatever the mode, so their presence says nothing about the user's intent.
 */
export function parseDiffSettings(reader: InputReader): DiffSettings {
  const fromBackup = reader.get('from-backup') ?? (reader.get('from-schedule') === undefined ? 'latest' : undefined);
  const view = parseRestoreSettings({ get: (name) => (name === 'from-backup' ? fromBackup : reader.get(name)) });
  const against = reader.get('against-backup');
  const settings: DiffSettings = { view, failOnDrift: readBoolean(reader, 'fail-on-drift', false) };
  if (against !== undefined) {
    if (against !== 'latest') checkName('against-backup', against);
    settings.against = against === 'latest' ? { kind: 'latest' } : { kind: 'name', name: against };
    if (sameBackup(view.backup, settings.against)) throw new InputError('against-backup', `names the same backup as from-backup ('${against}')`, 'Name two different backups, or leave against-backup empty to compare with the live cluster');
  }
  return settings;
}

function sameBackup(a: BackupChoice, b: BackupChoice): boolean {
  return (a.kind === 'latest' && b.kind === 'latest') || (a.kind === 'name' && b.kind === 'name' && a.name === b.name);
}
