# shellcheck shell=bash
# shellcheck disable=SC2034  # variables used by the scripts that source this file
# Shared by up.sh, down.sh and status.sh: paths, ports, process bookkeeping and health checks
# of the local test environment (two Kubernetes clusters + Swift's S3 API, loopback only).
# Facts behind the choices are in /work/shared/reference/local-cluster.md ("the reference").

ENV_SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STATE=$(mkdir -p "$ENV_SCRIPTS_DIR/../../.local-env" && cd "$ENV_SCRIPTS_DIR/../../.local-env" && pwd)
LOGS=$STATE/logs
RUN=$STATE/run          # pid files: "<pid> <start time>" so a recycled pid is never mistaken for ours
PKI=$STATE/pki
CFG=$STATE/config
CACHE=$STATE/cache      # survives down.sh (busybox image tar, swift rings); down.sh --purge drops it
ENV_FILE=$STATE/env.sh  # written last by up.sh: its existence means "up"

# Unix sockets are limited to 108 bytes and a CI checkout path can be long, so containerd's state
# (its socket, shim sockets, netns mounts, runc state) and kubelet's root (device-plugin and
# pod-resources sockets) live at short fixed paths instead of under .local-env.
CTRD_STATE=/run/kube-backup-containerd
CTRD_SOCK=$CTRD_STATE/containerd.sock
CTRD_ROOT=$STATE/containerd
KUBELET_ROOT=/var/lib/kube-backup-kubelet
RUNC_ROOT=$CTRD_STATE/runc
CNI_BRIDGE=kbbr0
POD_SUBNET=10.222.0.0/16
HOSTPATH_PV_DIR=/tmp/hostpath_pv   # where kube-controller-manager's host-path provisioner puts volumes
CSI_DOUBLE_DIR=/tmp/csi-hostpath-double  # test/support/csi-snapshot-double.ts's volumes and snapshots (DOUBLE_ROOT)

# Ports: all on 127.0.0.1, chosen away from the defaults of etcd/memcached/swift so packages that
# auto-start their own daemons (possible where no policy-rc.d blocks them) cannot clash with ours.
ETCD_PORT=23790
ETCD_PEER_PORT=23800
APISERVER_A_PORT=6443
APISERVER_B_PORT=6444
KCM_A_PORT=10252        # insecure healthz port (loopback), secure port 10257
KCM_B_PORT=10262        # B's controller manager must not collide with A's: secure 10258, insecure 10262
SCHED_PORT=10251        # insecure healthz port (loopback), secure port 10259
KUBELET_HEALTHZ_PORT=10248
MEMCACHED_PORT=21211
SWIFT_PROXY_PORT=18080
SWIFT_ACCOUNT_PORT=16012
SWIFT_CONTAINER_PORT=16011
SWIFT_OBJECT_PORT=16010

NODE_NAME=node1
TEST_IMAGE=docker.io/library/kube-backup-busybox:local
PAUSE_IMAGE=docker.io/library/kube-backup-pause:local

# Components in start order; down.sh stops them in reverse.
COMPONENTS=(etcd memcached swift-account swift-container swift-object swift-proxy containerd
  kube-apiserver-a kube-apiserver-b kube-controller-manager-a kube-controller-manager-b
  kube-scheduler kubelet)

log() { printf '[env] %s\n' "$*" >&2; }

# --- processes -------------------------------------------------------------------------------

