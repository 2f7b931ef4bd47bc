import type { KubeObject } from '../../../src/model/kube-object.js';

const managed = (manager: string, fields: Record<string, unknown>, operation = 'Update') => ({
  apiVersion: 'v1',
  fieldsType: 'FieldsV1',
  fieldsV1: fields,
  manager,
  operation,
  time: '2026-03-01T10:00:00Z'
});

export function deployment(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      annotations: { 'deployment.kubernetes.io/revision': '3' },
      creationTimestamp: '2026-03-01T10:00:00Z',
      generation: 5,
      labels: { app: 'web', 'app.kubernetes.io/name': 'web' },
      managedFields: [managed('kubectl-client-side-apply', { 'f:spec': { 'f:replicas': {} } }), managed('kube-controller-manager', { 'f:status': {} })],
      name: 'web',
      namespace: 'shop',
      resourceVersion: '48213',
      uid: '1b5a3c1e-2f0e-4a53-9f0e-7d1c2e3a4b5c'
    },
    spec: {
      progressDeadlineSeconds: 600,
      replicas: 3,
      revisionHistoryLimit: 10,
      selector: { matchLabels: { app: 'web' } },
      strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
      template: {
        metadata: { creationTimestamp: null, labels: { app: 'web' } },
        spec: {
          containers: [
            {
              image: 'nginx:1.27',
              imagePullPolicy: 'IfNotPresent',
              name: 'nginx',
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              resources: { limits: { cpu: '500m', memory: '128Mi' } },
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File'
            }
          ],
          dnsPolicy: 'ClusterFirst',
          restartPolicy: 'Always',
          schedulerName: 'default-scheduler',
          securityContext: {},
          terminationGracePeriodSeconds: 30
        }
      }
    },
    status: {
      availableReplicas: 3,
      conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }],
      observedGeneration: 5,
      readyReplicas: 3,
      replicas: 3,
      updatedReplicas: 3
    }
  };
}

export function clusterIpService(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      creationTimestamp: '2026-03-01T10:00:00Z',
      labels: { app: 'web' },
      managedFields: [managed('kubectl-create', { 'f:spec': { 'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:port': {}, 'f:protocol': {}, 'f:targetPort': {} } } } })],
      name: 'web',
      namespace: 'shop',
      resourceVersion: '48100',
      uid: '5e0c1c8e-8a0d-4c11-a1a8-0d4f7d2b9a11'
    },
    spec: {
      clusterIP: '10.96.14.2',
      clusterIPs: ['10.96.14.2'],
      internalTrafficPolicy: 'Cluster',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }],
      selector: { app: 'web' },
      sessionAffinity: 'None',
      type: 'ClusterIP'
    },
    status: { loadBalancer: {} }
  };
}

/** Created by kubectl apply with an explicit nodePort on `http`; `metrics` got an allocated one. */
export function nodePortService(): KubeObject {
  const applied = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'edge', namespace: 'shop' },
    spec: { type: 'NodePort', selector: { app: 'edge' }, ports: [{ name: 'http', port: 80, nodePort: 30080 }, { name: 'metrics', port: 9090 }] }
  };
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': `${JSON.stringify(applied)}\n` },
      creationTimestamp: '2026-03-01T10:00:00Z',
      name: 'edge',
      namespace: 'shop',
      resourceVersion: '48120',
      uid: '6f1d2d9f-9b1e-4d22-b2b9-1e5f8e3c0b22'
    },
    spec: {
      clusterIP: '10.96.200.7',
      clusterIPs: ['10.96.200.7'],
      externalTrafficPolicy: 'Cluster',
      internalTrafficPolicy: 'Cluster',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      ports: [
        { name: 'http', nodePort: 30080, port: 80, protocol: 'TCP', targetPort: 80 },
        { name: 'metrics', nodePort: 31544, port: 9090, protocol: 'TCP', targetPort: 9090 }
      ],
      selector: { app: 'edge' },
      sessionAffinity: 'None',
      type: 'NodePort'
    },
    status: { loadBalancer: {} }
  };
}

