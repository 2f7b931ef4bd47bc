#!/usr/bin/env bash
# Stops the local test environment started by up.sh (npm run env:down) and deletes its state
# (etcd data, Swift data, certificates, kubelet/containerd state), so the next up.sh starts clean.
# Keeps .local-env/cache (busybox image archive, swift rings) and moves the logs to
# .local-env/logs-previous/; --purge removes .local-env entirely.
# Safe to run when nothing runs. Only signals processes recorded in our pid files, plus the pod
# containers and shims that our own containerd started (found via our runc root / socket).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

purge=false
[[ ${1:-} == --purge ]] && purge=true

exec 9>"$STATE/.lock"
flock -w 600 9 || { log "another up.sh/down.sh holds $STATE/.lock"; exit 1; }

rm -f "$ENV_FILE"   # no longer "up" from here on

# 1. kubelet first, so it does not restart the pod containers removed next.
stop_component kubelet 20

# 2. Pod containers: through our containerd while it still runs (kill, delete tasks, delete containers)...
if healthy containerd; then
  ctr_() { ctr --address "$CTRD_SOCK" --timeout 10s -n k8s.io "$@"; }
  mapfile -t tasks < <(ctr_ tasks ls -q 2>/dev/null || true)
  if ((${#tasks[@]})); then
    log "removing ${#tasks[@]} pod container(s)"
    for t in "${tasks[@]}"; do ctr_ tasks kill -s SIGKILL "$t" >/dev/null 2>&1 || true; done
    # containerd's CRI plugin deletes the exited tasks itself; force-delete what is still there after 5s.
    for _ in {1..25}; do [[ -z $(ctr_ tasks ls -q 2>/dev/null) ]] && break; sleep 0.2; done
    for t in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks delete -f "$t" >/dev/null 2>&1 || true; done
  fi
  mapfile -t ctrs < <(ctr_ containers ls -q 2>/dev/null || true)
  for t in "${ctrs[@]}"; do ctr_ containers delete "$t" >/dev/null 2>&1 || true; done
fi
stop_component containerd 15

# ...then whatever survived it (e.g. containerd had died): runc state under our own runc root...
if [[ -d $RUNC_ROOT/k8s.io ]]; then
  mapfile -t left < <(runc --root "$RUNC_ROOT/k8s.io" list -q 2>/dev/null || true)
  for t in "${left[@]}"; do
    log "removing leftover container $t"
    runc --root "$RUNC_ROOT/k8s.io" kill -a "$t" KILL >/dev/null 2>&1 || true
    runc --root "$RUNC_ROOT/k8s.io" delete -f "$t" >/dev/null 2>&1 || true
  done
fi
# ...and shims started by our containerd (their command line names our socket).
for p in $(pids_named containerd-shim); do
  if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF -- "-address $CTRD_SOCK "; then
    log "killing leftover shim $p"
    kill -KILL "$p" 2>/dev/null || true
  fi
done

# 3. The rest, in reverse start order.
for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
  c=${COMPONENTS[i]}
  [[ $c == kubelet || $c == containerd ]] && continue
  stop_component "$c" 15
done

# 4. Mounts left behind (kubelet volumes and its rshared root bind, sandbox shm, netns, rootfs).
unmount_under "$KUBELET_ROOT" "$CTRD_STATE" "$CTRD_ROOT" "$STATE"

# 5. Host leftovers of our pods: the CNI bridge, empty kubelet pod cgroups, pod log dirs,
#    host-path provisioner volumes and the CSI test double's volumes and snapshots (their PVs and
#    snapshot objects lived in the etcd data deleted below).
if ip link show "$CNI_BRIDGE" >/dev/null 2>&1; then ip link delete "$CNI_BRIDGE" || true; fi
for d in /sys/fs/cgroup/*/kubepods; do
  [[ -d $d ]] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
done
if [[ -z $(pids_named kubelet) ]]; then   # pod logs are kubelet's; leave them if another kubelet runs
  rm -rf /var/log/pods/* /var/log/containers/* 2>/dev/null || true
fi
rm -rf "$HOSTPATH_PV_DIR" "$CSI_DOUBLE_DIR"

# 6. State. The cache is reusable (nothing in it refers to a running environment). This run's
#    logs move to logs-previous/ for post-mortems; the next up.sh starts with fresh ones.
rm -rf "$KUBELET_ROOT" "$CTRD_STATE"
if $purge; then
  rm -rf "$STATE"
else
  rm -rf "$STATE/logs-previous"
  [[ -d $LOGS ]] && mv "$LOGS" "$STATE/logs-previous"
  find "$STATE" -mindepth 1 -maxdepth 1 ! -name cache ! -name logs-previous ! -name .lock -exec rm -rf {} +
fi
log "environment down"
