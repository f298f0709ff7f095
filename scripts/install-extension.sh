#!/usr/bin/env bash
# Builds the extension in release mode and installs it into Debian's PostgreSQL 15.
source "$(dirname "$0")/lib.sh"
log "building and installing the pgml extension (release)"
cd "$REPO/crates/pgml"
cargo pgrx install --release --pg-config "$PG_CONFIG"
