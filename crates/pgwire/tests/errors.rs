//! Every error path: framing (incomplete, length < header, oversized) and decoding
//! (truncated, missing NUL, trailing bytes, negative lengths, impossible counts,
//! unknown codes), plus encoding refusals.

// Test helpers outside #[test] fns unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod common;

use bytes::{Bytes, BytesMut};
use common::*;
use pgwire::backend::*;
use pgwire::frontend::*;
use pgwire::{
    peek_header, peek_startup_len, split_frame, split_startup_frame, BackendMessage, Error,
    FrontendMessage, Header, SecretKey, SqlState,
};

#[test]
fn incomplete_frames_wait_and_leave_the_buffer_alone() {
    let mut full = BytesMut::new();
    Query::new("SELECT 1").encode(&mut full).unwrap();
    for cut in 0..full.len() {
        let mut buf = BytesMut::from(&full[..cut]);
        assert_eq!(split_frame(&mut buf, MAX), Ok(None), "cut at {cut}");
        assert_eq!(&buf[..], &full[..cut]);
    }
    let mut buf = full.clone();
    assert!(split_frame(&mut buf, MAX).unwrap().is_some());

    let mut full = BytesMut::new();
    StartupMessage::new([("user", "u")])
        .encode(&mut full)
        .unwrap();
    for cut in 0..full.len() {
        let mut buf = BytesMut::from(&full[..cut]);
        assert_eq!(
            split_startup_frame(&mut buf, 10_000),
            Ok(None),
            "cut at {cut}"
        );
        assert_eq!(buf.len(), cut);
    }
}

#[test]
fn peek_header_reads_tag_and_length_only() {
    // A 1 MiB CopyData whose body has not arrived yet.
    let buf = [b'd', 0x00, 0x10, 0x00, 0x04];
    let h = peek_header(&buf, 2 << 20).unwrap().unwrap();
    assert_eq!(
        h,
        Header {
            tag: b'd',
            len: (1 << 20) + 4
        }
    );
    assert_eq!(h.body_len(), 1 << 20);
    assert_eq!(h.frame_len(), (1 << 20) + 5);
    assert_eq!(peek_header(&buf[..4], MAX), Ok(None));
    assert_eq!(peek_startup_len(&[0, 0, 0], MAX), Ok(None));
}

#[test]
fn length_below_header_is_refused() {
    for len in [i32::MIN, -1, 0, 3] {
        let mut buf = BytesMut::from(&[b'Q'][..]);
        buf.extend_from_slice(&len.to_be_bytes());
        assert_eq!(
            split_frame(&mut buf, MAX),
            Err(Error::InvalidLength {
                tag: Some(b'Q'),
                len
            })
        );
    }
    // Startup packets must hold at least the length word and the code.
    for len in [-5i32, 0, 4, 7] {
        let mut buf = BytesMut::from(&len.to_be_bytes()[..]);
        buf.extend_from_slice(&[0; 8]);
        assert_eq!(
            split_startup_frame(&mut buf, 10_000),
            Err(Error::InvalidLength { tag: None, len })
        );
    }
    // Length exactly 4 is a valid empty body.
    let mut buf = BytesMut::from(&b"S\0\0\0\x04"[..]);
    let f = split_frame(&mut buf, MAX).unwrap().unwrap();
    assert_eq!(f.body(), b"");
    assert_eq!(f.decode_frontend(), Ok(FrontendMessage::Sync));
}

#[test]
fn oversized_length_is_refused_before_the_body_arrives() {
    let mut buf = BytesMut::from(&b"D\x7f\xff\xff\xff"[..]);
    assert_eq!(
        split_frame(&mut buf, MAX),
        Err(Error::TooLarge {
            tag: Some(b'D'),
            len: i32::MAX as usize,
            max: MAX
        })
    );
    let mut buf = BytesMut::from(&b"\x00\x00\x27\x11"[..]);
    assert_eq!(
        split_startup_frame(&mut buf, pgwire::MAX_STARTUP_PACKET_LEN),
        Err(Error::TooLarge {
            tag: None,
            len: 10_001,
            max: 10_000
        })
    );
    // max_len bounds the length word: 9 is allowed for max 9, not for max 8.
    let mut ok = BytesMut::from(&b"Q\0\0\0\x09abcd\0"[..]);
    assert!(split_frame(&mut ok.clone(), 9).unwrap().is_some());
    assert!(matches!(
        split_frame(&mut ok, 8),
        Err(Error::TooLarge { len: 9, max: 8, .. })
    ));
}

