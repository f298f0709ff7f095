#!/usr/bin/env bash
# Reference llama.cpp for the text-generation benchmark (issue 4): builds `llama-bench` and
# `llama-simple` from the very llama.cpp sources our Rust side links (the copy bundled in the
# `llama-cpp-sys-2` crate, version taken from Cargo.lock), then measures SmolLM2-135M Q4_1.
#
#   bench/llama_reference.sh build   # build only (idempotent: skipped when up to date)
#   bench/llama_reference.sh bench   # build if needed, then measure; prints JSON lines
#
# The crate ships llama.cpp's library sources (src/, ggml/, common/) but strips tools/ and
# examples/ down to their READMEs, so the two programs' sources come from the llama.cpp copy in
# PyPI's `llama-cpp-python` sdist (same API generation; only the two .cpp files are used, built
# against the crate's library). llama-simple is patched in a copy to honour LLAMA_THREADS (its
# default would be 4 threads) and to print the time to first token.
#
# Settings (environment): THREADS (2), MODEL (the SmolLM2 GGUF), PGML_LLAMA_BENCH_BUILD,
# REPS (llama-bench repetitions, 5), GGML_OPENMP (ON).
# Built with GGML_NATIVE=ON (-march=native). Note: llama-cpp-sys-2's build script turns
# GGML_NATIVE off unless RUSTFLAGS has -C target-cpu=native, and then enables only the SIMD
# levels rustc's target features name (x86-64 baseline: SSE2 only), so the Rust side must build
# with target-cpu=native (or GGML_AVX2/FMA/F16C=ON in the environment) to compare fairly.
source "$(dirname "$0")/../scripts/lib.sh"

BUILD=${PGML_LLAMA_BENCH_BUILD:-$PGML_CACHE/llama-bench-build}
MODEL=${MODEL:-$PGML_MODEL_DIR/HuggingFaceTB/SmolLM2-135M-Instruct/SmolLM2-135M-Instruct.Q4_1.gguf}
THREADS=${THREADS:-2}
REPS=${REPS:-5}
# OpenMP on, as in llama.cpp's default build and in crates/pgml-nlp (llama-cpp-2 feature "openmp")
GGML_OPENMP=${GGML_OPENMP:-ON}
LCP_VERSION=0.3.36
LCP_SHA256=832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e
MODE=${1:-bench}

