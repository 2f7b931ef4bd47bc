#!/usr/bin/env bash
# Brings up the local test environment (npm run env:up), loopback only, idempotently:
#   cluster A  kube-apiserver :6443 + controller-manager + scheduler + containerd + kubelet "node1"
#   cluster B  kube-apiserver :6444 (etcd prefix /cluster-b) + its own controller-manager, no node
#   S3         OpenStack Swift proxy with s3api + tempauth (+ memcached) on :18080
#   both clusters: the CSI snapshot CRDs (snapshot.storage.k8s.io) of the Kubernetes tree's addons
# State lives in .local-env/ (logs in .local-env/logs/<component>.log); .local-env/env.sh is written
# last, so its existence means "up". Components that already run healthy are reused; a second run
# while everything is up returns within seconds and changes nothing. Stop with down.sh.
# Facts behind the choices: /work/shared/reference/local-cluster.md ("the reference").
set -euo pipefail
source "$(dirname "$0")/lib.sh"

T0=$SECONDS
trap 'log "up.sh failed at line $LINENO (exit $?)"' ERR

# fail COMPONENT MESSAGE: report, show the component's log tail, exit non-zero.
fail() {
  local name=$1; shift
  log "FAILED: $*"
  if [[ -s $LOGS/$name.log ]]; then
    log "last 30 lines of $LOGS/$name.log:"
    tail -n 30 "$LOGS/$name.log" >&2
  fi
  trap - ERR
  exit 1
}

# wait_for COMPONENT DESCRIPTION TIMEOUT CMD...: polls CMD; fails early if the component died.
wait_for() {
  local name=$1 desc=$2 timeout=$3 start=$SECONDS; shift 3
  until "$@"; do
    if [[ -f $RUN/$name.pid ]] && ! is_running "$name"; then fail "$name" "$name exited while waiting for: $desc"; fi
    ((SECONDS - start < timeout)) || fail "$name" "$desc: not ready after ${timeout}s"
    sleep 0.5
  done
  log "$desc after $((SECONDS - start))s"
}

# ensure COMPONENT START_FN: reuse the component if it is ours, alive and healthy; start it if it
# is not running. (A live but not yet healthy one is left alone: the caller's wait covers it.)
ensure() {
  local name=$1 start_fn=$2
  if is_running "$name"; then
    "health_$name" && log "$name already running (pid $(component_pid "$name"))"
    return 0
  fi
  "$start_fn"
}

# write_file PATH: writes stdin to PATH only if the content differs (an idle re-run changes nothing).
write_file() {
  local tmp
  tmp=$(mktemp "$1.XXXXXX")
  cat >"$tmp"
  if [[ -f $1 ]] && cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1"; fi
}

# One up.sh/down.sh at a time.
exec 9>"$STATE/.lock"
flock -w 600 9 || { log "another up.sh/down.sh holds $STATE/.lock"; exit 1; }

# Fast path: everything already up and healthy -> nothing to do. When only the snapshot CRDs (or their
# line in env.sh) are missing, as in an environment started before up.sh installed them, they are added
# in place below (add_snapshot_crds_in_place), without taking env.sh away from tests already using it.
in_place=false
if [[ -f $ENV_FILE ]] && "$ENV_SCRIPTS_DIR/status.sh" --quiet; then
  if snapshot_crds_established a && snapshot_crds_established b && grep -q '^export SNAPSHOT_API_VERSION=' "$ENV_FILE"; then
    log "environment already up and healthy ($((SECONDS - T0))s); source $ENV_FILE"
    exit 0
  fi
  in_place=true
fi

# --- packages ----------------------------------------------------------------------------------