#[test]
fn unknown_startup_version_carries_the_version() {
    // Protocol 2.0.
    assert_eq!(
        StartupPacket::decode(b"\x00\x02\x00\x00user\0u\0\0"),
        Err(Error::UnsupportedProtocolVersion { major: 2, minor: 0 })
    );
    // 1234.5681: an unknown special request.
    assert_eq!(
        StartupPacket::decode(&[0x04, 0xd2, 0x16, 0x31]),
        Err(Error::UnsupportedProtocolVersion {
            major: 1234,
            minor: 5681
        })
    );
    // Any 3.x decodes (the server negotiates the minor down).
    let StartupPacket::Startup(m) = StartupPacket::decode(b"\x00\x03\x00\x07\0").unwrap() else {
        panic!()
    };
    assert_eq!(m.version, ProtocolVersion { major: 3, minor: 7 });
    assert!(m.parameters.is_empty());
}

#[test]
fn startup_body_errors() {
    assert_eq!(
        StartupPacket::decode(&[0, 3]),
        Err(Error::Truncated {
            what: "startup packet"
        })
    );
    // Missing the final terminator.
    assert_eq!(
        StartupPacket::decode(b"\x00\x03\x00\x00user\0u\0"),
        Err(Error::MissingNul {
            what: "StartupMessage"
        })
    );
    // Value without NUL.
    assert_eq!(
        StartupPacket::decode(b"\x00\x03\x00\x00user\0u"),
        Err(Error::MissingNul {
            what: "StartupMessage"
        })
    );
    // Bytes after the terminator.
    assert_eq!(
        StartupPacket::decode(b"\x00\x03\x00\x00user\0u\0\0x"),
        Err(Error::TrailingBytes {
            what: "StartupMessage",
            count: 1
        })
    );
    assert_eq!(
        StartupPacket::decode(b"\x00\x03\x00\x00us\xffer\0u\0\0"),
        Err(Error::InvalidUtf8 {
            what: "StartupMessage"
        })
    );
    // SSLRequest with a trailing byte.
    assert!(matches!(
        StartupPacket::decode(&[0x04, 0xd2, 0x16, 0x2f, 0]),
        Err(Error::TrailingBytes { .. })
    ));
    // CancelRequest: too short a key, too long a key, no pid.
    assert!(matches!(
        StartupPacket::decode(&[0x04, 0xd2, 0x16, 0x2e, 0, 0, 0, 1, 9, 9, 9]),
        Err(Error::InvalidValue { .. })
    ));
    let mut long = vec![0x04, 0xd2, 0x16, 0x2e, 0, 0, 0, 1];
    long.extend_from_slice(&[0; 257]);
    assert!(matches!(
        StartupPacket::decode(&long),
        Err(Error::InvalidValue { .. })
    ));
    assert!(matches!(
        StartupPacket::decode(&[0x04, 0xd2, 0x16, 0x2e, 0, 0]),
        Err(Error::Truncated { .. })
    ));
}

