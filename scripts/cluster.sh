#!/usr/bin/env bash
# The project-local PostgreSQL 15 cluster: 127.0.0.1:$PGML_PORT (5433), database $PGML_DB,
# user postgres, trust on loopback. Data under $(pgml_home)/data, owned by the postgres user.
#   cluster.sh start | stop | status | psql [args]
source "$(dirname "$0")/lib.sh"

HOME_DIR=$(pgml_home)
DATA=$HOME_DIR/data
LOGFILE=$HOME_DIR/postgres.log

is_running() { [ -f "$DATA/PG_VERSION" ] && as_postgres "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

port_in_use() {
    # bash's /dev/tcp connect succeeds only when something listens.
    (exec 3<>"/dev/tcp/$PGML_HOST/$PGML_PORT") 2>/dev/null
}

who_listens() {
    if command -v ss >/dev/null; then
        ss -Hltnp "sport = :$PGML_PORT" 2>/dev/null | sed -E 's/.*users:\(\("([^"]+)",pid=([0-9]+).*/\1 (pid \2)/' | head -1
    fi
}

init_cluster() {
    log "creating the cluster in $DATA"
    mkdir -p "$HOME_DIR"
    chown postgres:postgres "$HOME_DIR"
    chmod 700 "$HOME_DIR"
    as_postgres "$PG_BIN/initdb" -D "$DATA" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$DATA/postgresql.conf" <<CONF

# --- pgml project-local cluster (scripts/cluster.sh) ---
listen_addresses = '$PGML_HOST'
port = $PGML_PORT
unix_socket_directories = '$PGML_SOCKET_DIR'
CONF
}

start() {
    if is_running; then
        log "cluster already running ($DATA)"
    else
        if port_in_use; then
            local owner
            owner=$(who_listens || true)
            die "port $PGML_PORT on $PGML_HOST is already in use${owner:+ by $owner}, and not by this project's cluster ($DATA). Stop that server, or choose another port with PGML_PORT=<port>."
        fi
        [ -f "$DATA/PG_VERSION" ] || init_cluster
        mkdir -p "$PGML_SOCKET_DIR"
        chown postgres:postgres "$PGML_SOCKET_DIR"
        log "starting PostgreSQL $PG_MAJOR on $PGML_HOST:$PGML_PORT (log: $LOGFILE)"
        as_postgres "$PG_BIN/pg_ctl" -D "$DATA" -l "$LOGFILE" -w -t 60 \
            -o "-p $PGML_PORT" start >/dev/null \
            || die "PostgreSQL did not start; last lines of $LOGFILE:
$(tail -n 20 "$LOGFILE" 2>/dev/null)"
    fi
    # Where pgml.embed / pgml.transform find their models (scripts/models.sh puts them there).
    if [ "$(psql_pgml -d postgres -tAc "SELECT current_setting('pgml.model_path', true)")" != "$PGML_MODEL_DIR" ]; then
        # ALTER SYSTEM knows the setting only once the library is loaded in the session.
        psql_pgml -d postgres -v ON_ERROR_STOP=1 -qc "LOAD 'pgml'" \
            -c "ALTER SYSTEM SET pgml.model_path = '$PGML_MODEL_DIR'" -c "SELECT pg_reload_conf()" >/dev/null \
            || log "pgml.model_path not set (is the extension installed?); it defaults to /var/cache/pgml/models"
    fi
    if [ "$(psql_pgml -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$PGML_DB'")" != 1 ]; then
        log "creating database $PGML_DB"
        psql_pgml -d postgres -qc "CREATE DATABASE \"$PGML_DB\""
    fi
}

stop() {
    if is_running; then
        log "stopping the cluster ($DATA)"
        as_postgres "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
    else
        log "cluster not running"
    fi
}

status() {
    if is_running; then
        echo "running: $DATA on $PGML_HOST:$PGML_PORT, database $PGML_DB (log: $LOGFILE)"
    else
        echo "not running (data directory: $DATA)"
        return 3
    fi
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
psql) shift; exec "$PG_BIN/psql" -h "$PGML_HOST" -p "$PGML_PORT" -U postgres -d "$PGML_DB" "$@" ;;
*) die "usage: $0 start|stop|status|psql [psql args]" ;;
esac
