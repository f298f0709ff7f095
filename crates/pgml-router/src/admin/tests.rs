#![allow(clippy::unwrap_used)]

use super::*;
use crate::config::Config;

fn shared() -> Shared {
    let text = include_str!("../../pgml-router.example.toml");
    Shared::new(Config::parse(text, "example").unwrap())
}

fn reply_tags(sql: &str) -> Vec<u8> {
    let shared = shared();
    let mut out = BytesMut::new();
    answer(&shared, sql, &mut out);
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