#[test]
fn truncated_bodies_are_typed_errors_for_every_message() {
    // Cutting any byte off the end of a non-empty body must fail (never panic), except
    // for the messages whose last field runs to the end of the body.
    let raw_tail = |m: &BackendMessage| {
        matches!(
            m,
            BackendMessage::CopyData(_)
                | BackendMessage::FunctionCallResponse(_)
                | BackendMessage::Authentication(
                    Authentication::GssContinue { .. }
                        | Authentication::SaslContinue { .. }
                        | Authentication::SaslFinal { .. }
                )
                | BackendMessage::BackendKeyData(_)
        )
    };
    for m in backend_samples() {
        let mut buf = BytesMut::new();
        m.encode(&mut buf).unwrap();
        let body = &buf[5..];
        for cut in 0..body.len() {
            let r = BackendMessage::decode(m.tag(), &body[..cut]);
            if !raw_tail(&m) {
                assert!(r.is_err(), "{m:?} cut at {cut} decoded as {r:?}");
            }
        }
    }
    for m in frontend_samples() {
        let mut buf = BytesMut::new();
        m.encode(&mut buf).unwrap();
        let body = &buf[5..];
        let raw_tail = matches!(
            m,
            FrontendMessage::CopyData(_)
                | FrontendMessage::AuthData(_)
                | FrontendMessage::FunctionCall(_)
        );
        for cut in 0..body.len() {
            let r = FrontendMessage::decode(m.tag(), &body[..cut]);
            if !raw_tail {
                assert!(r.is_err(), "{m:?} cut at {cut} decoded as {r:?}");
            }
        }
    }
}

#[test]
fn missing_nul_and_trailing_bytes() {
    assert_eq!(
        Query::decode(b"SELECT 1"),
        Err(Error::MissingNul { what: "Query" })
    );
    assert_eq!(
        Query::decode(b"SELECT 1\0\0"),
        Err(Error::TrailingBytes {
            what: "Query",
            count: 1
        })
    );
    assert_eq!(
        CommandComplete::decode(b"SELECT 1"),
        Err(Error::MissingNul {
            what: "CommandComplete"
        })
    );
    assert_eq!(
        Sync::decode(b"x"),
        Err(Error::TrailingBytes {
            what: "Sync",
            count: 1
        })
    );
    // ErrorResponse without its final 0.
    assert_eq!(
        ErrorResponse::decode(b"SERROR\0"),
        Err(Error::Truncated {
            what: "ErrorResponse"
        })
    );
    assert_eq!(
        ErrorResponse::decode(b"SERROR"),
        Err(Error::MissingNul {
            what: "ErrorResponse"
        })
    );
    // SASL mechanism list without its terminator.
    assert!(matches!(
        Authentication::decode(b"\0\0\0\x0aSCRAM-SHA-256\0"),
        Err(Error::MissingNul { .. })
    ));
    assert!(matches!(
        Authentication::decode(&[0, 0, 0, 0, 1]),
        Err(Error::TrailingBytes { .. })
    ));
}

#[test]
fn negative_lengths_and_impossible_counts() {
    // DataRow value length -2.
    assert_eq!(
        DataRow::decode(b"\x00\x01\xff\xff\xff\xfe"),
        Err(Error::NegativeLength {
            what: "DataRow",
            len: -2
        })
    );
    // DataRow claims 65535 columns in 4 bytes.
    assert_eq!(
        DataRow::decode(b"\xff\xff\x00\x00\x00\x00"),
        Err(Error::InvalidCount {
            what: "DataRow",
            count: 65535,
            remaining: 4
        })
    );
    // Value length beyond the body.
    assert_eq!(
        DataRow::decode(b"\x00\x01\x00\x00\x00\x09abc"),
        Err(Error::Truncated { what: "DataRow" })
    );
    // Bind param length i32::MIN.
    assert!(matches!(
        Bind::decode(b"\0\0\x00\x00\x00\x01\x80\x00\x00\x00\x00\x00"),
        Err(Error::NegativeLength { len: i32::MIN, .. })
    ));
    // SASLInitialResponse data length -7.
    assert!(matches!(
        SaslInitialResponse::decode(b"SCRAM-SHA-256\0\xff\xff\xff\xf9"),
        Err(Error::NegativeLength { len: -7, .. })
    ));
    // NegotiateProtocolVersion: negative and oversized option counts.
    assert!(matches!(
        NegotiateProtocolVersion::decode(b"\0\0\0\0\xff\xff\xff\xff"),
        Err(Error::InvalidCount { count: -1, .. })
    ));
    assert!(matches!(
        NegotiateProtocolVersion::decode(b"\0\0\0\0\x7f\xff\xff\xff"),
        Err(Error::InvalidCount { .. })
    ));
    // Parse with more parameter types than bytes.
    assert!(matches!(
        Parse::decode(b"\0SELECT 1\0\x00\x03\0\0\0\x17"),
        Err(Error::InvalidCount { count: 3, .. })
    ));
    // RowDescription claiming 2 fields with room for one.
    let mut one = BytesMut::new();
    RowDescription {
        fields: vec![FieldDescription::default()],
    }
    .encode(&mut one)
    .unwrap();
    let mut body = one[5..].to_vec();
    body[1] = 2;
    assert!(matches!(
        RowDescription::decode(&body),
        Err(Error::InvalidCount { count: 2, .. })
    ));
}

