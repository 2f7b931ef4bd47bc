#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kube-scheduler and kubelet from Debian's `kubernetes`
# source package (the full upstream v1.20.2 tree, vendor/ included) and caches them by package version.
# Debian ships no server binaries, and nothing but Debian and npm is reachable, so this is the only way.
# Also keeps the tree's CSI snapshot CRDs (cluster/addons/volumesnapshots/crd/*.yaml) next to the binaries,
# in $CACHE_ROOT/kubernetes-<version>/volumesnapshot-crds/, for up.sh to install. The last line printed is
# the bin dir; the CRD dir is its sibling.
set -euo pipefail

CACHE_ROOT="${KUBE_BACKUP_CACHE:-$HOME/.cache/kube-backup-action}"
# kubectl is built too: tests use it as an independent client, matched to the server's version.
WANT_BINS="kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl"
log() { printf '[build-kubernetes] %s\n' "$*" >&2; }

export DEBIAN_FRONTEND=noninteractive
need_pkgs=()
for p in golang-go rsync make golang-github-modern-go-reflect2-dev dpkg-dev; do
  dpkg -s "$p" >/dev/null 2>&1 || need_pkgs+=("$p")
done
if ((${#need_pkgs[@]})); then
  log "installing build tools: ${need_pkgs[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

# Source packages need deb-src lines; use a private apt state so the machine's configuration is untouched.
apt_dir="$CACHE_ROOT/apt"
mkdir -p "$apt_dir/lists/partial"
src_list="$apt_dir/sources.list"
: > "$src_list"
# Mirror the deb URIs/suites the machine already uses (deb822 format), as deb-src lines.
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  awk 'BEGIN{RS=""; FS="\n"} {
    uris=""; suites=""; comps=""; types="";
    for (i=1;i<=NF;i++) {
      if ($i ~ /^Types:/) types=substr($i,8);
      if ($i ~ /^URIs:/) uris=substr($i,7);
      if ($i ~ /^Suites:/) suites=substr($i,9);
      if ($i ~ /^Components:/) comps=substr($i,13);
    }
    if (types ~ /deb/ && uris != "") { n=split(suites,s," "); for (j=1;j<=n;j++) print "deb-src [trusted=yes] " uris " " s[j] " " comps }
  }' "$f" >> "$src_list"
done
if [ -f /etc/apt/sources.list ]; then
  grep -E '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src [trusted=yes] /' >> "$src_list" || true
fi
APT_OPTS=(-o "Dir::Etc::SourceList=$src_list" -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$apt_dir/lists")
# The private lists are kept with the cache: a cached build then needs no network at all.
if ! ls "$apt_dir/lists/"*Sources* >/dev/null 2>&1; then
  apt-get "${APT_OPTS[@]}" update -qq
fi

version=$(apt-cache "${APT_OPTS[@]}" showsrc kubernetes | awk '/^Version:/{print $2}' | sort -V | tail -n1)
[ -n "$version" ] || { log "no kubernetes source package found in: $(cat "$src_list")"; exit 1; }
bin_dir="$CACHE_ROOT/kubernetes-$version/bin"
crd_dir="$CACHE_ROOT/kubernetes-$version/volumesnapshot-crds"
work="$CACHE_ROOT/src-$version"

# download_source: the source package (orig tarball, ~35 MB) into $work; sets $tarball.
download_source() {
  rm -rf "$work"; mkdir -p "$work"
  ( cd "$work" && apt-get "${APT_OPTS[@]}" source --download-only "kubernetes=$version" >&2 )
  tarball=$(ls "$work"/kubernetes_*.orig.tar.gz | head -n1)
}

# keep_snapshot_crds: copies just the snapshot CRD files out of the orig tarball into $crd_dir (atomically:
# the directory appears complete or not at all).
keep_snapshot_crds() {
  local tmp="$crd_dir.tmp" n
  rm -rf "$tmp"; mkdir -p "$tmp"
  tar -xzf "$tarball" -C "$tmp" --strip-components=5 --wildcards --no-wildcards-match-slash \
    '*/cluster/addons/volumesnapshots/crd/*.yaml'
  n=$(find "$tmp" -maxdepth 1 -name '*.yaml' | wc -l)
  [ "$n" -gt 0 ] || { log "no cluster/addons/volumesnapshots/crd/*.yaml in $tarball"; exit 1; }
  rm -rf "$crd_dir"; mv "$tmp" "$crd_dir"
  log "kept $n snapshot CRD file(s) in $crd_dir"
}

have_crds() { ls "$crd_dir"/*.yaml >/dev/null 2>&1; }

missing=""
for b in $WANT_BINS; do [ -x "$bin_dir/$b" ] || missing="$missing $b"; done
if [ -z "$missing" ]; then
  # Binaries cached before the CRDs were kept: fetch the source once more, for the CRD files only.
  if ! have_crds; then
    log "binaries cached, snapshot CRDs not: downloading the source package for them"
    download_source
    keep_snapshot_crds
    rm -rf "$work"
  fi
  log "cached: $bin_dir"
  echo "$bin_dir"
  exit 0
fi
WANT_BINS="${missing# }"

download_source
have_crds || keep_snapshot_crds
log "unpacking $tarball"
mkdir -p "$work/tree"
tar -xzf "$tarball" -C "$work/tree" --strip-components=1

# reflect2 1.0.1 (vendored) crashes the apiserver under Go >= 1.18 on the first custom resource; Debian's 1.0.2 is fixed.
r2=/usr/share/gocode/src/github.com/modern-go/reflect2
vend="$work/tree/vendor/github.com/modern-go/reflect2"
rm -f "$vend"/*.go "$vend"/*.s
for f in "$r2"/*.go "$r2"/*.s; do
  [ -e "$f" ] || continue
  case "$f" in *_test.go) continue ;; esac
  cp "$f" "$vend/"
done

log "building $WANT_BINS (about 13 minutes on 2 cores)"
cd "$work/tree"
mkdir -p .go/src/k8s.io
ln -sfn ../../.. .go/src/k8s.io/kubernetes
export GOPATH="$PWD/.go" CGO_ENABLED=0 GO111MODULE=off GOFLAGS= GOCACHE="$CACHE_ROOT/gocache"
cmds=""; for b in $WANT_BINS; do cmds="$cmds cmd/$b"; done
make WHAT="${cmds# }" >&2

mkdir -p "$bin_dir"
for b in $WANT_BINS; do
  src="_output/local/bin/linux/amd64/$b"
  [ -s "$src" ] || { log "build produced no $b"; exit 1; }
  cp "$src" "$bin_dir/"
done
cd /; rm -rf "$work"
log "built into $bin_dir"
echo "$bin_dir"
