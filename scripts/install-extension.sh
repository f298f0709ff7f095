#!/usr/bin/env bash
# Builds the extension in release mode and installs it into Debian's PostgreSQL 15, together
# with the frozen install scripts of released versions (crates/pgml/sql/released), so that
# upgrades from them can be run and tested.
source "$(dirname "$0")/lib.sh"
log "building and installing the pgml extension (release)"
cd "$REPO/crates/pgml"
cargo pgrx install --release --pg-config "$PG_CONFIG"
cp sql/released/pgml--*.sql "$("$PG_CONFIG" --sharedir)/extension/"
