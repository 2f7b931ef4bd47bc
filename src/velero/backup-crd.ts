import { TOOL_VERSION } from '../util/version.js';
import type { KubeObject } from '../model/kube-object.js';
import type { ResourceRef } from '../model/resource-ref.js';

/** Velero's Backup resource, where a cluster records the backups it knows of. */
export const BACKUP_REF: ResourceRef = { group: 'velero.io', version: 'v1', resource: 'backups', namespaced: true };
export const BACKUP_CRD_NAME = 'backups.velero.io';
export const CRD_REF: ResourceRef = { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', namespaced: false };
export const NAMESPACE_REF: ResourceRef = { group: '', version: 'v1', resource: 'namespaces', namespaced: false };

const OPEN_OBJECT = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

/**
 * A structural CRD for `backups.velero.io`, for clusters without Velero: enough to hold Backup objects as Velero
 * writes them (spec and status kept whole), so sync can record backups and a later Velero install finds them.
 * Like Velero's own CRD it has no status subresource: status is stored as created. Installing Velero's CRDs over
 * it (`velero install`, `kubectl apply`) replaces the schema and keeps the objects.
 */
export function backupCrd(): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: BACKUP_CRD_NAME,
      labels: { component: 'velero' },
      annotations: { 'kube-backup.io/created-by': `kube-backup-action ${TOOL_VERSION}` }
    },
    spec: {
      group: 'velero.io',
      scope: 'Namespaced',
      names: { kind: 'Backup', listKind: 'BackupList', plural: 'backups', singular: 'backup' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          additionalPrinterColumns: [
            { name: 'Status', type: 'string', jsonPath: '.status.phase', description: 'Backup phase' },
            { name: 'Errors', type: 'integer', jsonPath: '.status.errors' },
            { name: 'Warnings', type: 'integer', jsonPath: '.status.warnings' },
            { name: 'Created', type: 'date', jsonPath: '.status.startTimestamp' },
            { name: 'Expires', type: 'string', jsonPath: '.status.expiration' },
            { name: 'Storage Location', type: 'string', jsonPath: '.spec.storageLocation' }
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: 'A Velero backup (velero.io/v1), as recorded by kube-backup-action sync.',
              properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, spec: OPEN_OBJECT, status: OPEN_OBJECT }
            }
          }
        }
      ]
    }
  };
}
