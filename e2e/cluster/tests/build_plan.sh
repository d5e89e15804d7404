#!/usr/bin/env bash
# The fresh-machine path of e2e/cluster/build without a fresh machine: an empty cache and apt
# sources without a deb-src entry, played under VEER_APT_TEST_ROOT, with `--plan` stopping before
# the first download. Also: a cached build is found offline, and an unexpected failure names the
# command and line. A fake `go` stands in for golang-go (only `go env GOVERSION` is asked).
#   build_plan.sh            the cases that need nothing from the machine
#   build_plan.sh system     the system's apt with its deb-src entry (exit 77 = skipped without one)
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0 passed=0
check() { # NAME CONDITION...
  local name=$1
  shift
  if "$@"; then passed=$((passed + 1)); else echo "FAIL: $name" >&2; failures=$((failures + 1)); fi
}

mkdir -p "$work/bin"
cat >"$work/bin/go" <<'GO'
#!/bin/sh
[ "$1 $2" = "env GOVERSION" ] && [ -z "${FAKE_GO_FAILS:-}" ] && { echo go1.19.8; exit 0; }
exit 3
GO
chmod +x "$work/bin/go"
export PATH="$work/bin:$PATH"

run() { # CASE ARGS... -> $work/CASE.{out,err,rc}
  local name=$1
  shift
  "$build" "$@" >"$work/$name.out" 2>"$work/$name.err"
  echo $? >"$work/$name.rc"
}
rc() { cat "$work/$1.rc"; }
has() { grep -q -- "$2" "$work/$1" || { echo "--- $1 lacks '$2':" >&2; cat "$work/$1" >&2; false; }; }

if [ "${1:-}" = "system" ]; then
  apt-cache showsrc kubernetes >/dev/null 2>&1 || { echo "SKIPPED: this machine has no deb-src entry"; exit 77; }
  VEER_CACHE_DIR=$work/cache run system --plan
  check "system: exit 0" [ "$(rc system)" = 0 ]
  check "system: plans the source download" has system.out "plan: apt-get source kubernetes="
  check "system: into the empty cache" has system.out "$work/cache/kube/"
  echo "$passed passed, $failures failed"
  [ $failures -eq 0 ]
  exit
fi

# 1. A fresh machine: no deb-src entry, empty cache.
root=$work/apt-fresh
mkdir -p "$root/sources.list.d"
cat >"$root/sources.list.d/debian.sources" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
VEER_APT_TEST_ROOT=$root VEER_CACHE_DIR=$work/empty-cache run fresh --plan
check "fresh: exit 0" [ "$(rc fresh)" = 0 ]
check "fresh: adds the deb-src entry" has fresh.err "adding $root/sources.list.d/veer-debian-src.sources"
check "fresh: the entry is a deb-src twin" grep -qx 'Types: deb-src' "$root/sources.list.d/veer-debian-src.sources"
check "fresh: keeps the URIs" grep -qx 'URIs: http://deb.debian.org/debian' "$root/sources.list.d/veer-debian-src.sources"
check "fresh: stops before apt-get update" has fresh.out "plan: apt-get update"
check "fresh: nothing cached" [ ! -e "$work/empty-cache/kube" ]

# 2. No debian.sources to copy: an error naming the file, not a silent exit.
mkdir -p "$work/apt-bare/sources.list.d"
VEER_APT_TEST_ROOT=$work/apt-bare VEER_CACHE_DIR=$work/empty-cache run bare --plan
check "bare: exit 1" [ "$(rc bare)" = 1 ]
check "bare: names the file" has bare.err "$work/apt-bare/sources.list.d/debian.sources not found"

# 3. Offline with a cached build: the cache answers, apt is not needed.
cached=$work/cache/kube/1.20.5+really1.20.2-1.1-go1.19.8-fixes4
mkdir -p "$cached" "$work/apt-offline/sources.list.d"
printf '#!/bin/sh\n' >"$cached/kube-apiserver"
cp "$cached/kube-apiserver" "$cached/kube-controller-manager"
chmod +x "$cached"/kube-*
VEER_APT_TEST_ROOT=$work/apt-offline VEER_CACHE_DIR=$work/cache run offline
check "offline: exit 0" [ "$(rc offline)" = 0 ]
check "offline: prints the cached folder" has offline.out "$cached"

# 4. An unexpected failure says which command failed and where.
FAKE_GO_FAILS=1 VEER_APT_TEST_ROOT=$root VEER_CACHE_DIR=$work/empty-cache run broken --plan
check "broken: exit non-zero" [ "$(rc broken)" != 0 ]
check "broken: names the command" has broken.err 'error: line [0-9]*: ".*go env GOVERSION.*" exited'

# 5. Usage errors.
run usage --bogus
check "usage: exit 2" [ "$(rc usage)" = 2 ]

echo "$passed passed, $failures failed"
[ $failures -eq 0 ]
