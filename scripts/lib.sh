# shellcheck shell=bash
# Shared helpers of scripts/test, scripts/demo and scripts/bench.
#
# Everything runs against a private staging install (build/stage): a
# hard-linked copy of the PostgreSQL 15 binaries plus `make install
# DESTDIR=build/stage`.  PostgreSQL finds its share and lib directories
# relative to its binary, so the staged server loads this tree's build of
# pg_idm, not whatever the system has, and parallel checkouts never step on
# each other.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PGVER=15
SYS_PGBIN=/usr/lib/postgresql/$PGVER/bin
STAGE=${PG_IDM_STAGE:-$ROOT/build/stage}
PGBIN=$STAGE/usr/lib/postgresql/$PGVER/bin
APT_PACKAGES="postgresql-$PGVER postgresql-server-dev-$PGVER libjson-c-dev libssl-dev pkg-config \
 make gcc clang libclang-rt-14-dev libipc-run-perl openssl python3"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Installs missing Debian packages (needs root on a fresh machine).
ensure_packages() {
    local missing=()
    for p in $APT_PACKAGES "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$p")
    done
    # Node.js may come from elsewhere (nodesource bundles npm); Debian's otherwise
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        missing+=(nodejs npm)
    fi
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Builds the extension and installs it into the staging tree.
build_and_stage() {
    log "building pg_idm"
    make -C "$ROOT" -s -j2 >/dev/null
    log "staging install in $STAGE"
    rm -rf "$STAGE"
    mkdir -p "$STAGE/usr/lib/postgresql" "$STAGE/usr/share/postgresql"
    cp -al "/usr/lib/postgresql/$PGVER" "$STAGE/usr/lib/postgresql/" 2>/dev/null ||
        cp -a "/usr/lib/postgresql/$PGVER" "$STAGE/usr/lib/postgresql/"
    cp -a "/usr/share/postgresql/$PGVER" "$STAGE/usr/share/postgresql/"
    # never write through a hard link into the system's files
    rm -f "$STAGE/usr/lib/postgresql/$PGVER/lib/pg_idm.so" \
        "$STAGE/usr/share/postgresql/$PGVER/extension/pg_idm"*
    make -C "$ROOT" -s install DESTDIR="$STAGE" >/dev/null
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_cluster DIR: initdb + start on a free port, socket in DIR/sock.
# Sets PGHOST, PGPORT, PGUSER, PGDATABASE for the caller.
start_cluster() {
    local dir=$1
    local user=${PG_IDM_OS_USER:-}
    mkdir -p "$dir/sock"
    if [ "$(id -u)" -eq 0 ]; then
        # initdb refuses to run as root: use the postgres account
        user=postgres
        chown -R postgres "$dir"
        chmod 755 "$dir"
    fi
    PGPORT=$(free_port)
    PGHOST=$dir/sock
    PGUSER=postgres
    PGDATABASE=postgres
    export PGHOST PGPORT PGUSER PGDATABASE
    as_pg "$user" "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust --no-sync >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log"; return 1; }
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
port = $PGPORT
unix_socket_directories = '$dir/sock'
fsync = off
max_prepared_transactions = 4
log_line_prefix = '%m [%p] '
# connected-account credentials are encrypted with this throwaway cluster's
# own random key (superuser-only settings; see README, Security)
idm.credential_keys = 'k1:$(openssl rand -base64 32)'
idm.credential_key_id = 'k1'
CONF
    as_pg "$user" "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null ||
        { cat "$dir/server.log"; return 1; }
}

stop_cluster() {
    local dir=$1
    [ -f "$dir/data/postmaster.pid" ] || return 0
    local user=""
    [ "$(id -u)" -eq 0 ] && user=postgres
    as_pg "$user" "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
}

# Runs a command as the given OS user (empty: as ourselves).
as_pg() {
    local user=$1
    shift
    if [ -n "$user" ] && [ "$(id -un)" != "$user" ]; then
        runuser -u "$user" -- "$@"
    else
        "$@"
    fi
}
