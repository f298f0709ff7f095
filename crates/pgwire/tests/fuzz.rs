//! Fuzz-style: many random and mutated byte strings through framing and every decoder.
//! Nothing may panic, and whatever decodes must re-encode to something that decodes to
//! the same value. Deterministic (xorshift64), no extra crates.

// Test helpers outside #[test] fns unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod common;

use bytes::BytesMut;
use common::*;
use pgwire::frontend::{AuthMessage, AuthStage};
use pgwire::{
    peek_header, split_frame, split_startup_frame, BackendMessage, FrontendMessage, StartupPacket,
};

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}

/// Valid encodings of every message kind: the seeds that mutations start from.
fn corpus() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for m in frontend_samples() {
        let mut b = BytesMut::new();
        m.encode(&mut b).unwrap();
        out.push(b.to_vec());
    }
    for m in backend_samples() {
        let mut b = BytesMut::new();
        m.encode(&mut b).unwrap();
        out.push(b.to_vec());
    }
    for m in startup_samples() {
        let mut b = BytesMut::new();
        m.encode(&mut b).unwrap();
        out.push(b.to_vec());
    }
    out
}

fn mutate(rng: &mut XorShift, seed: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..=rng.below(4) {
        match rng.below(8) {
            // Flip a byte.
            0 | 1 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = rng.byte();
            }
            // Truncate.
            2 => {
                let n = rng.below(v.len() + 1);
                v.truncate(n);
            }
            // Insert a byte (often a NUL or 0xff, the interesting ones).
            3 => {
                let i = rng.below(v.len() + 1);
                let b = [0, 0xff, rng.byte()][rng.below(3)];
                v.insert(i, b);
            }
            // Rewrite a length-ish word at a random place with an edge value.
            4 if v.len() >= 4 => {
                let i = rng.below(v.len() - 3);
                let edges = [0i32, -1, -2, 3, 4, 5, i32::MAX, i32::MIN, 0x7fff, 0xffff];
                let w = edges[rng.below(edges.len())].to_be_bytes();
                v[i..i + 4].copy_from_slice(&w);
            }
            // Remove a byte.
            5 if !v.is_empty() => {
                let i = rng.below(v.len());
                v.remove(i);
            }
            // Append garbage.
            _ => {
                for _ in 0..rng.below(16) {
                    v.push(rng.byte());
                }
            }
        }
    }
    v
}

fn check_frontend(tag: u8, body: &[u8]) {
    if let Ok(m) = FrontendMessage::decode(tag, body) {
        assert_eq!(frontend_roundtrip(&m), m);
    }
    for stage in [
        AuthStage::Password,
        AuthStage::SaslInitial,
        AuthStage::SaslContinue,
    ] {
        if let Ok(m) = AuthMessage::decode(body, stage) {
            let mut b = BytesMut::new();
            m.encode(&mut b).unwrap();
            assert_eq!(AuthMessage::decode(&b[5..], stage), Ok(m));
        }
    }
}

fn check_backend(tag: u8, body: &[u8]) {
    if let Ok(m) = BackendMessage::decode(tag, body) {
        assert_eq!(backend_roundtrip(&m), m);
    }
}

fn check_startup(body: &[u8]) {
    if let Ok(m) = StartupPacket::decode(body) {
        assert_eq!(startup_roundtrip(&m), m);
    }
}

/// Feeds one input through everything: framing (both kinds, several maxima) and the
/// decoders (every tag the input could be, and as a raw body).
fn feed(input: &[u8]) {
    for max in [0, 8, 64, MAX] {
        let mut buf = BytesMut::from(input);
        let _ = peek_header(&buf, max);
        while let Ok(Some(frame)) = split_frame(&mut buf, max) {
            assert_eq!(frame.as_bytes().len(), frame.body().len() + 5);
            check_frontend(frame.tag(), frame.body());
            check_backend(frame.tag(), frame.body());
        }
        let mut buf = BytesMut::from(input);
        if let Ok(Some(frame)) = split_startup_frame(&mut buf, max) {
            check_startup(frame.body());
        }
    }
    if let Some((&tag, rest)) = input.split_first() {
        check_frontend(tag, rest);
        check_backend(tag, rest);
        check_backend(tag, rest.get(4..).unwrap_or_default());
        check_frontend(tag, rest.get(4..).unwrap_or_default());
    }
    check_startup(input);
    check_startup(input.get(4..).unwrap_or_default());
}

#[test]
fn mutated_messages_never_panic() {
    let corpus = corpus();
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    for _ in 0..20_000 {
        let seed = &corpus[rng.below(corpus.len())];
        let input = mutate(&mut rng, seed);
        feed(&input);
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = XorShift(0xdead_beef_cafe_f00d);
    for _ in 0..20_000 {
        let len = rng.below(64);
        let input: Vec<u8> = (0..len).map(|_| rng.byte()).collect();
        feed(&input);
    }
}

#[test]
fn every_tag_with_small_bodies_never_panics() {
    let mut rng = XorShift(42);
    for tag in 0..=u8::MAX {
        for _ in 0..64 {
            let len = rng.below(24);
            let body: Vec<u8> = (0..len)
                .map(|_| [0, 0xff, 1, b'S', rng.byte()][rng.below(5)])
                .collect();
            check_frontend(tag, &body);
            check_backend(tag, &body);
        }
    }
}

#[test]
fn concatenated_streams_split_cleanly() {
    // Valid messages glued together then cut at random points must reassemble.
    let corpus: Vec<Vec<u8>> = {
        let mut v = Vec::new();
        for m in backend_samples() {
            let mut b = BytesMut::new();
            m.encode(&mut b).unwrap();
            v.push(b.to_vec());
        }
        v
    };
    let stream: Vec<u8> = corpus.concat();
    let mut rng = XorShift(7);
    for _ in 0..200 {
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        let mut pos = 0;
        while pos < stream.len() {
            let n = 1 + rng.below(40);
            let end = (pos + n).min(stream.len());
            buf.extend_from_slice(&stream[pos..end]);
            pos = end;
            while let Some(f) = split_frame(&mut buf, MAX).unwrap() {
                got.push(f.as_bytes().to_vec());
            }
        }
        assert!(buf.is_empty());
        assert_eq!(got, corpus);
    }
}
