# PostgreSQL helpers for the chaos example: the cluster runs as the postgres user, its data
# directory lives on the mount (root mounts have allow_other), its socket and log outside it.
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PGPORT=$((55000 + RANDOM % 1000))
as_pg() { runuser -u postgres -- "$@"; }

# pg_init DIR: a fresh cluster in DIR/src/pgdata with table t, initialised natively (outside any
# mount) and stopped cleanly, so every run starts from the same checkpointed state.
pg_init() {
  local d="$1"
  mkdir -p "$d/src" "$d/sock"; chown postgres "$d" "$d/src" "$d/sock"
  as_pg "$PGBIN/initdb" -D "$d/src/pgdata" -A trust -U postgres --no-sync -E UTF8 >"$d/initdb.log"
  cat >>"$d/src/pgdata/postgresql.conf" <<CONF
port = $PGPORT
listen_addresses = ''
unix_socket_directories = '$d/sock'
shared_buffers = 16MB
max_wal_size = 256MB
checkpoint_timeout = 10min
CONF
  pg_start "$d" "$d/src/pgdata"
  psql -h "$d/sock" -p "$PGPORT" -U postgres -qc 'CREATE TABLE t(id int PRIMARY KEY, v text)'
  pg_stop "$d" "$d/src/pgdata"
}

pg_start() { as_pg "$PGBIN/pg_ctl" -D "$2" -l "$1/pg.log" -w -t 60 start >/dev/null; }
pg_stop() { as_pg "$PGBIN/pg_ctl" -D "$2" -m fast -w -t 60 stop >/dev/null 2>&1 || true; }
pg_running() { as_pg "$PGBIN/pg_ctl" -D "$1" status >/dev/null 2>&1; }

# pg_wait_ready DIR SECONDS: true once the server accepts connections.
pg_wait_ready() {
  local i
  for i in $(seq 1 "$2"); do
    pg_running "$1/mnt/pgdata" || return 1   # the postmaster gave up: no point waiting
    "$PGBIN/pg_isready" -q -h "$1/sock" -p "$PGPORT" && return 0
    sleep 1
  done
  return 1
}

# Power cut: SIGKILL the postmaster and every backend at once (no shutdown checkpoint).
pg_kill9() {
  local pm
  pm=$(head -1 "$1/postmaster.pid")
  kill -KILL "$pm" $(ps --ppid "$pm" -o pid=) 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pm" 2>/dev/null || break; sleep 0.1; done
}
