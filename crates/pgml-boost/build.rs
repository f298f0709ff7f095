//! Builds XGBoost as a static library (with its dmlc-core) from its C++ sources, so that the
//! extension's shared object needs no libxgboost.so at run time: only libstdc++ and libgomp.
//!
//! The sources are the copy bundled in the crate `xgboost_lib-sys` 3.4.0 (XGBoost 3.4.1), put in
//! place by `scripts/prereqs.sh` at `$PGML_XGBOOST_SRC` (default below). CMake builds in
//! `OUT_DIR`, in Release mode whatever the cargo profile (a debug XGBoost is unusably slow).
//!
//! The build takes 15-20 CPU minutes, and cargo runs this script once per profile and per
//! command flavour (build, test, clippy each get their own `OUT_DIR`). With
//! `PGML_NATIVE_CACHE` set (scripts/lib.sh sets it), the two archives are kept there, keyed
//! by everything that shapes them (sources, options, compiler), and every later build copies
//! nothing and compiles nothing: it links them from the cache.

use std::env;
use std::fs;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;

const DEFAULT_SRC: &str = "/var/cache/pgml/src/xgboost-3.4.1";
const VERSION: &str = "3.4.1";
/// The lightgbm3-sys version Cargo.toml pins (its LightGBM copy bundles nanoarrow).
const LIGHTGBM3_SYS: &str = "1.0.11";
const ARCHIVES: [&str; 2] = ["libxgboost.a", "libdmlc.a"];
const DEFINES: [(&str, &str); 9] = [
    ("CMAKE_POSITION_INDEPENDENT_CODE", "ON"),
    ("CMAKE_INSTALL_LIBDIR", "lib"),
    ("BUILD_STATIC_LIB", "ON"),
    // By default the library is written into the source tree, which every build shares.
    ("KEEP_BUILD_ARTIFACTS_IN_BINARY_DIR", "ON"),
    ("USE_OPENMP", "ON"),
    // Keep the C++ symbols out of the extension's dynamic symbol table.
    ("HIDE_CXX_SYMBOLS", "ON"),
    ("ADD_PKGCONFIG", "OFF"),
    ("GOOGLE_TEST", "OFF"),
    ("BUILD_DEPRECATED_CLI", "OFF"),
];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=PGML_XGBOOST_SRC");
    println!("cargo:rerun-if-env-changed=PGML_NATIVE_CACHE");
    let src = env::var_os("PGML_XGBOOST_SRC")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_SRC));
    let cmake_lists = src.join("CMakeLists.txt");
    let declared = fs::read_to_string(&cmake_lists).unwrap_or_default();
    if !declared.contains(&format!(
        "project(xgboost LANGUAGES CXX C VERSION {VERSION})"
    )) {
        panic!(
            "XGBoost {VERSION} sources not found at {} (set PGML_XGBOOST_SRC, or run \
             scripts/prereqs.sh, which fetches them)",
            src.display()
        );
    }
    println!("cargo:rerun-if-changed={}", cmake_lists.display());

    let lib_dir = match env::var_os("PGML_NATIVE_CACHE").filter(|c| !c.is_empty()) {
        Some(cache) => cached(Path::new(&cache), &src),
        None => build(&src),
    };
    println!("cargo:rustc-link-search=native={}", lib_dir.display());
    println!("cargo:rustc-link-lib=static=xgboost");
    println!("cargo:rustc-link-lib=static=dmlc");
    println!("cargo:rustc-link-lib=dylib=stdc++");
    println!("cargo:rustc-link-lib=dylib=gomp");
    build_nanoarrow();
}

/// LightGBM's static library (built by lightgbm3-sys) refers to nanoarrow, which its CMake
/// build keeps in a separate archive that lightgbm3-sys does not link. The Arrow entry points
/// that need it are unused here, but pgrx links the extension with `--no-gc-sections`, so the
/// reference stays, and PostgreSQL loads libraries with RTLD_NOW: an unresolved symbol makes
/// `LOAD` fail. So we compile nanoarrow's four C files (the copy bundled with LightGBM in the
/// lightgbm3-sys crate, whose version Cargo.toml pins) into a small archive of our own.
fn build_nanoarrow() {
    let root = nanoarrow_sources();
    let src = root.join("src");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap_or_default()).join("nanoarrow-include");
    let config_dir = out.join("nanoarrow");
    let template = src.join("nanoarrow/nanoarrow_config.h.in");
    let cmake_lists = fs::read_to_string(root.join("CMakeLists.txt")).unwrap_or_default();
    let version = cmake_lists
        .lines()
        .find_map(|l| l.trim().strip_prefix("set(NANOARROW_VERSION \""))
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no NANOARROW_VERSION in {}", root.display()))
        .to_string();
    let parts: Vec<&str> = version.split('.').collect();
    let part = |i: usize| parts.get(i).copied().unwrap_or("0").to_string();
    let config = fs::read_to_string(&template)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", template.display()))
        .replace("@NANOARROW_VERSION_MAJOR@", &part(0))
        .replace("@NANOARROW_VERSION_MINOR@", &part(1))
        .replace("@NANOARROW_VERSION_PATCH@", &part(2))
        .replace("@NANOARROW_VERSION@", &version)
        .replace("@NANOARROW_NAMESPACE_DEFINE@", "");
    if let Err(e) = fs::create_dir_all(&config_dir)
        .and_then(|_| fs::write(config_dir.join("nanoarrow_config.h"), config))
    {
        panic!(
            "cannot write nanoarrow_config.h into {}: {e}",
            out.display()
        );
    }
    let common = src.join("nanoarrow/common");
    cc::Build::new()
        .files(["array.c", "schema.c", "array_stream.c", "utils.c"].map(|f| common.join(f)))
        .include(&out)
        .include(&src)
        .flag_if_supported("-std=c99")
        .opt_level(2)
        .debug(false)
        .warnings(false)
        .pic(true)
        .compile("pgml_nanoarrow");
}