# --- where the llama.cpp library sources are ------------------------------------------------
sys_version=$(awk '/^name = "llama-cpp-sys-2"$/ {getline; gsub(/[^0-9.]/, "", $0); print; exit}' "$REPO/Cargo.lock" 2>/dev/null || true)
[ -n "$sys_version" ] || die "llama-cpp-sys-2 is not in Cargo.lock"
CARGO_HOME=${CARGO_HOME:-$HOME/.cargo}
find_sys_src() { ls -d "$CARGO_HOME"/registry/src/*/"llama-cpp-sys-2-$sys_version"/llama.cpp 2>/dev/null | head -1; }
SYS_SRC=$(find_sys_src)
if [ -z "$SYS_SRC" ]; then
    log "fetching crate sources (cargo fetch) for llama-cpp-sys-2 $sys_version"
    (cd "$REPO" && cargo fetch --locked >&2)
    SYS_SRC=$(find_sys_src)
    [ -n "$SYS_SRC" ] || die "llama-cpp-sys-2-$sys_version sources not found under $CARGO_HOME/registry/src"
fi

STAMP="$BUILD/.stamp"
want_stamp="sys=$sys_version lcp=$LCP_VERSION openmp=$GGML_OPENMP script=$(sha256sum "$0" | cut -c1-16)"

# pgml-llama-tokenize: llama.cpp's own tokenizer and built-in chat templating, for cross-checking
# the Python token references (crates/pgml-nlp/tests/data/make_smollm2_token_reference.py).
#   pgml-llama-tokenize tokenize MODEL.gguf  < lines of hex(UTF-8 text)  > lines of token ids
#       (add_special=false, parse_special=true: "<|im_start|>" becomes its control token)
#   pgml-llama-tokenize tokenize-raw MODEL.gguf  the same with parse_special=false
#   pgml-llama-tokenize chat MODEL.gguf      < lines of "hex(role) hex(content) ..." > lines of
#       hex(prompt) from llama_chat_apply_template(model's template, add_ass=true)
write_tokenize_tool() {
    cat > "$1" <<'CPP'
#include "llama.h"
#include <cstdio>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

static std::string unhex(const std::string & h) {
    std::string out;
    for (size_t i = 0; i + 1 < h.size(); i += 2) out.push_back((char) std::stoi(h.substr(i, 2), nullptr, 16));
    return out;
}
static std::string tohex(const std::string & s) {
    static const char * d = "0123456789abcdef";
    std::string out;
    for (unsigned char c : s) { out.push_back(d[c >> 4]); out.push_back(d[c & 15]); }
    return out;
}
static void quiet(ggml_log_level, const char *, void *) {}

int main(int argc, char ** argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s tokenize|tokenize-raw|chat MODEL.gguf\n", argv[0]); return 2; }
    const std::string mode = argv[1];
    llama_log_set(quiet, nullptr);
    llama_backend_init();
    auto mp = llama_model_default_params();
    mp.vocab_only = true;
    llama_model * model = llama_model_load_from_file(argv[2], mp);
    if (!model) { fprintf(stderr, "cannot load %s\n", argv[2]); return 1; }
    const llama_vocab * vocab = llama_model_get_vocab(model);
    std::string line;
    while (std::getline(std::cin, line)) {
        if (mode == "tokenize" || mode == "tokenize-raw") {
            const bool parse_special = mode == "tokenize";
            const std::string text = unhex(line);
            int n = -llama_tokenize(vocab, text.data(), (int32_t) text.size(), nullptr, 0, false, parse_special);
            std::vector<llama_token> toks(n > 0 ? n : 0);
            if (n > 0) llama_tokenize(vocab, text.data(), (int32_t) text.size(), toks.data(), n, false, parse_special);
            for (size_t i = 0; i < toks.size(); i++) printf(i ? " %d" : "%d", toks[i]);
            printf("\n");
        } else if (mode == "chat") {
            std::istringstream in(line);
            std::vector<std::string> fields;
            std::string f;
            while (in >> f) fields.push_back(unhex(f));
            std::vector<llama_chat_message> msgs;
            for (size_t i = 0; i + 1 < fields.size(); i += 2) msgs.push_back({fields[i].c_str(), fields[i + 1].c_str()});
            const char * tmpl = llama_model_chat_template(model, nullptr);
            std::vector<char> buf(65536);
            int n = llama_chat_apply_template(tmpl, msgs.data(), msgs.size(), true, buf.data(), (int32_t) buf.size());
            if (n < 0) { printf("ERROR\n"); continue; }
            printf("%s\n", tohex(std::string(buf.data(), n)).c_str());
        } else { fprintf(stderr, "unknown mode %s\n", mode.c_str()); return 2; }
        fflush(stdout);
    }
    llama_model_free(model);
    return 0;
}
CPP
}

build() {
    if [ -x "$BUILD/build/bin/llama-bench" ] && [ -x "$BUILD/build/bin/llama-simple" ] \
        && [ -x "$BUILD/build/bin/pgml-llama-tokenize" ] \
        && [ "$(cat "$STAMP" 2>/dev/null)" = "$want_stamp" ]; then
        return 0
    fi
    log "building llama-bench and llama-simple (llama.cpp from llama-cpp-sys-2 $sys_version) into $BUILD"
    mkdir -p "$BUILD"
    rm -f "$STAMP"

    # 1. a private copy of the crate's llama.cpp (cmake never writes into CARGO_HOME)
    rm -rf "$BUILD/llama.cpp"
    cp -a "$SYS_SRC" "$BUILD/llama.cpp"

    # 2. the two tools' sources from the llama-cpp-python sdist (cached, checked by sha256)
    local sdist="$PGML_WHEELS/llama_cpp_python-$LCP_VERSION.tar.gz"
    if ! echo "$LCP_SHA256  $sdist" | sha256sum -c --status 2>/dev/null; then
        mkdir -p "$PGML_WHEELS"
        local pip=pip3
        [ -x "$PGML_CACHE/nlp-venv/bin/pip" ] && pip="$PGML_CACHE/nlp-venv/bin/pip"
        "$pip" download --no-deps --no-binary :all: -d "$PGML_WHEELS" "llama-cpp-python==$LCP_VERSION" >&2
        echo "$LCP_SHA256  $sdist" | sha256sum -c --status || die "checksum mismatch for $sdist"
    fi
    rm -rf "$BUILD/tools-src" && mkdir -p "$BUILD/tools-src"
    local v="llama_cpp_python-$LCP_VERSION/vendor/llama.cpp"
    tar -xzf "$sdist" -C "$BUILD/tools-src" --strip-components=3 \
        "$v/tools/llama-bench/llama-bench.cpp" "$v/tools/llama-bench/main.cpp" "$v/examples/simple/simple.cpp"
    # llama-simple: thread count from LLAMA_THREADS, and print time to first token
    local simple="$BUILD/tools-src/examples/simple/simple.cpp"
    sed -i 's|^\(\s*\)ctx_params.no_perf = false;|&\n\1{ const char * t = getenv("LLAMA_THREADS"); const int nt = t ? atoi(t) : 2; ctx_params.n_threads = nt; ctx_params.n_threads_batch = nt; }|' "$simple"
    sed -i 's|^\(\s*\)new_token_id = llama_sampler_sample(smpl, ctx, -1);|&\n\1if (n_decode == 0) { fprintf(stderr, "ttft_us: %lld n_prompt: %d\\n", (long long) (ggml_time_us() - t_main_start), n_prompt); }|' "$simple"
    grep -q LLAMA_THREADS "$simple" && grep -q ttft_us "$simple" || die "patching simple.cpp failed (source changed?)"
    grep -q '<cstdlib>\|<stdlib.h>' "$simple" || sed -i '1i #include <cstdlib>' "$simple"

    # 3. an outer CMake project: the crate's llama.cpp as a subdirectory, plus the two programs
    mkdir -p "$BUILD/project"
    cat > "$BUILD/project/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.14)
project(pgml_llama_reference C CXX)
set(CMAKE_CXX_STANDARD 17)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_RUNTIME_OUTPUT_DIRECTORY \${CMAKE_BINARY_DIR}/bin)
find_package(Threads REQUIRED)
add_subdirectory("$BUILD/llama.cpp" llama.cpp)
add_library(llama-bench-impl STATIC "$BUILD/tools-src/tools/llama-bench/llama-bench.cpp")
target_link_libraries(llama-bench-impl PUBLIC llama-common llama Threads::Threads)
add_executable(llama-bench "$BUILD/tools-src/tools/llama-bench/main.cpp")
target_link_libraries(llama-bench PRIVATE llama-bench-impl)
add_executable(llama-simple "$BUILD/tools-src/examples/simple/simple.cpp")
target_link_libraries(llama-simple PRIVATE llama Threads::Threads)
add_executable(pgml-llama-tokenize "$BUILD/project/pgml-llama-tokenize.cpp")
target_link_libraries(pgml-llama-tokenize PRIVATE llama Threads::Threads)
EOF
    write_tokenize_tool "$BUILD/project/pgml-llama-tokenize.cpp"
    local gen=()
    command -v ninja >/dev/null && gen=(-G Ninja)
    nice -n 10 cmake -S "$BUILD/project" -B "$BUILD/build" "${gen[@]}" \
        -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DBUILD_SHARED_LIBS=OFF \
        -DLLAMA_BUILD_COMMON=ON -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_TOOLS=OFF \
        -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_APP=OFF \
        -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DGGML_OPENMP="$GGML_OPENMP" >&2
    nice -n 10 cmake --build "$BUILD/build" --target llama-bench llama-simple pgml-llama-tokenize -j 2 >&2
    echo "$want_stamp" > "$STAMP"
}

bench() {
    [ -f "$MODEL" ] || die "model not found: $MODEL (run the set-up command first)"
    local bin="$BUILD/build/bin"
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    load_start=$(cut -d' ' -f1 /proc/loadavg)
    log "llama-bench -m $(basename "$MODEL") -t $THREADS -p 100 -n 128 -r $REPS"
    "$bin/llama-bench" -m "$MODEL" -t "$THREADS" -p 100 -n 128 -r "$REPS" -o json > "$tmp/bench.json" 2> "$tmp/bench.err" \
        || { cat "$tmp/bench.err" >&2; die "llama-bench failed"; }
    # prompt of ~100 tokens then the first generated token, as one llama-bench test
    "$bin/llama-bench" -m "$MODEL" -t "$THREADS" -p 0 -n 0 -pg 101,1 -r "$REPS" -o json > "$tmp/pg.json" 2>> "$tmp/bench.err" \
        || { cat "$tmp/bench.err" >&2; die "llama-bench -pg failed"; }
    # time to first token with llama-simple: model loaded, ~100-token prompt, greedy, 32 tokens
    local prompt="Retrieval-augmented generation combines a search step with a language model. First, documents are split into chunks, and each chunk is embedded into a vector with a sentence encoder. When a user asks a question, the question is embedded too, and the chunks whose vectors are closest by cosine similarity are retrieved. Those chunks are pasted into the prompt, and the model writes an answer grounded in them. In PostgreSQL this whole pipeline can run inside one SQL query. Summarize this in one sentence:"
    local i
    for i in 1 2 3 4 5; do
        LLAMA_THREADS=$THREADS "$bin/llama-simple" -m "$MODEL" -n 32 "$prompt" > "$tmp/simple.out" 2> "$tmp/simple.err.$i" \
            || { cat "$tmp/simple.err.$i" >&2; die "llama-simple failed"; }
    done
    python3 - "$tmp" "$THREADS" "$sys_version" "$load_start" "$(cut -d' ' -f1 /proc/loadavg)" <<'PY'
import json, re, statistics, sys, glob, os
tmp, threads, sysver = sys.argv[1], int(sys.argv[2]), sys.argv[3]
loadinfo = {"loadavg_1m_at_start": float(sys.argv[4]), "loadavg_1m_at_end": float(sys.argv[5])}
def load(p):
    return json.load(open(p))
out = []
for r in load(os.path.join(tmp, "bench.json")) + load(os.path.join(tmp, "pg.json")):
    npr, ngen = r["n_prompt"], r["n_gen"]
    test = f"pp{npr}" if ngen == 0 else (f"tg{ngen}" if npr == 0 else f"pp{npr}+tg{ngen}")
    out.append({"tool": "llama-bench", "llama_cpp": f"llama-cpp-sys-2 {sysver}", "build_commit": r.get("build_commit"),
                "test": test, "threads": r["n_threads"], "tokens_per_s": round(r["avg_ts"], 2),
                "stddev_tokens_per_s": round(r["stddev_ts"], 2), "avg_ms": round(r["avg_ns"] / 1e6, 2),
                "reps": len(r.get("samples_ns", []))})
ttft, pe, ev, load_ms, npr = [], [], [], [], None
for p in sorted(glob.glob(os.path.join(tmp, "simple.err.*"))):
    s = open(p, errors="replace").read()
    m = re.search(r"ttft_us: (\d+) n_prompt: (\d+)", s); ttft.append(int(m.group(1)) / 1000); npr = int(m.group(2))
    m = re.search(r"prompt eval time =\s*([\d.]+) ms /\s*(\d+) tokens", s); pe.append(float(m.group(1)))
    m = re.search(r"\beval time =\s*([\d.]+) ms /\s*(\d+) runs", s); ev.append(float(m.group(2)) * 1000 / float(m.group(1)))
    m = re.search(r"load time =\s*([\d.]+) ms", s); load_ms.append(float(m.group(1)))
out.append({"tool": "llama-simple", "test": "ttft", "threads": threads, "n_prompt": npr, "runs": len(ttft),
            "ttft_ms_median": round(statistics.median(ttft), 1), "ttft_ms_all": [round(x, 1) for x in ttft],
            "prompt_eval_ms_median": round(statistics.median(pe), 1),
            "gen_tokens_per_s_median": round(statistics.median(ev), 1),
            "load_ms_median": round(statistics.median(load_ms), 1)})
for o in out:
    print(json.dumps({**o, **loadinfo}))
PY
}

case "$MODE" in
    build) build ;;
    bench) build; bench ;;
    *) die "usage: $0 [build|bench]" ;;
esac