/** Server-side applied LoadBalancer with externalTrafficPolicy Local: node and health check ports allocated. */
export function loadBalancerService(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      creationTimestamp: '2026-03-01T10:00:00Z',
      managedFields: [
        managed(
          'platform-tool',
          { 'f:spec': { 'f:externalTrafficPolicy': {}, 'f:ports': { 'k:{"port":443,"protocol":"TCP"}': { 'f:nodePort': {}, 'f:port': {} }, 'k:{"port":80,"protocol":"TCP"}': { 'f:port': {} } }, 'f:type': {} } },
          'Apply'
        )
      ],
      name: 'ingress',
      namespace: 'edge',
      resourceVersion: '9001',
      uid: '7a2e3eaf-ac2f-4e33-c3ca-2f6a9f4d1c33'
    },
    spec: {
      allocateLoadBalancerNodePorts: true,
      clusterIP: '10.96.3.3',
      clusterIPs: ['10.96.3.3'],
      externalTrafficPolicy: 'Local',
      healthCheckNodePort: 32100,
      ports: [
        { name: 'http', nodePort: 30500, port: 80, protocol: 'TCP', targetPort: 8080 },
        { name: 'https', nodePort: 30443, port: 443, protocol: 'TCP', targetPort: 8443 }
      ],
      type: 'LoadBalancer'
    },
    status: { loadBalancer: { ingress: [{ ip: '203.0.113.10', ipMode: 'VIP' }] } }
  };
}

export function headlessService(): KubeObject {
  const service = clusterIpService();
  service.metadata.name = 'db';
  Object.assign(service.spec as object, { clusterIP: 'None', clusterIPs: ['None'] });
  return service;
}

export function configMap(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      creationTimestamp: '2026-03-01T10:00:00Z',
      name: 'settings',
      namespace: 'shop',
      resourceVersion: '4711',
      uid: '8b3f4fb0-bd30-4f44-d4db-3a7b0a5e2d44',
      managedFields: [managed('kubectl-create', { 'f:data': { '.': {}, 'f:mode': {} } })]
    },
    data: { mode: 'production', 'feature.flags': 'a,b' }
  };
}

export function opaqueSecret(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"apiVersion":"v1","data":{"password":"aHVudGVyMg=="},"kind":"Secret"}\n' },
      creationTimestamp: '2026-03-01T10:00:00Z',
      name: 'db-credentials',
      namespace: 'shop',
      resourceVersion: '4800',
      uid: '9c405fc1-ce41-4055-e5ec-4b8c1b6f3e55'
    },
    data: { password: 'aHVudGVyMg==', username: 'YXBw' },
    type: 'Opaque'
  };
}

export function generatedTokenSecret(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      annotations: { 'kubernetes.io/service-account.name': 'builder', 'kubernetes.io/service-account.uid': 'aa11bb22-cc33-4d44-8e55-ff6677889900' },
      creationTimestamp: '2022-01-01T00:00:00Z',
      name: 'builder-token-x7k2p',
      namespace: 'ci',
      resourceVersion: '100',
      uid: 'b1b2b3b4-0000-4000-8000-000000000001'
    },
    data: { 'ca.crt': 'LS0tLS1CRUdJTg==', namespace: 'Y2k=', token: 'ZXlKaGJHY2lPaUpTVXpJMU5pSXNJbXRwWkNJNklpSjk=' },
    type: 'kubernetes.io/service-account-token'
  };
}

/** A long-lived token Secret made by hand (the Kubernetes 1.24+ way). */
export function manualTokenSecret(): KubeObject {
  const secret = generatedTokenSecret();
  secret.metadata.name = 'builder-long-lived';
  return secret;
}

export function serviceAccount(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { creationTimestamp: '2022-01-01T00:00:00Z', name: 'builder', namespace: 'ci', resourceVersion: '99', uid: 'aa11bb22-cc33-4d44-8e55-ff6677889900' },
    imagePullSecrets: [{ name: 'registry' }],
    secrets: [{ name: 'builder-token-x7k2p' }, { name: 'registry' }]
  };
}

/** ObjectMeta's type leaves out blockOwnerDeletion; the API returns it. */
const replicaSetOwner = { apiVersion: 'apps/v1', blockOwnerDeletion: true, controller: true, kind: 'ReplicaSet', name: 'web-5d9c7b6f8', uid: 'c0c0c0c0-1111-4222-8333-444455556666' };

