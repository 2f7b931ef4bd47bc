import { describe, expect, it } from '@jest/globals';
import type { KubeObject } from '../../../src/model/kube-object.js';
import { leftAloneReason, recordOwner } from '../../../src/persistence/stored-backups.js';

const location = { name: 'default', url: 'file:///backups/a' };

function record(labels: Record<string, string> | undefined, annotations: Record<string, string> | undefined, spec?: Record<string, unknown>): KubeObject {
  return { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: 'x', ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) }, ...(spec ? { spec } : {}) };
}

describe('recordOwner', () => {
  it.each([
    ['name and URL match', record({ 'velero.io/storage-location': 'default' }, { 'kube-backup.io/location': 'file:///backups/a' }), { owner: 'this-location' }],
    ['the name in spec only', record(undefined, { 'kube-backup.io/location': 'file:///backups/a' }, { storageLocation: 'default' }), { owner: 'this-location' }],
    ['no annotation', record({ 'velero.io/storage-location': 'default' }, undefined), { owner: 'unmarked' }],
    ['another URL', record({ 'velero.io/storage-location': 'default' }, { 'kube-backup.io/location': 'file:///backups/b' }), { owner: 'other-location', url: 'file:///backups/b' }],
    ['another name, same URL', record({ 'velero.io/storage-location': 'aws' }, { 'kube-backup.io/location': 'file:///backups/a' }), { owner: 'other-name', name: 'aws' }],
    ['no name at all', record(undefined, undefined), { owner: 'other-name', name: undefined }]
  ])('%s', (_, r, owner) => {
    expect(recordOwner(r, location)).toEqual(owner);
  });

  it('says why a record is left alone', () => {
    expect(leftAloneReason({ owner: 'unmarked' }, location)).toMatch(/^it records no location \(no kube-backup.io\/location annotation/);
    expect(leftAloneReason({ owner: 'other-location', url: 'file:///backups/b' }, location)).toBe("it records another location named 'default': file:///backups/b");
    expect(leftAloneReason({ owner: 'other-name', name: 'aws' }, location)).toBe("it records another location name: 'aws'");
  });
});
