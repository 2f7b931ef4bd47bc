#!/usr/bin/env bash
# npm run demo: the whole loop a user cares about, on the local cluster (started if needed, left running):
# deploy a small app whose volume holds data, back it up with the bundled CLI into ./kube-backups, delete its
# namespace, restore it, and show that it runs again with its data. KUBE_BACKUP_CLI runs another build of the CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! scripts/env/status.sh --quiet 2>/dev/null; then scripts/env/up.sh; fi
# shellcheck disable=SC1091
source .local-env/env.sh

namespace=demo-shop
backup="demo-$(date -u +%Y%m%d%H%M%S)"
location="${DEMO_LOCATION:-./kube-backups}"
cli() { node_modules/.bin/node "${KUBE_BACKUP_CLI:-dist/cli/index.js}" "$@"; }
step() { printf '\n== %s\n' "$*"; }

step "Deploying the sample app into namespace $namespace"
kubectl delete namespace "$namespace" --ignore-not-found --wait=true >/dev/null
kubectl create namespace "$namespace" >/dev/null
# Pods are refused until the namespace's default ServiceAccount exists.
for _ in $(seq 60); do kubectl -n "$namespace" get serviceaccount default >/dev/null 2>&1 && break; sleep 1; done
kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: orders, namespace: $namespace}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: $TEST_STORAGE_CLASS
  resources: {requests: {storage: 64Mi}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: shop-settings, namespace: $namespace}
data: {currency: EUR}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: shop, namespace: $namespace}
spec:
  replicas: 1
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
        - name: web
          image: $TEST_IMAGE
          imagePullPolicy: Never
          command: [httpd, -f, -p, '8080', -h, /data]
          readinessProbe: {exec: {command: [test, -f, /data/index.html]}, periodSeconds: 1}
          volumeMounts: [{name: orders, mountPath: /data}]
      volumes: [{name: orders, persistentVolumeClaim: {claimName: orders}}]
EOF
pod=""
for _ in $(seq 120); do
  pod=$(kubectl -n "$namespace" get pods -l app=shop -o jsonpath='{.items[?(@.status.phase=="Running")].metadata.name}' 2>/dev/null || true)
  [ -n "$pod" ] && break
  sleep 1
done
[ -n "$pod" ] || { echo "the sample app did not start" >&2; exit 1; }
order="order-$RANDOM$RANDOM"
kubectl -n "$namespace" exec "$pod" -c web -- sh -c "echo '$order' > /data/index.html"
kubectl -n "$namespace" rollout status deployment/shop --timeout=120s >/dev/null
echo "app running (pod $pod); its volume holds: $order"

step "Backing it up: kube-backup backup create $backup"
cli backup create "$backup" --kubeconfig "$KUBECONFIG" --location "$location" --include-namespaces "$namespace" \
  --default-volumes-to-fs-backup --data-mover-image "$TEST_IMAGE"

step "Deleting namespace $namespace (the incident)"
kubectl delete namespace "$namespace" --wait=true >/dev/null
echo "namespace $namespace deleted"

step "Restoring it: kube-backup restore create --from-backup $backup"
cli restore create --kubeconfig "$KUBECONFIG" --location "$location" --from-backup "$backup" --data-mover-image "$TEST_IMAGE"

step "Checking the app"
kubectl -n "$namespace" rollout status deployment/shop --timeout=180s >/dev/null
pod=$(kubectl -n "$namespace" get pods -l app=shop -o jsonpath='{.items[?(@.status.phase=="Running")].metadata.name}')
restored=$(kubectl -n "$namespace" exec "$pod" -c web -- cat /data/index.html)
if [ "$restored" != "$order" ]; then
  echo "the restored volume holds '$restored', not '$order'" >&2
  exit 1
fi
cat <<EOF

Demo complete:
  backup   $backup in $location
  restore  namespace $namespace: deployment available, pod $pod running
  data     the volume holds '$restored', as before the namespace was deleted
The cluster keeps running: 'npm run env:down' stops it.
EOF
