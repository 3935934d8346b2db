#!/usr/bin/env bash
# Provision the server lane on a Debian 12 machine: a running PostgreSQL cluster with pgvector.
#
# Idempotent: every step checks before it acts and says what it did. pgvector is not in
# bookworm's package lists, so it is built from Debian trixie's *source* package against
# postgresql-server-dev-<major>; only a deb-src entry for trixie is added, never trixie binaries.
#
# Usage (as root): bash packages/db/scripts/provision-postgres.sh
# Env: PG_MAJOR (default: the newest installed server), PG_PORT (default 5432).
set -euo pipefail

log() { printf '[provision] %s\n' "$*"; }
die() { printf '[provision] error: %s\n' "$*" >&2; exit 1; }

command -v pg_lsclusters >/dev/null || die "PostgreSQL is not installed (apt-get install postgresql)"

PG_MAJOR=${PG_MAJOR:-$(ls /usr/lib/postgresql | sort -n | tail -n 1)}
PG_PORT=${PG_PORT:-5432}
[ -x "/usr/lib/postgresql/$PG_MAJOR/bin/postgres" ] || die "PostgreSQL $PG_MAJOR server is not installed"
log "PostgreSQL $PG_MAJOR"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else die "needs root for: $* (re-run as root)"; fi
}

# 1. A running cluster on $PG_PORT.
if ! pg_lsclusters -h | awk -v p="$PG_PORT" '$3 == p' | grep -q .; then
  log "no cluster on port $PG_PORT: creating $PG_MAJOR/main with trust auth on loopback"
  as_root pg_createcluster "$PG_MAJOR" main --port "$PG_PORT" -- --auth-local=trust --auth-host=trust
fi
read -r ver name status < <(pg_lsclusters -h | awk -v p="$PG_PORT" '$3 == p { print $1, $2, $4 }')
if [ "$status" != "online" ]; then
  log "starting cluster $ver/$name"
  as_root pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start
else
  log "cluster $ver/$name is running on port $PG_PORT"
fi
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break
  sleep 1
done
pg_isready -q -h 127.0.0.1 -p "$PG_PORT" || die "PostgreSQL did not accept connections on 127.0.0.1:$PG_PORT within 30 s"

# 2. pgvector for the running server's major version.
PG_MAJOR=$ver
control="/usr/share/postgresql/$PG_MAJOR/extension/vector.control"
if [ -f "$control" ]; then
  log "pgvector already installed ($(grep default_version "$control" | tr -d "'" | awk '{print $3}'))"
else
  log "pgvector missing: building it from Debian trixie's source package"
  src_list=/etc/apt/sources.list.d/trixie-src.sources
  if [ ! -f "$src_list" ]; then
    # The Debian mirror this machine already uses for bookworm, so proxies and mirrors hold.
    mirror=$(awk '/^URIs:/ && $2 ~ /debian/ && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
    [ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 ~ /^bookworm$/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
    [ -n "$mirror" ] || die "no Debian mirror found in the apt sources to fetch pgvector's source from"
    as_root tee "$src_list" >/dev/null <<SRC
Types: deb-src
URIs: $mirror
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    log "added $src_list (source packages only)"
  fi
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq || die "apt-get update failed"
  as_root apt-get install -y -qq --no-install-recommends \
    "postgresql-server-dev-$PG_MAJOR" dpkg-dev make gcc >/dev/null \
    || die "could not install postgresql-server-dev-$PG_MAJOR"
  build=$(mktemp -d)
  chown _apt "$build" 2>/dev/null || chmod 777 "$build" # apt-get source downloads as user _apt
  trap 'rm -rf "$build"' EXIT
  (cd "$build" && apt-get source -qq pgvector >/dev/null) || die "apt-get source pgvector failed"
  dir=$(find "$build" -maxdepth 1 -type d -name 'pgvector-*' | head -n 1)
  [ -n "$dir" ] || die "pgvector source not found after apt-get source"
  # OPTFLAGS='' as Debian builds it: no -march=native, so the build runs on any x86-64.
  make -s -C "$dir" PG_CONFIG="/usr/lib/postgresql/$PG_MAJOR/bin/pg_config" OPTFLAGS='' >/dev/null \
    || die "building pgvector failed"
  as_root make -s -C "$dir" PG_CONFIG="/usr/lib/postgresql/$PG_MAJOR/bin/pg_config" install >/dev/null \
    || die "installing pgvector failed"
  [ -f "$control" ] || die "pgvector install did not produce $control"
  log "pgvector $(basename "$dir" | sed 's/pgvector-//') installed"
fi

# 3. Memory for the server: pgvector's README advises shared_buffers at ~25% of the machine's
# memory; Debian's default (128MB) holds a fraction of a 100k × 1536 HNSW index (~800MB), and
# every search then copies most of its pages from the OS cache (pnpm bench, 3). Capped at 8GB.
# Takes a restart, so only when the setting is below that.
mem_mb=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
want_mb=$(( mem_mb / 4 > 8192 ? 8192 : mem_mb / 4 ))
# Tuning only: a server this script cannot log in to as postgres keeps its settings.
have_mb=$(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -Atc \
  "select setting::bigint * 8 / 1024 from pg_settings where name = 'shared_buffers'" 2>/dev/null || true)
if [ -z "$have_mb" ]; then
  log "could not read shared_buffers as postgres on port $PG_PORT: left as it is"
elif [ "$have_mb" -lt "$want_mb" ]; then
  log "shared_buffers ${have_mb}MB -> ${want_mb}MB (a quarter of ${mem_mb}MB): restarting $ver/$name"
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -qc "alter system set shared_buffers = '${want_mb}MB'"
  as_root pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" restart
  for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break
    sleep 1
  done
  pg_isready -q -h 127.0.0.1 -p "$PG_PORT" || die "PostgreSQL did not come back after the restart"
else
  log "shared_buffers ${have_mb}MB"
fi
# 4. PgBouncer, for the tests that run the app behind a real transaction pooler. Only the
# binary: each test starts its own instance (own ini, own port) and stops it; Debian's service
# stays off.
if command -v pgbouncer >/dev/null; then
  log "pgbouncer already installed ($(pgbouncer --version | head -1))"
else
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get install -y -qq --no-install-recommends pgbouncer >/dev/null 2>&1 ||
    { as_root apt-get update -qq && as_root apt-get install -y -qq --no-install-recommends pgbouncer >/dev/null; } ||
    die "could not install pgbouncer"
  # The package's service would hold port 6432; the tests start their own.
  as_root service pgbouncer stop >/dev/null 2>&1 || true
  log "pgbouncer installed ($(pgbouncer --version | head -1))"
fi
log "ready: postgres://postgres@127.0.0.1:$PG_PORT/postgres"