export function runningPod(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      creationTimestamp: '2026-03-01T10:00:05Z',
      generateName: 'web-5d9c7b6f8-',
      labels: { app: 'web', 'pod-template-hash': '5d9c7b6f8' },
      name: 'web-5d9c7b6f8-abcde',
      namespace: 'shop',
      ownerReferences: [{ ...replicaSetOwner }],
      resourceVersion: '48300',
      uid: 'd1d1d1d1-1111-4222-8333-444455556666'
    },
    spec: {
      containers: [
        {
          image: 'nginx:1.27',
          imagePullPolicy: 'IfNotPresent',
          name: 'nginx',
          volumeMounts: [
            { mountPath: '/data', name: 'data' },
            { mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', name: 'web-sa-token-q8w9e', readOnly: true }
          ]
        }
      ],
      initContainers: [{ image: 'busybox', name: 'init', volumeMounts: [{ mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', name: 'web-sa-token-q8w9e', readOnly: true }] }],
      ephemeralContainers: [{ image: 'busybox', name: 'debugger-x1', targetContainerName: 'nginx' }],
      nodeName: 'worker-2',
      priority: 1000,
      priorityClassName: 'business-critical',
      serviceAccount: 'web-sa',
      serviceAccountName: 'web-sa',
      volumes: [
        { name: 'data', persistentVolumeClaim: { claimName: 'web-data' } },
        { name: 'web-sa-token-q8w9e', secret: { defaultMode: 420, secretName: 'web-sa-token-q8w9e' } },
        { name: 'kube-api-access-7hx2k', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }] } }
      ]
    },
    status: { phase: 'Running', podIP: '10.244.1.17', hostIP: '172.18.0.3' }
  };
}

export function finishedPod(phase: 'Succeeded' | 'Failed'): KubeObject {
  const pod = runningPod();
  pod.metadata.name = `migrate-${phase.toLowerCase()}`;
  (pod.status as { phase: string }).phase = phase;
  return pod;
}

export function mirrorPod(): KubeObject {
  const pod = runningPod();
  pod.metadata.name = 'etcd-control-plane';
  pod.metadata.namespace = 'kube-system';
  pod.metadata.annotations = { 'kubernetes.io/config.mirror': '3b1f0e6a9c1d2e3f', 'kubernetes.io/config.source': 'file' };
  return pod;
}

export function runningJob(): KubeObject {
  const uid = 'e5e5e5e5-1111-4222-8333-444455556666';
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      creationTimestamp: '2026-03-01T10:00:00Z',
      generation: 1,
      labels: { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': 'reindex', 'controller-uid': uid, 'job-name': 'reindex' },
      name: 'reindex',
      namespace: 'shop',
      resourceVersion: '5000',
      uid
    },
    spec: {
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      completions: 1,
      parallelism: 1,
      podReplacementPolicy: 'TerminatingOrFailed',
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } },
      suspend: false,
      template: {
        metadata: {
          creationTimestamp: null,
          labels: { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': 'reindex', 'controller-uid': uid, 'job-name': 'reindex' }
        },
        spec: { containers: [{ image: 'indexer:2', name: 'indexer' }], restartPolicy: 'Never' }
      }
    },
    status: { active: 1, startTime: '2026-03-01T10:00:01Z', ready: 1 }
  };
}

export function completedJob(): KubeObject {
  const job = runningJob();
  job.status = { completionTime: '2026-03-01T10:05:00Z', conditions: [{ type: 'Complete', status: 'True' }], succeeded: 1, startTime: '2026-03-01T10:00:01Z' };
  return job;
}

export function failedJob(): KubeObject {
  const job = runningJob();
  job.status = { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }], failed: 7, startTime: '2026-03-01T10:00:01Z' };
  return job;
}

export function boundClaim(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      annotations: {
        'pv.kubernetes.io/bind-completed': 'yes',
        'pv.kubernetes.io/bound-by-controller': 'yes',
        'volume.beta.kubernetes.io/storage-provisioner': 'rancher.io/local-path',
        'volume.kubernetes.io/selected-node': 'worker-2',
        'volume.kubernetes.io/storage-provisioner': 'rancher.io/local-path',
        'team.example.com/owner': 'shop'
      },
      creationTimestamp: '2026-03-01T10:00:00Z',
      finalizers: ['kubernetes.io/pvc-protection'],
      name: 'web-data',
      namespace: 'shop',
      resourceVersion: '48000',
      uid: 'f6f6f6f6-1111-4222-8333-444455556666'
    },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '1Gi' } },
      storageClassName: 'standard',
      volumeMode: 'Filesystem',
      volumeName: 'pvc-f6f6f6f6-1111-4222-8333-444455556666'
    },
    status: { accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' }, phase: 'Bound' }
  };
}