# Field 22 of /proc/PID/stat; the command name (field 2) may contain spaces, so cut after ")".
proc_start_time() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0; s=${s##*) }; set -- $s; echo "${20}"; }
# Alive = exists and is not a zombie. Our daemons are orphans once up.sh exits, and this machine's
# init reaps them only after a while, so a stopped daemon lingers as a zombie for a few seconds.
proc_alive() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=${s##*) }; [[ ${s:0:1} != Z ]]; }

# Prints the pid of a component if its pid file points at the very process we started.
component_pid() {
  local f=$RUN/$1.pid pid start
  [[ -s $f ]] || return 1
  read -r pid start <"$f" || return 1
  [[ -n $pid ]] && proc_alive "$pid" || return 1
  [[ "$(proc_start_time "$pid")" == "$start" ]] || return 1
  echo "$pid"
}
is_running() { component_pid "$1" >/dev/null; }

# Pids whose command name (comm, truncated to 15 chars) is exactly $1 (a /proc scan: procps may
# not be installed).
pids_named() {
  local f
  for f in /proc/[0-9]*/comm; do
    [[ "$(cat "$f" 2>/dev/null)" == "$1" ]] && { f=${f#/proc/}; echo "${f%/comm}"; }
  done
  return 0
}

# start_bg NAME CMD...: runs CMD detached (own session, so it outlives this shell and its
# process group), logging to logs/NAME.log.
start_bg() {
  local name=$1; shift
  log "starting $name"
  printf '\n=== %s starting: %s\n' "$(date -u +%FT%TZ)" "$*" >>"$LOGS/$name.log"
  # 9>&-: do not hand our lock (fd 9, see up.sh) to the daemon, or it would hold it forever.
  setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null 9>&- &
  local pid=$!
  echo "$pid $(proc_start_time "$pid")" >"$RUN/$name.pid"
}

# stop_component NAME [GRACE_SECONDS]: TERM, then KILL after the grace period. Only ever signals
# the process recorded in our pid file (checked against its start time).
stop_component() {
  local name=$1 grace=${2:-15} pid i
  if pid=$(component_pid "$name"); then
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
      proc_alive "$pid" || break
      sleep 0.1
    done
    if proc_alive "$pid"; then
      log "$name did not exit after ${grace}s, killing"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
    fi
  fi
  rm -f "$RUN/$name.pid"
}

# --- health checks (each quick, silent, exit status only) ------------------------------------

token_of() { awk -F, -v u="$2" '$2 == u {print $1}' "$CFG/tokens-$1.csv" 2>/dev/null; }

# api CLUSTER(a|b) CURL-ARGS...: curl against a cluster's apiserver as its admin, TLS-verified.
api() {
  local c=$1; shift
  local port=$APISERVER_A_PORT
  [[ $c == b ]] && port=$APISERVER_B_PORT
  local path=$1; shift
  curl -sS --max-time 10 --cacert "$PKI/ca.crt" -H "Authorization: Bearer $(token_of "$c" "admin")" \
    "$@" "https://127.0.0.1:$port$path"
}

http_ok() { curl -fsS --max-time 3 -o /dev/null "$1" 2>/dev/null; }

health_etcd() { curl -fsS --max-time 3 "http://127.0.0.1:$ETCD_PORT/health" 2>/dev/null | grep -q '"health":"true"'; }
health_memcached() {
  # memcached speaks a text protocol; "version" must answer "VERSION x.y.z".
  timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$MEMCACHED_PORT && printf 'version\r\n' >&3 && read -r l <&3 && [[ \$l == VERSION* ]]" 2>/dev/null
}
health_swift-account() { http_ok "http://127.0.0.1:$SWIFT_ACCOUNT_PORT/healthcheck"; }
health_swift-container() { http_ok "http://127.0.0.1:$SWIFT_CONTAINER_PORT/healthcheck"; }
health_swift-object() { http_ok "http://127.0.0.1:$SWIFT_OBJECT_PORT/healthcheck"; }
health_swift-proxy() { http_ok "http://127.0.0.1:$SWIFT_PROXY_PORT/info"; }
health_containerd() { ctr --address "$CTRD_SOCK" --timeout 3s version >/dev/null 2>&1; }
health_kube-apiserver-a() { [[ "$(api a /readyz 2>/dev/null)" == ok ]]; }
health_kube-apiserver-b() { [[ "$(api b /readyz 2>/dev/null)" == ok ]]; }
health_kube-controller-manager-a() { http_ok "http://127.0.0.1:$KCM_A_PORT/healthz"; }
health_kube-controller-manager-b() { http_ok "http://127.0.0.1:$KCM_B_PORT/healthz"; }
health_kube-scheduler() { http_ok "http://127.0.0.1:$SCHED_PORT/healthz"; }
health_kubelet() { http_ok "http://127.0.0.1:$KUBELET_HEALTHZ_PORT/healthz"; }

# A signed S3 ListBuckets must answer with S3 XML: proves s3api + tempauth + memcached work.
# Signature V2 (HMAC-SHA1 over "GET\n\n\n<date>\n/") because curl's --aws-sigv4 cannot take an
# access key that contains a colon ("test:tester").
s3_works() {
  local d sig
  d=$(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S GMT')
  sig=$(printf 'GET\n\n\n%s\n/' "$d" | openssl dgst -sha1 -hmac testing -binary | base64)
  curl -fsS --max-time 5 -H "Date: $d" -H "Authorization: AWS test:tester:$sig" \
    "http://127.0.0.1:$SWIFT_PROXY_PORT/" 2>/dev/null | grep -q ListAllMyBucketsResult
}

node_ready() {
  api a "/api/v1/nodes/$NODE_NAME" 2>/dev/null |
    jq -e '.status.conditions[]? | select(.type == "Ready") | .status == "True"' >/dev/null 2>&1
}
node_addressed() {
  api a "/api/v1/nodes/$NODE_NAME" 2>/dev/null |
    jq -e 'any(.status.addresses[]?; .type == "InternalIP" and .address == "127.0.0.1")' >/dev/null 2>&1
}

# The CSI snapshot CRDs (VolumeSnapshot, VolumeSnapshotContent, VolumeSnapshotClass) from the Kubernetes
# tree's cluster/addons/volumesnapshots/crd, installed into both clusters by up.sh.
SNAPSHOT_CRDS=(volumesnapshotclasses.snapshot.storage.k8s.io volumesnapshotcontents.snapshot.storage.k8s.io
  volumesnapshots.snapshot.storage.k8s.io)
# snapshot_crds_established CLUSTER(a|b): all three exist with condition Established=True.
snapshot_crds_established() {
  local crd
  for crd in "${SNAPSHOT_CRDS[@]}"; do
    api "$1" "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/$crd" 2>/dev/null |
      jq -e 'any(.status.conditions[]?; .type == "Established" and .status == "True")' >/dev/null 2>&1 || return 1
  done
}
# snapshot_api_version CLUSTER: the group version discovery prefers for snapshot.storage.k8s.io (e.g.
# snapshot.storage.k8s.io/v1), empty when the group is not served.
snapshot_api_version() {
  api "$1" /apis/snapshot.storage.k8s.io 2>/dev/null | jq -r '.preferredVersion.groupVersion // empty' 2>/dev/null || true
}

# healthy NAME: its process is ours and alive, and it answers its health check.
healthy() { is_running "$1" && "health_$1"; }

# --- mounts ----------------------------------------------------------------------------------

# Unmounts everything mounted at or below the given directories, deepest first (kubelet's
# volume tmpfs/bind mounts and its rshared self-bind of the root dir, containerd's sandbox shm
# and netns mounts, overlay rootfs).
unmount_under() {
  local d m pass
  for d in "$@"; do
    [[ -e $d ]] || continue
    d=$(realpath "$d")
    # Several passes because mounts may be stacked on one mount point.
    for pass in 1 2 3; do
      # mountinfo field 5 is the mount point (octal-escaped). Reverse order puts every path
      # before its parents, so children are unmounted first.
      mapfile -t mps < <(awk -v d="$d" '$5 == d || index($5, d "/") == 1 {print $5}' /proc/self/mountinfo | sort -ru)
      ((${#mps[@]})) || break
      for m in "${mps[@]}"; do
        m=$(printf '%b' "$m")
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "could not unmount $m"
      done
    done
  done
}
