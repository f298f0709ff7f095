#![allow(clippy::unwrap_used)]

use super::*;
use crate::config::Config;

fn shared() -> Shared {
    let text = include_str!("../../pgml-router.example.toml");
    Shared::new(Config::parse(text, "example").unwrap()).unwrap()
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

fn tags_on(shared: &Shared, sql: &str) -> Vec<u8> {
    let mut out = BytesMut::new();
    block_on(answer(shared, sql, &mut out));
    let mut tags = Vec::new();
    while let Some(frame) = pgwire::split_frame(&mut out, 1 << 20).unwrap() {
        tags.push(frame.tag());
    }
    tags
}

fn reply_tags(sql: &str) -> Vec<u8> {
    let shared = shared();
    let mut out = BytesMut::new();
    block_on(answer(&shared, sql, &mut out));
    let mut tags = Vec::new();
    while let Some(frame) = pgwire::split_frame(&mut out, 1 << 20).unwrap() {
        tags.push(frame.tag());
    }
    tags
}

#[test]
fn every_command_answers_a_table() {
    for c in commands() {
        let tags = reply_tags(&format!("show {};", c.name().to_lowercase()));
        assert_eq!(tags.first(), Some(&b'T'), "{}", c.name());
        assert_eq!(tags.last(), Some(&b'C'), "{}", c.name());
        let rows = c.rows(&shared());
        assert!(
            rows.iter().all(|r| r.len() == c.columns().len()),
            "{}",
            c.name()
        );
    }
}

#[test]
fn unknown_command_is_an_error() {
    assert_eq!(reply_tags("DROP TABLE x"), vec![b'E']);
    assert_eq!(reply_tags("SHOW NOTHING"), vec![b'E']);
    assert_eq!(reply_tags("  "), vec![b'I']);
}

#[test]
fn action_commands_answer_and_refuse_properly() {
    let shared = shared();
    // No file to reload: an error, nothing changes.
    assert_eq!(tags_on(&shared, "RELOAD"), vec![b'E']);
    assert_eq!(tags_on(&shared, "RESUME"), vec![b'E']);
    assert_eq!(tags_on(&shared, "PAUSE nosuchdb"), vec![b'E']);
    assert_eq!(tags_on(&shared, "pause app;"), vec![b'N', b'C']);
    assert!(shared.pools.all().iter().all(|p| p.is_paused()));
    assert_eq!(tags_on(&shared, "PAUSE app"), vec![b'E']);
    assert_eq!(tags_on(&shared, "PAUSE a b"), vec![b'E']);
    assert_eq!(tags_on(&shared, "RESUME"), vec![b'N', b'C']);
    assert!(shared.pools.all().iter().all(|p| !p.is_paused()));
    assert_eq!(tags_on(&shared, "SHUTDOWN NOW PLEASE"), vec![b'E']);
    assert_eq!(shared.stopping(), crate::Stop::Running);
    assert_eq!(tags_on(&shared, "shutdown wait_for_servers"), vec![b'C']);
    assert_eq!(shared.stopping(), crate::Stop::Draining);
    assert_eq!(tags_on(&shared, "SHUTDOWN"), vec![b'C']);
    assert_eq!(shared.stopping(), crate::Stop::Now);
    // A stop never goes back to a milder one.
    shared.request_stop(crate::Stop::Draining);
    assert_eq!(shared.stopping(), crate::Stop::Now);
}
