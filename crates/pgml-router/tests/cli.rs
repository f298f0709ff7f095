//! The binary's command line: --help, --version, config errors, ignored PgCat options.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_pgml-router");

fn temp_file(name: &str, text: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("pgml-router-cli-{}-{name}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn help_and_version() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("--log-level"), "{help}");
    assert!(help.contains("CONFIG_FILE"), "{help}");
    let out = Command::new(BIN).arg("--version").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn unknown_key_fails_with_file_and_line() {
    let path = temp_file(
        "bad.toml",
        "[general]\nadmin_username = \"a\"\nadmin_password = \"b\"\nbogus_option = 1\n",
    );
    let out = Command::new(BIN).arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains(&format!("{}:4:", path.display())), "{text}");
    assert!(text.contains("bogus_option"), "{text}");
    let _ = std::fs::remove_file(path);
}

#[test]
fn missing_config_from_env_fails_cleanly() {
    let out = Command::new(BIN)
        .env("CONFIG_FILE", "/nonexistent/pgml-router.toml")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("/nonexistent/pgml-router.toml"), "{text}");
}

#[test]
fn ignored_pgcat_options_are_warned_about() {
    // Port 1 on an unprivileged run fails to bind after config loading; either way the
    // warnings come first. Use an address that cannot be bound to exit quickly.
    let path = temp_file(
        "ignored.toml",
        "[general]\nhost = \"192.0.2.1\"\nport = 1\nadmin_username = \"a\"\n\
         admin_password = \"b\"\ntcp_keepalives_idle = 5\n",
    );
    let out = Command::new(BIN).arg(&path).output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("general.tcp_keepalives_idle"), "{text}");
    assert!(!out.status.success(), "{text}");
    let _ = std::fs::remove_file(path);
}