install_packages() {
  local want=(etcd-server containerd runc containernetworking-plugins busybox-static
    swift swift-proxy swift-account swift-container swift-object memcached
    openssl curl iproute2 jq util-linux ca-certificates
    age) # age: the encryption tests open our encrypted backups with age's own tool
  local missing=() p
  for p in "${want[@]}"; do
    [[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" == installed ]] || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  log "installing ${missing[*]}"
  # Where no policy-rc.d blocks it, the packages start their own etcd (:2379), memcached (:11211)
  # and maybe swift daemons (:8080...) via init scripts; all our ports differ, so they do not clash.
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
    >>"$LOGS/apt.log" 2>&1 || fail apt "apt-get install failed"
}

# --- secrets, certificates, kubeconfigs (generated once per environment) ----------------------

make_pki() {
  [[ -s $PKI/sa-b.pub && -s $PKI/client-admin.crt ]] && return 0
  log "generating CA, serving certificates, service-account keys and tokens"
  local c svc_ip tmp=$PKI/tmp
  rm -rf "$PKI" && mkdir -p "$PKI" "$tmp"
  # Our own CA instead of the apiserver's self-generated cert, so kubeconfigs can verify TLS
  # (certificate-authority-data) and controller-manager can put the CA into service-account secrets.
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -subj /CN=kube-backup-local-ca -keyout "$PKI/ca.key" -out "$PKI/ca.crt" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  for c in a b; do
    svc_ip=10.96.0.1; [[ $c == b ]] && svc_ip=10.97.0.1
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=kube-apiserver-$c" \
      -keyout "$PKI/apiserver-$c.key" -out "$tmp/apiserver-$c.csr" 2>/dev/null
    printf '%s\n' "subjectAltName=IP:127.0.0.1,IP:$svc_ip,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local" \
      "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" >"$tmp/ext-$c"
    openssl x509 -req -in "$tmp/apiserver-$c.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" \
      -set_serial "0x$(openssl rand -hex 8)" -days 3650 -extfile "$tmp/ext-$c" -out "$PKI/apiserver-$c.crt" 2>/dev/null
    # Service-account token signing keys (the reference: openssl genrsa 2048 / rsa -pubout).
    openssl genrsa -out "$PKI/sa-$c.key" 2048 2>/dev/null
    openssl rsa -in "$PKI/sa-$c.key" -pubout -out "$PKI/sa-$c.pub" 2>/dev/null
  done
  # An admin client certificate (O=system:masters) signed by the same CA, which the apiservers also trust for
  # client authentication: kubeconfigs of kind, kubeadm and most managed clusters authenticate this way.
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/O=system:masters/CN=cert-admin" \
    -keyout "$PKI/client-admin.key" -out "$tmp/client-admin.csr" 2>/dev/null
  printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=clientAuth" >"$tmp/ext-client"
  openssl x509 -req -in "$tmp/client-admin.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" \
    -set_serial "0x$(openssl rand -hex 8)" -days 3650 -extfile "$tmp/ext-client" -out "$PKI/client-admin.crt" 2>/dev/null
  rm -rf "$tmp"
  # Token auth files: "token,user,uid,groups". system:masters is cluster-admin; "limited" gets only
  # what the RBAC objects below grant.
  printf '%s,admin,admin,system:masters\n%s,limited,limited\n' "$(openssl rand -hex 24)" "$(openssl rand -hex 24)" >"$CFG/tokens-a.csv"
  printf '%s,admin,admin,system:masters\n' "$(openssl rand -hex 24)" >"$CFG/tokens-b.csv"
  chmod 600 "$PKI"/*.key "$CFG"/tokens-*.csv
}

# kubeconfig NAME CONTEXT PORT TOKEN [NAMESPACE]; TOKEN "cert" writes the admin client certificate instead.
kubeconfig() {
  local ns_line="" credentials="    token: $4"
  [[ -n ${5:-} ]] && ns_line=$'\n'"    namespace: $5"
  [[ $4 == cert ]] && credentials="    client-certificate-data: $(base64 -w0 <"$PKI/client-admin.crt")"$'\n'"    client-key-data: $(base64 -w0 <"$PKI/client-admin.key")"
  write_file "$STATE/kubeconfig-$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: $2
  cluster:
    server: https://127.0.0.1:$3
    certificate-authority-data: $(base64 -w0 <"$PKI/ca.crt")
users:
- name: $2
  user:
$credentials
contexts:
- name: $2
  context:
    cluster: $2
    user: $2$ns_line
current-context: $2
EOF
  chmod 600 "$STATE/kubeconfig-$1"
}

make_kubeconfigs() {
  kubeconfig a cluster-a "$APISERVER_A_PORT" "$(token_of a admin)"
  kubeconfig b cluster-b "$APISERVER_B_PORT" "$(token_of b admin)"
  # The limited user's context defaults to the only namespace it may use.
  kubeconfig limited limited "$APISERVER_A_PORT" "$(token_of a limited)" team-a
  kubeconfig cert cluster-a-cert "$APISERVER_A_PORT" cert
}

# --- etcd ---------------------------------------------------------------------------------------

start_etcd() {
  # Debian's etcd-server 3.4, non-default ports; one etcd serves both clusters (B uses a prefix).
  start_bg etcd etcd --name local --data-dir "$STATE/etcd" --logger zap \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "local=http://127.0.0.1:$ETCD_PEER_PORT"
}

# --- Swift (S3) ---------------------------------------------------------------------------------

SWIFT_ETC=$STATE/swift/etc
SWIFT_DEVICES=$STATE/swift/devices

swift_configs() {
  mkdir -p "$SWIFT_ETC" "$SWIFT_DEVICES/d1"
  # Our own swift.conf: servers read it from swift_dir, so /etc/swift stays untouched.
  write_file "$SWIFT_ETC/swift.conf" <<'EOF'
[swift-hash]
swift_hash_path_prefix = kube-backup-local
swift_hash_path_suffix = kube-backup-local

[storage-policy:0]
name = Policy-0
default = yes
EOF
  local type port
  for type in account container object; do
    case $type in
      account) port=$SWIFT_ACCOUNT_PORT ;; container) port=$SWIFT_CONTAINER_PORT ;; object) port=$SWIFT_OBJECT_PORT ;;
    esac
    # workers = 0: serve in the started process itself (no forked workers), so the pid file is
    # the whole server. mount_check = false: the device is a plain directory.
    write_file "$SWIFT_ETC/$type-server.conf" <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $port
workers = 0
user = root
swift_dir = $SWIFT_ETC
devices = $SWIFT_DEVICES
mount_check = false
log_name = $type-server

[pipeline:main]
pipeline = healthcheck $type-server

[app:$type-server]
use = egg:swift#$type

[filter:healthcheck]
use = egg:swift#healthcheck
EOF
  done
  # Server-side encryption (keymaster + encryption) makes PutObject with SSE AES256 work; its root
  # secret must stay stable for the lifetime of the stored data.
  [[ -s $CFG/swift-encryption-secret ]] || { openssl rand -base64 32 >"$CFG/swift-encryption-secret"; chmod 600 "$CFG/swift-encryption-secret"; }
  write_file "$SWIFT_ETC/proxy-server.conf" <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $SWIFT_PROXY_PORT
workers = 0
user = root
swift_dir = $SWIFT_ETC
log_name = proxy-server

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl s3api tempauth copy slo dlo versioned_writes symlink keymaster encryption proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true

[filter:s3api]
use = egg:swift#s3api
location = us-east-1

# S3 credentials: access key test:tester, secret testing.
[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin

# tempauth keeps its tokens in memcached; without it every request is a 503.
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$MEMCACHED_PORT

[filter:keymaster]
use = egg:swift#keymaster
encryption_root_secret = $(cat "$CFG/swift-encryption-secret")

[filter:encryption]
use = egg:swift#encryption

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:tempurl]
use = egg:swift#tempurl
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[filter:versioned_writes]
use = egg:swift#versioned_writes
[filter:symlink]
use = egg:swift#symlink
EOF
  swift_rings
}

# One device, one replica, built once per port set and cached (survives down.sh).
swift_rings() {
  local dir=$CACHE/swift-rings-$SWIFT_ACCOUNT_PORT-$SWIFT_CONTAINER_PORT-$SWIFT_OBJECT_PORT type port
  if [[ ! -s $dir/object.ring.gz ]]; then
    log "building swift rings"
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    for type in account container object; do
      case $type in
        account) port=$SWIFT_ACCOUNT_PORT ;; container) port=$SWIFT_CONTAINER_PORT ;; object) port=$SWIFT_OBJECT_PORT ;;
      esac
      { swift-ring-builder "$dir.tmp/$type.builder" create 10 1 1 &&
        swift-ring-builder "$dir.tmp/$type.builder" add "r1z1-127.0.0.1:$port/d1" 100 &&
        swift-ring-builder "$dir.tmp/$type.builder" rebalance; } >>"$LOGS/swift-rings.log" 2>&1 ||
        fail swift-rings "swift-ring-builder failed for $type"
    done
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  local f
  for f in "$dir"/*.ring.gz; do cmp -s "$f" "$SWIFT_ETC/${f##*/}" || cp "$f" "$SWIFT_ETC/"; done
}

start_memcached() { start_bg memcached memcached -l 127.0.0.1 -p "$MEMCACHED_PORT" -U 0 -m 64 -u root; }
# -v: log to the console (our log file); with no syslog they otherwise say nothing.
start_swift-account() { start_bg swift-account swift-account-server "$SWIFT_ETC/account-server.conf" -v; }
start_swift-container() { start_bg swift-container swift-container-server "$SWIFT_ETC/container-server.conf" -v; }
start_swift-object() { start_bg swift-object swift-object-server "$SWIFT_ETC/object-server.conf" -v; }
start_swift-proxy() { start_bg swift-proxy swift-proxy-server "$SWIFT_ETC/proxy-server.conf" -v; }

# --- containerd, CNI, images ------------------------------------------------------------------

containerd_config() {
  mkdir -p "$CFG/cni/net.d" "$CTRD_ROOT"
  # Start from the packaged defaults and change only what matters; each edit is checked below.
  #  restrict_oom_score_adj: without it every pod sandbox fails with "runc create failed: ... can't
  #    get final child's PID from pipe: EOF" (runc cannot write /proc/self/oom_score_adj here).
  #  sandbox_image: no registry is reachable, so the pause image is our local busybox build.
  #  netns_mounts_under_state_dir / runc Root: keep every trace under our own state dir, so
  #    down.sh can clean up even containers whose containerd is gone.
  local conf
  conf=$(containerd config default | sed \
    -e "s|^root = .*|root = \"$CTRD_ROOT\"|" \
    -e "s|^state = .*|state = \"$CTRD_STATE\"|" \
    -e "s|^  address = \"/run/containerd/containerd.sock\"|  address = \"$CTRD_SOCK\"|" \
    -e "s|restrict_oom_score_adj = false|restrict_oom_score_adj = true|" \
    -e "s|netns_mounts_under_state_dir = false|netns_mounts_under_state_dir = true|" \
    -e "s|sandbox_image = .*|sandbox_image = \"$PAUSE_IMAGE\"|" \
    -e "s|^\( *\)bin_dir = .*|\1bin_dir = \"/usr/lib/cni\"|" \
    -e "s|^\( *\)conf_dir = .*|\1conf_dir = \"$CFG/cni/net.d\"|" \
    -e "s|^\( *\)Root = \"\"|\1Root = \"$RUNC_ROOT\"|" \
    -e "s|path = \"/opt/containerd\"|path = \"$CTRD_ROOT/opt\"|")
  local want
  for want in "root = \"$CTRD_ROOT\"" "state = \"$CTRD_STATE\"" "address = \"$CTRD_SOCK\"" \
    "restrict_oom_score_adj = true" "netns_mounts_under_state_dir = true" "sandbox_image = \"$PAUSE_IMAGE\"" \
    "bin_dir = \"/usr/lib/cni\"" "conf_dir = \"$CFG/cni/net.d\"" "Root = \"$RUNC_ROOT\""; do
    grep -qF "$want" <<<"$conf" || fail containerd "could not set '$want' in containerd's default config"
  done
  write_file "$CFG/containerd.toml" <<<"$conf"

  # CNI: one bridge network for pods (no ipMasq: pods need no way out, and it would need iptables),
  # host-local IPAM state under .local-env; plus the loopback network.
  write_file "$CFG/cni/net.d/10-kube-backup.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "kube-backup",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$CNI_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$POD_SUBNET" }]],
        "routes": [{ "dst": "0.0.0.0/0" }],
        "dataDir": "$STATE/cni/ipam"
      }
    }
  ]
}
EOF
  write_file "$CFG/cni/net.d/99-loopback.conf" <<'EOF'
{ "cniVersion": "0.4.0", "name": "lo", "type": "loopback" }
EOF
}

