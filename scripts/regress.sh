#!/usr/bin/env bash
# Runs only the SQL golden-file tests against the running local cluster (the last step of
# ./dev test), for a quick loop while editing tests: scripts/regress.sh
source "$(dirname "$0")/lib.sh"
regress_out=$REPO/tests/sql
rm -rf "$regress_out/results" "$regress_out/regression.diffs" "$regress_out/regression.out"
# psql reads each test from stdin, so `\ir` in a test resolves against this directory.
cd "$REPO/tests/sql/sql"
exec "$("$PG_CONFIG" --pkglibdir)/pgxs/src/test/regress/pg_regress" \
    --bindir="$PG_BIN" --host="$PGML_HOST" --port="$PGML_PORT" --user=postgres \
    --dbname=pgml_regress --inputdir="$REPO/tests/sql" --outputdir="$regress_out" \
    --schedule="$REPO/tests/sql/schedule" "$@"
