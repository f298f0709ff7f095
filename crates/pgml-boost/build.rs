//! Builds XGBoost as a static library (with its dmlc-core) from its C++ sources, so that the
//! extension's shared object needs no libxgboost.so at run time: only libstdc++ and libgomp.
//!
//! The sources are the copy bundled in the crate `xgboost_lib-sys` 3.4.0 (XGBoost 3.4.1), put in
//! place by `scripts/prereqs.sh` at `$PGML_XGBOOST_SRC` (default below). CMake builds in
//! `OUT_DIR`, in Release mode whatever the cargo profile (a debug XGBoost is unusably slow).

use std::env;
use std::path::PathBuf;

const DEFAULT_SRC: &str = "/var/cache/pgml/src/xgboost-3.4.1";
const VERSION: &str = "3.4.1";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=PGML_XGBOOST_SRC");
    let src = env::var_os("PGML_XGBOOST_SRC")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_SRC));
    let cmake_lists = src.join("CMakeLists.txt");
    let declared = std::fs::read_to_string(&cmake_lists).unwrap_or_default();
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

    let dst = cmake::Config::new(&src)
        .generator("Ninja")
        .profile("Release")
        // Our own flags only: cc's defaults would add -g (and -O0) in debug profiles.
        .no_default_flags(true)
        .define("CMAKE_POSITION_INDEPENDENT_CODE", "ON")
        .define("CMAKE_INSTALL_LIBDIR", "lib")
        .define("BUILD_STATIC_LIB", "ON")
        // By default the library is written into the source tree, which every build shares.
        .define("KEEP_BUILD_ARTIFACTS_IN_BINARY_DIR", "ON")
        .define("USE_OPENMP", "ON")
        // Keep the C++ symbols out of the extension's dynamic symbol table.
        .define("HIDE_CXX_SYMBOLS", "ON")
        .define("ADD_PKGCONFIG", "OFF")
        .define("GOOGLE_TEST", "OFF")
        .build();

    println!(
        "cargo:rustc-link-search=native={}",
        dst.join("lib").display()
    );
    println!("cargo:rustc-link-lib=static=xgboost");
    println!("cargo:rustc-link-lib=static=dmlc");
    println!("cargo:rustc-link-lib=dylib=stdc++");
    println!("cargo:rustc-link-lib=dylib=gomp");
}