start_containerd() {
  mkdir -p "$CTRD_STATE"
  start_bg containerd containerd --config "$CFG/containerd.toml"
}

ctr_() { ctr --address "$CTRD_SOCK" -n k8s.io "$@"; }

# Builds (once, cached) a docker-archive with two tags sharing one layer made from Debian's static
# busybox: TEST_IMAGE (default command sh) and PAUSE_IMAGE (entrypoint "sleep infinity", which
# blocks forever as a pod sandbox must).
busybox_archive() {
  local out=$CACHE/busybox-image.tar
  [[ -s $out ]] && { echo "$out"; return 0; }
  log "building busybox image archive"
  local w=$CACHE/busybox-build
  rm -rf "$w" && mkdir -p "$w/rootfs/bin" "$w/archive"
  (
    cd "$w/rootfs"
    cp /bin/busybox bin/busybox
    chmod 755 bin/busybox
    mkdir -p sbin usr/bin usr/sbin etc root proc sys dev tmp var/tmp
    chmod 1777 tmp var/tmp
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >etc/passwd
    printf 'root:x:0:\nnobody:x:65534:\n' >etc/group
    # Every applet at busybox's own install path (e.g. /usr/bin/env) and also in /bin.
    local a
    while read -r a; do
      [[ -e $a || -L $a ]] || ln -s /bin/busybox "$a"
      [[ -e bin/${a##*/} || -L bin/${a##*/} ]] || ln -s /bin/busybox "bin/${a##*/}"
    done < <(/bin/busybox --list-full)
  )
  # Reproducible layer (fixed owner and mtime), so the image id is stable across rebuilds.
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$w/rootfs" -cf "$w/layer.tar" .
  local diff_id cfg_main cfg_pause
  diff_id=$(sha256sum "$w/layer.tar" | cut -d' ' -f1)
  mkdir -p "$w/archive/$diff_id"
  mv "$w/layer.tar" "$w/archive/$diff_id/layer.tar"
  image_config() { # $1: the "config" member (command)
    printf '{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],%s},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$1" "$diff_id"
  }
  image_config '"Cmd":["sh"]' >"$w/cfg.json"
  cfg_main=$(sha256sum "$w/cfg.json" | cut -d' ' -f1); mv "$w/cfg.json" "$w/archive/$cfg_main.json"
  image_config '"Entrypoint":["/bin/sleep","infinity"]' >"$w/cfg.json"
  cfg_pause=$(sha256sum "$w/cfg.json" | cut -d' ' -f1); mv "$w/cfg.json" "$w/archive/$cfg_pause.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]},{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' \
    "$cfg_main" "$TEST_IMAGE" "$diff_id" "$cfg_pause" "$PAUSE_IMAGE" "$diff_id" >"$w/archive/manifest.json"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$w/archive" -cf "$out.tmp" .
  mv "$out.tmp" "$out"
  rm -rf "$w"
  echo "$out"
}

import_images() {
  local have
  have=$(ctr_ images ls -q 2>/dev/null || true)
  if grep -qxF "$TEST_IMAGE" <<<"$have" && grep -qxF "$PAUSE_IMAGE" <<<"$have"; then return 0; fi
  local archive
  archive=$(busybox_archive)
  log "importing $TEST_IMAGE and $PAUSE_IMAGE into containerd"
  ctr_ images import "$archive" >>"$LOGS/containerd.log" 2>&1 || fail containerd "ctr images import failed"
}

# --- Kubernetes -------------------------------------------------------------------------------

start_apiserver() { # a|b
  local c=$1 port=$APISERVER_A_PORT prefix=/registry range=10.96.0.0/16
  [[ $c == b ]] && { port=$APISERVER_B_PORT; prefix=/cluster-b; range=10.97.0.0/16; }
  mkdir -p "$STATE/apiserver-$c"
  # B is an independent cluster on the same etcd under another prefix (for restore/migration tests).
  # --kubelet-preferred-address-types=InternalIP (+ kubelet --node-ip): else exec fails with
  # "lookup node1 ... no such host".
  start_bg "kube-apiserver-$c" "$BIN/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" --etcd-prefix="$prefix" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$port" --insecure-port=0 \
    --cert-dir="$STATE/apiserver-$c" --tls-cert-file="$PKI/apiserver-$c.crt" --tls-private-key-file="$PKI/apiserver-$c.key" \
    --token-auth-file="$CFG/tokens-$c.csv" --client-ca-file="$PKI/ca.crt" --authorization-mode=RBAC \
    --service-account-issuer=https://kubernetes.default.svc \
    --service-account-signing-key-file="$PKI/sa-$c.key" --service-account-key-file="$PKI/sa-$c.pub" \
    --service-cluster-ip-range="$range" --kubelet-preferred-address-types=InternalIP --allow-privileged=true
}
start_kube-apiserver-a() { start_apiserver a; }
start_kube-apiserver-b() { start_apiserver b; }

start_controller_manager() { # a|b
  local c=$1 port=$KCM_A_PORT secure=10257
  [[ $c == b ]] && { port=$KCM_B_PORT; secure=10258; }
  # nodeipam is off (no pod CIDRs); the host-path provisioner serves StorageClass "hostpath" so PVCs
  # bind without any CSI driver (volumes under /tmp/hostpath_pv).
  start_bg "kube-controller-manager-$c" "$BIN/kube-controller-manager" \
    --kubeconfig="$STATE/kubeconfig-$c" --service-account-private-key-file="$PKI/sa-$c.key" \
    --root-ca-file="$PKI/ca.crt" --controllers='*,-nodeipam' --leader-elect=false \
    --enable-hostpath-provisioner=true \
    --bind-address=127.0.0.1 --secure-port="$secure" --address=127.0.0.1 --port="$port" \
    --cert-dir="$STATE/controller-manager-$c"
}
start_kube-controller-manager-a() { start_controller_manager a; }
start_kube-controller-manager-b() { start_controller_manager b; }

start_kube-scheduler() {
  start_bg kube-scheduler "$BIN/kube-scheduler" --kubeconfig="$STATE/kubeconfig-a" --leader-elect=false \
    --bind-address=127.0.0.1 --secure-port=10259 --address=127.0.0.1 --port="$SCHED_PORT" \
    --cert-dir="$STATE/scheduler"
}

kubelet_config() {
  # cgroupfs driver (no systemd here), swap tolerated, anonymous + AlwaysAllow so the apiserver's
  # exec/log requests need no client certificate, eviction and image GC effectively off (the
  # imported images can never be pulled again).
  write_file "$CFG/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
cgroupDriver: cgroupfs
failSwapOn: false
authentication:
  anonymous:
    enabled: true
  webhook:
    enabled: false
authorization:
  mode: AlwaysAllow
evictionHard:
  memory.available: "1Mi"
  nodefs.available: "1%"
  nodefs.inodesFree: "1%"
  imagefs.available: "1%"
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
clusterDomain: cluster.local
resolvConf: /etc/resolv.conf
serializeImagePulls: false
# Report readiness changes within 2s instead of 10s (a status PATCH is sent only on change).
nodeStatusUpdateFrequency: 2s
EOF
}

start_kubelet() {
  mkdir -p "$KUBELET_ROOT"
  start_bg kubelet "$BIN/kubelet" --kubeconfig="$STATE/kubeconfig-a" --config="$CFG/kubelet.yaml" \
    --container-runtime=remote --container-runtime-endpoint="unix://$CTRD_SOCK" \
    --hostname-override="$NODE_NAME" --node-ip=127.0.0.1 --root-dir="$KUBELET_ROOT" \
    --pod-infra-container-image="$PAUSE_IMAGE"
}

node_registered() { api a "/api/v1/nodes/$NODE_NAME" -f -o /dev/null 2>/dev/null; }

# The node must carry InternalIP 127.0.0.1: the apiserver (--kubelet-preferred-address-types=InternalIP)
# dials it for exec/logs, else "no preferred addresses found". kubelet 1.20 refuses to publish a
# loopback --node-ip ("nodeIP can't be loopback address", logged every 10s, harmless) and then
# leaves the addresses alone, so we set them once ourselves. A non-loopback node IP would make the
# kubelet (anonymous + AlwaysAllow) listen beyond loopback.
ensure_node_address() {
  node_addressed && return 0
  log "setting $NODE_NAME's InternalIP to 127.0.0.1"
  api a "/api/v1/nodes/$NODE_NAME/status" -f -o /dev/null -X PATCH -H 'Content-Type: application/merge-patch+json' \
    -d "{\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"127.0.0.1\"},{\"type\":\"Hostname\",\"address\":\"$NODE_NAME\"}]}}" ||
    fail kubelet "could not set the node's InternalIP"
}

# kube_ensure CLUSTER COLLECTION_PATH JSON: create unless it exists.
kube_ensure() {
  local code
  code=$(api "$1" "$2" -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d "$3") || true
  [[ $code == 201 || $code == 409 ]] || fail "kube-apiserver-$1" "POST $2 on cluster $1 returned HTTP $code"
}

bootstrap_objects() {
  local c
  for c in a b; do
    kube_ensure "$c" /apis/storage.k8s.io/v1/storageclasses '{"apiVersion":"storage.k8s.io/v1","kind":"StorageClass",
      "metadata":{"name":"hostpath","annotations":{"storageclass.kubernetes.io/is-default-class":"true"}},
      "provisioner":"kubernetes.io/host-path","reclaimPolicy":"Delete","volumeBindingMode":"Immediate"}'
  done
  # The limited user: everything inside namespace team-a, nothing cluster-wide (beyond the
  # discovery that system:authenticated always has).
  kube_ensure a /api/v1/namespaces '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team-a"}}'
  kube_ensure a /apis/rbac.authorization.k8s.io/v1/namespaces/team-a/roles '{"apiVersion":"rbac.authorization.k8s.io/v1",
    "kind":"Role","metadata":{"name":"team-a-all","namespace":"team-a"},
    "rules":[{"apiGroups":["*"],"resources":["*"],"verbs":["*"]}]}'
  kube_ensure a /apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings '{"apiVersion":"rbac.authorization.k8s.io/v1",
    "kind":"RoleBinding","metadata":{"name":"limited-team-a-all","namespace":"team-a"},
    "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"team-a-all"},
    "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"limited"}]}'
}

# The CSI snapshot CRDs, kept by build-kubernetes.sh next to the binaries, applied to both clusters
# (kubectl apply: an unchanged CRD is not written again), then awaited until Established. The addon of
# v1.20.2 serves v1 and v1beta1 (storage v1beta1, no conversion webhook); no snapshot controller runs.
install_snapshot_crds() {
  local dir=${BIN%/bin}/volumesnapshot-crds c
  ls "$dir"/*.yaml >/dev/null 2>&1 || fail build "no snapshot CRD files in $dir (build-kubernetes.sh keeps them there)"
  for c in a b; do
    "$BIN/kubectl" --kubeconfig "$STATE/kubeconfig-$c" apply -f "$dir" >>"$LOGS/snapshot-crds.log" 2>&1 ||
      fail snapshot-crds "kubectl apply -f $dir failed on cluster $c"
  done
  wait_for kube-apiserver-a "snapshot CRDs Established on A" 60 snapshot_crds_established a
  wait_for kube-apiserver-b "snapshot CRDs Established on B" 60 snapshot_crds_established b
  SNAPSHOT_API_VERSION=$(snapshot_api_version a)
  [[ -n $SNAPSHOT_API_VERSION ]] || fail kube-apiserver-a "discovery does not serve snapshot.storage.k8s.io on cluster A"
}

# Pods are only admitted once their namespace's "default" service account has its token secret.
sa_ready() { api "$1" "/api/v1/namespaces/$2/serviceaccounts/default" 2>/dev/null | jq -e '(.secrets // []) | length > 0' >/dev/null 2>&1; }
sa_ready_a() { sa_ready a default && sa_ready a team-a; }

write_env_file() {
  local name value
  {
    echo "# Generated by scripts/env/up.sh; source it. Exists only while the environment is up."
    while read -r name value; do printf 'export %s=%q\n' "$name" "$value"; done <<EOF
KUBECONFIG $STATE/kubeconfig-a
KUBECONFIG_B $STATE/kubeconfig-b
KUBECONFIG_LIMITED $STATE/kubeconfig-limited
KUBECONFIG_CERT $STATE/kubeconfig-cert
S3_ENDPOINT http://127.0.0.1:$SWIFT_PROXY_PORT
AWS_ACCESS_KEY_ID test:tester
AWS_SECRET_ACCESS_KEY testing
AWS_REGION us-east-1
S3_FORCE_PATH_STYLE true
TEST_IMAGE $TEST_IMAGE
TEST_STORAGE_CLASS hostpath
TEST_NODE_NAME $NODE_NAME
KUBE_BIN_DIR $BIN
SNAPSHOT_API_VERSION $SNAPSHOT_API_VERSION
EOF
    echo '# kubectl etc., built from the same source as the servers, go first on PATH (once).'
    echo 'case ":$PATH:" in *":$KUBE_BIN_DIR:"*) ;; *) export PATH="$KUBE_BIN_DIR:$PATH" ;; esac'
  } | write_file "$ENV_FILE"
}

# --- main ---------------------------------------------------------------------------------------

if $in_place; then
  # Everything runs; only the snapshot CRDs were missing. env.sh is replaced atomically (write_file).
  BIN=$("$ENV_SCRIPTS_DIR/build-kubernetes.sh" | tail -n1) || fail build "build-kubernetes.sh failed"
  install_snapshot_crds
  write_env_file
  log "snapshot CRDs added to the running environment in $((SECONDS - T0))s: source $ENV_FILE"
  exit 0
fi

mkdir -p "$LOGS" "$RUN" "$CFG" "$CACHE" "$STATE/cni/ipam"
rm -f "$ENV_FILE"   # not "up" until the end of this run
install_packages
BIN=$("$ENV_SCRIPTS_DIR/build-kubernetes.sh" | tail -n1) || fail build "build-kubernetes.sh failed"
[[ -x $BIN/kube-apiserver && -x $BIN/kubelet ]] || fail build "build-kubernetes.sh gave no usable bin dir ('$BIN')"

make_pki
make_kubeconfigs
swift_configs
containerd_config
kubelet_config

# Start everything without dependencies at once; the waits below overlap with their start-up.
ensure etcd start_etcd
for s in memcached swift-account swift-container swift-object swift-proxy; do ensure "$s" "start_$s"; done
ensure containerd start_containerd

wait_for etcd "etcd healthy" 30 health_etcd
ensure kube-apiserver-a start_kube-apiserver-a
ensure kube-apiserver-b start_kube-apiserver-b

wait_for containerd "containerd ready" 30 health_containerd
import_images

wait_for kube-apiserver-a "kube-apiserver A ready" 90 health_kube-apiserver-a
ensure kube-controller-manager-a start_kube-controller-manager-a
ensure kube-scheduler start_kube-scheduler
ensure kubelet start_kubelet
wait_for kube-apiserver-b "kube-apiserver B ready" 90 health_kube-apiserver-b
ensure kube-controller-manager-b start_kube-controller-manager-b
bootstrap_objects
install_snapshot_crds

for s in memcached swift-account swift-container swift-object swift-proxy; do
  wait_for "$s" "$s healthy" 30 "health_$s"
done
wait_for swift-proxy "S3 API answering (signed ListBuckets)" 30 s3_works

wait_for kube-controller-manager-a "kube-controller-manager A healthy" 60 health_kube-controller-manager-a
wait_for kube-controller-manager-b "kube-controller-manager B healthy" 60 health_kube-controller-manager-b
wait_for kube-scheduler "kube-scheduler healthy" 60 health_kube-scheduler
wait_for kubelet "kubelet healthy" 60 health_kubelet
wait_for kubelet "$NODE_NAME registered" 60 node_registered
ensure_node_address
wait_for kubelet "$NODE_NAME Ready" 90 node_ready
wait_for kube-controller-manager-a "cluster A default service accounts" 60 sa_ready_a
wait_for kube-controller-manager-b "cluster B default service account" 60 sa_ready b default

write_env_file
log "environment up in $((SECONDS - T0))s: source $ENV_FILE"