#[test]
fn unknown_codes_and_values() {
    assert_eq!(
        FrontendMessage::decode(b'z', b""),
        Err(Error::UnknownTag { tag: b'z' })
    );
    assert_eq!(
        BackendMessage::decode(0, b""),
        Err(Error::UnknownTag { tag: 0 })
    );
    assert_eq!(
        Authentication::decode(&[0, 0, 0, 99]),
        Err(Error::UnknownAuthCode { code: 99 })
    );
    assert!(matches!(
        ReadyForQuery::decode(b"X"),
        Err(Error::InvalidValue { value: 88, .. })
    ));
    assert!(matches!(
        Describe::decode(b"Xname\0"),
        Err(Error::InvalidValue { .. })
    ));
    assert!(matches!(
        Close::decode(b"\0\0"),
        Err(Error::InvalidValue { value: 0, .. })
    ));
    // Format code 2 in a Bind.
    assert!(matches!(
        Bind::decode(b"\0\0\x00\x01\x00\x02\x00\x00\x00\x00"),
        Err(Error::InvalidValue { value: 2, .. })
    ));
    assert!(matches!(
        CopyOutResponse::decode(&[5, 0, 0]),
        Err(Error::InvalidValue { value: 5, .. })
    ));
    assert!(matches!(
        Query::decode(b"\xc3\x28\0"),
        Err(Error::InvalidUtf8 { what: "Query" })
    ));
}

#[test]
fn encoding_refuses_unencodable_content_and_restores_the_buffer() {
    let mut buf = BytesMut::from(&b"keep"[..]);
    assert_eq!(
        Query::new("a\0b").encode(&mut buf),
        Err(Error::InvalidString { what: "Query" })
    );
    assert!(StartupMessage::new([("", "x")]).encode(&mut buf).is_err());
    assert!(StartupMessage::new([("user", "x\0")])
        .encode(&mut buf)
        .is_err());
    assert!(Authentication::Sasl {
        mechanisms: vec![String::new()]
    }
    .encode(&mut buf)
    .is_err());
    assert!(ErrorResponse {
        fields: vec![(0, "x".into())]
    }
    .encode(&mut buf)
    .is_err());
    let too_many = Bind {
        params: vec![None; 65_536],
        ..Bind::default()
    };
    assert_eq!(
        too_many.encode(&mut buf),
        Err(Error::Overflow {
            what: "Bind parameters"
        })
    );
    assert_eq!(&buf[..], b"keep");
    // 65535 parameters is the real maximum, and it works.
    let max = Bind {
        params: vec![Some(Bytes::from_static(b"1")); 65_535],
        ..Bind::default()
    };
    let m = FrontendMessage::Bind(max);
    assert_eq!(frontend_roundtrip(&m), m);
}

#[test]
fn secret_key_bounds() {
    assert!(SecretKey::new(&[0; 3]).is_err());
    assert!(SecretKey::new(&[0; 4]).is_ok());
    assert!(SecretKey::new(&[0; 256]).is_ok());
    assert!(SecretKey::new(&[0; 257]).is_err());
    assert_eq!(SecretKey::new(&[0; 8]).unwrap().as_i32(), None);
    assert_eq!(SecretKey::from_i32(-1).as_i32(), Some(-1));
    assert_eq!(SqlState::ADMIN_SHUTDOWN.as_str(), "57P01");
}