/// nanoarrow's source folder inside the unpacked lightgbm3-sys crate (or PGML_NANOARROW_SRC).
fn nanoarrow_sources() -> PathBuf {
    println!("cargo:rerun-if-env-changed=PGML_NANOARROW_SRC");
    if let Some(dir) = env::var_os("PGML_NANOARROW_SRC") {
        return PathBuf::from(dir);
    }
    let cargo_home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from("/root/.cargo"));
    let registry = cargo_home.join("registry/src");
    let found = fs::read_dir(&registry)
        .into_iter()
        .flatten()
        .flatten()
        .find_map(|index| {
            let dir = index.path().join(format!(
                "lightgbm3-sys-{LIGHTGBM3_SYS}/lightgbm/external_libs/nanoarrow"
            ));
            dir.join("CMakeLists.txt").is_file().then_some(dir)
        });
    found.unwrap_or_else(|| {
        panic!(
            "nanoarrow sources of lightgbm3-sys {LIGHTGBM3_SYS} not found under {} (set PGML_NANOARROW_SRC)",
            registry.display()
        )
    })
}

/// Runs CMake in `OUT_DIR`; returns the directory holding the two archives.
fn build(src: &Path) -> PathBuf {
    let mut config = cmake::Config::new(src);
    config
        .generator("Ninja")
        .profile("Release")
        // Our own flags only: cc's defaults would add -g (and -O0) in debug profiles.
        .no_default_flags(true);
    for (key, value) in DEFINES {
        config.define(key, value);
    }
    config.build().join("lib")
}

/// The archives from `cache`, built (once, under a lock) when missing.
fn cached(cache: &Path, src: &Path) -> PathBuf {
    let name = format!("xgboost-{VERSION}-{:016x}", key(src));
    let dir = cache.join(&name);
    let complete = |d: &Path| ARCHIVES.iter().all(|a| d.join(a).is_file());
    if complete(&dir) {
        return dir;
    }
    if let Err(e) = fs::create_dir_all(cache) {
        panic!("cannot create {}: {e}", cache.display());
    }
    let lock_path = cache.join(format!("{name}.lock"));
    let lock = match fs::File::create(&lock_path) {
        Ok(f) => f,
        Err(e) => panic!("cannot create {}: {e}", lock_path.display()),
    };
    // Another build of the same key may be running: wait for it, then use its result.
    if let Err(e) = lock.lock() {
        panic!("cannot lock {}: {e}", lock_path.display());
    }
    if !complete(&dir) {
        let built = build(src);
        let tmp = cache.join(format!("{name}.tmp{}", std::process::id()));
        let _ = fs::remove_dir_all(&tmp);
        if let Err(e) = fs::create_dir_all(&tmp) {
            panic!("cannot create {}: {e}", tmp.display());
        }
        for archive in ARCHIVES {
            if let Err(e) = fs::copy(built.join(archive), tmp.join(archive)) {
                panic!("cannot copy {archive} into {}: {e}", tmp.display());
            }
        }
        if let Err(e) = fs::rename(&tmp, &dir) {
            panic!("cannot move {} to {}: {e}", tmp.display(), dir.display());
        }
    }
    dir
}

/// What the archives depend on: the sources' version and files list, the options, the compiler.
fn key(src: &Path) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    VERSION.hash(&mut h);
    DEFINES.hash(&mut h);
    env::var("TARGET").unwrap_or_default().hash(&mut h);
    for var in ["CXX", "CC", "CXXFLAGS", "CFLAGS", "CMAKE"] {
        env::var(var).unwrap_or_default().hash(&mut h);
    }
    let compiler = env::var("CXX").unwrap_or_else(|_| "c++".into());
    if let Ok(out) = Command::new(&compiler).arg("--version").output() {
        out.stdout.hash(&mut h);
    }
    // The sources: sizes and modification times of every file under src/ and include/.
    let mut files = Vec::new();
    for sub in ["src", "include", "dmlc-core", "CMakeLists.txt", "cmake"] {
        list(&src.join(sub), &mut files);
    }
    files.sort();
    files.hash(&mut h);
    h.finish()
}

fn list(path: &Path, out: &mut Vec<(String, u64, u64)>) {
    let Ok(meta) = fs::metadata(path) else {
        return;
    };
    if meta.is_dir() {
        if let Ok(entries) = fs::read_dir(path) {
            for entry in entries.flatten() {
                list(&entry.path(), out);
            }
        }
    } else {
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs());
        out.push((path.display().to_string(), meta.len(), modified));
    }
}
