#!/usr/bin/env bash
# Installs everything the project needs on Debian bookworm, as root, without prompts:
# Debian packages, cargo-pgrx at the pinned version, pgrx's pg15 configuration (pointing at
# Debian's PostgreSQL: pgrx must never download one) and the local model files.
# Idempotent and quick when everything is already there.
source "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || die "run as root (it installs Debian packages and owns the cluster as postgres)"

DEBIAN_PACKAGES=(
    build-essential pkg-config libssl-dev clang libclang-dev cmake ninja-build libgomp1
    postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR
    sudo python3 python3-pip ca-certificates
)

missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# pip may come from elsewhere (pyenv); only ask Debian for it when python3 has none.
if [[ " ${missing[*]} " == *" python3-pip "* ]] && python3 -m pip --version >/dev/null 2>&1; then
    missing=("${missing[@]/python3-pip/}")
fi
if [[ " ${missing[*]} " == *" python3 "* ]] && command -v python3 >/dev/null; then
    missing=("${missing[@]/python3/}")
fi
read -r -a missing <<<"${missing[*]:-}"
if [ "${#missing[@]}" -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v cargo >/dev/null || die "cargo not found: install Rust 1.95 with rustup (https://rustup.rs) and re-run"
rust_minor=$(rustc --version | sed -E 's/^rustc 1\.([0-9]+).*/\1/')
[ "$rust_minor" -ge 95 ] 2>/dev/null || die "Rust >= 1.95 needed, found $(rustc --version)"
for component in rustfmt clippy; do
    if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
        log "adding rustup component $component"
        rustup component add "$component" || die "rustup component $component is missing and could not be added"
    fi
done

if [ "$(cargo pgrx --version 2>/dev/null)" != "cargo-pgrx $CARGO_PGRX_VERSION" ]; then
    log "installing cargo-pgrx $CARGO_PGRX_VERSION (a few minutes, once)"
    cargo install cargo-pgrx --version "=$CARGO_PGRX_VERSION" --locked --quiet
fi

# `cargo pgrx init` regenerates bindings on every build after it runs, so only when needed.
if ! grep -qs "^pg$PG_MAJOR = \"$PG_CONFIG\"" "$PGRX_HOME/config.toml"; then
    log "configuring pgrx for Debian's PostgreSQL $PG_MAJOR"
    cargo pgrx init "--pg$PG_MAJOR" "$PG_CONFIG"
fi

# The extension is installed into Debian's PostgreSQL: its lib and share dirs must exist.
[ -d "$("$PG_CONFIG" --pkglibdir)" ] || die "$PG_CONFIG reports no pkglibdir"

# CMake >= 3.28 for LightGBM (crates/pgml-boost builds it through lightgbm3-sys), pinned, in a venv.
CMAKE_PIN=3.31.10
if [ "$("$CMAKE" --version 2>/dev/null | head -n1)" != "cmake version $CMAKE_PIN" ]; then
    [ "$CMAKE" = "$PGML_CACHE/cmake-venv/bin/cmake" ] || die "CMAKE=$CMAKE is not CMake $CMAKE_PIN"
    log "installing CMake $CMAKE_PIN into $PGML_CACHE/cmake-venv"
    python3 -m venv "$PGML_CACHE/cmake-venv"
    "$PGML_CACHE/cmake-venv/bin/pip" install --quiet --only-binary :all: "cmake==$CMAKE_PIN"
fi

# XGBoost's C++ sources, for the static build in crates/pgml-boost/build.rs: the copy bundled in
# the crate xgboost_lib-sys, fetched by cargo (which checks it against the crates.io index).
if [ ! -f "$PGML_XGBOOST_SRC/CMakeLists.txt" ]; then
    log "fetching XGBoost 3.4.1 sources into $PGML_XGBOOST_SRC"
    fetch=$(mktemp -d)
    mkdir -p "$fetch/src" && touch "$fetch/src/lib.rs"
    printf '[package]\nname = "xgboost-src"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\nxgboost_lib-sys = { version = "=3.4.0", default-features = false }\n' >"$fetch/Cargo.toml"
    crate_dir=$(cd "$fetch" && cargo fetch --quiet && cargo metadata --format-version 1 --offline |
        python3 -c 'import json, os, sys; print(next(os.path.dirname(p["manifest_path"]) for p in json.load(sys.stdin)["packages"] if p["name"] == "xgboost_lib-sys"))')
    mkdir -p "$(dirname "$PGML_XGBOOST_SRC")"
    rm -rf "$PGML_XGBOOST_SRC.tmp"
    cp -a "$crate_dir/xgboost" "$PGML_XGBOOST_SRC.tmp"
    mv "$PGML_XGBOOST_SRC.tmp" "$PGML_XGBOOST_SRC"
    rm -rf "$fetch"
fi

mkdir -p "$CARGO_TARGET_DIR"
"$REPO/scripts/models.sh"
