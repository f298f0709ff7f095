#!/usr/bin/env bash
# Command 1: set up and run. Installs prerequisites, builds and installs the extension,
# starts the project-local cluster, creates the extension and runs the demo.
source "$(dirname "$0")/lib.sh"
"$REPO/scripts/prereqs.sh"
"$REPO/scripts/install-extension.sh"
"$REPO/scripts/cluster.sh" start
log "CREATE EXTENSION pgml (or ALTER EXTENSION pgml UPDATE) in database $PGML_DB"
psql_pgml -d "$PGML_DB" -v ON_ERROR_STOP=1 -qc "CREATE EXTENSION IF NOT EXISTS pgml" \
    -c "ALTER EXTENSION pgml UPDATE" # a database created by an older version is upgraded in place
log "demo: examples/demo.sql"
psql_pgml -d "$PGML_DB" -v ON_ERROR_STOP=1 -f "$REPO/examples/demo.sql"
log "ready: psql -h $PGML_HOST -p $PGML_PORT -U postgres -d $PGML_DB   (or ./dev psql; ./dev stop to stop)"