export function volume(reclaimPolicy: 'Delete' | 'Retain', name = 'pvc-f6f6f6f6-1111-4222-8333-444455556666'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: {
      annotations: { 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path', 'pv.kubernetes.io/bound-by-controller': 'yes' },
      creationTimestamp: '2026-03-01T10:00:01Z',
      finalizers: ['kubernetes.io/pv-protection'],
      name,
      resourceVersion: '48001',
      uid: 'a7a7a7a7-1111-4222-8333-444455556666'
    },
    spec: {
      accessModes: ['ReadWriteOnce'],
      capacity: { storage: '1Gi' },
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: 'web-data', namespace: 'shop', resourceVersion: '47990', uid: 'f6f6f6f6-1111-4222-8333-444455556666' },
      hostPath: { path: '/var/local-path-provisioner/pvc-f6f6', type: 'DirectoryOrCreate' },
      persistentVolumeReclaimPolicy: reclaimPolicy,
      storageClassName: 'standard',
      volumeMode: 'Filesystem'
    },
    status: { lastPhaseTransitionTime: '2026-03-01T10:00:01Z', phase: 'Bound' }
  };
}

export function roleBinding(): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { creationTimestamp: '2026-03-01T10:00:00Z', name: 'deployers', namespace: 'shop', resourceVersion: '300', uid: '0b0b0b0b-1111-4222-8333-444455556666' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'deployer' },
    subjects: [
      { kind: 'ServiceAccount', name: 'builder', namespace: 'ci' },
      { kind: 'ServiceAccount', name: 'web-sa', namespace: 'shop' },
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice@example.com' }
    ]
  };
}

export function namespace(name = 'shop'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      annotations: { 'scheduler.alpha.kubernetes.io/node-selector': 'pool=shop' },
      creationTimestamp: '2026-01-01T00:00:00Z',
      labels: { 'kubernetes.io/metadata.name': name, team: 'commerce' },
      name,
      resourceVersion: '12',
      uid: '1c1c1c1c-1111-4222-8333-444455556666'
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' }
  };
}

export function widgetCrd(): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com', resourceVersion: '77', uid: '2d2d2d2d-1111-4222-8333-444455556666', generation: 2 },
    spec: {
      conversion: { strategy: 'None' },
      group: 'example.com',
      names: { kind: 'Widget', listKind: 'WidgetList', plural: 'widgets', shortNames: ['wg'], singular: 'widget' },
      scope: 'Namespaced',
      versions: [
        { name: 'v1beta1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object' } } },
        { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }
      ]
    },
    status: { acceptedNames: { kind: 'Widget', plural: 'widgets' }, conditions: [{ type: 'Established', status: 'True' }], storedVersions: ['v1'] }
  };
}

export function statefulSet(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace: 'shop', resourceVersion: '500', uid: '3e3e3e3e-1111-4222-8333-444455556666', generation: 1 },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'db' } },
      serviceName: 'db',
      template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres:16' }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'standard', resources: { requests: { storage: '1Gi' } } } }]
    },
    status: { replicas: 1, readyReplicas: 1 }
  };
}

export function clusterRoleBinding(): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'shop-readers', resourceVersion: '301', uid: '4f4f4f4f-1111-4222-8333-444455556666' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [{ kind: 'ServiceAccount', name: 'web-sa', namespace: 'shop' }]
  };
}

export function volumeSnapshot(): KubeObject {
  return {
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshot',
    metadata: { name: 'velero-web-data-abcde', namespace: 'shop', annotations: { 'velero.io/csi-volumesnapshot-handle': 'snap-1' }, resourceVersion: '600' },
    spec: { source: { persistentVolumeClaimName: 'web-data' }, volumeSnapshotClassName: 'source-class' },
    status: { boundVolumeSnapshotContentName: 'snapcontent-1', readyToUse: true }
  };
}

export function volumeSnapshotContent(): KubeObject {
  return {
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshotContent',
    metadata: { name: 'snapcontent-1', labels: { 'velero.io/backup-name': 'nightly' }, resourceVersion: '601' },
    spec: {
      driver: 'ebs.csi.aws.com',
      deletionPolicy: 'Delete',
      source: { volumeHandle: 'vol-1' },
      volumeSnapshotClassName: 'source-class',
      volumeSnapshotRef: { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', name: 'velero-web-data-abcde', namespace: 'shop', uid: 'old', resourceVersion: '600' }
    },
    status: { snapshotHandle: 'snap-1', readyToUse: true }
  };
}
