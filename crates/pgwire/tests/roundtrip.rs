//! Encode then decode gives the same value, for every message; and messages decode
//! from hand-written bytes laid out as in the PostgreSQL protocol docs.

// Test helpers outside #[test] fns unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod common;

use bytes::{Bytes, BytesMut};
use common::*;
use pgwire::backend::*;
use pgwire::frontend::*;
use pgwire::{split_frame, split_startup_frame, BackendMessage, FrontendMessage, SqlState};

#[test]
fn every_frontend_message_round_trips() {
    for m in frontend_samples() {
        assert_eq!(frontend_roundtrip(&m), m, "{m:?}");
    }
}

#[test]
fn every_backend_message_round_trips() {
    for m in backend_samples() {
        assert_eq!(backend_roundtrip(&m), m, "{m:?}");
    }
}

#[test]
fn every_startup_packet_round_trips() {
    for m in startup_samples() {
        assert_eq!(startup_roundtrip(&m), m, "{m:?}");
    }
}

#[test]
fn every_auth_message_round_trips_with_its_stage() {
    for m in auth_samples() {
        let mut buf = BytesMut::new();
        m.encode(&mut buf).unwrap();
        let frame = split_frame(&mut buf, MAX).unwrap().unwrap();
        assert_eq!(frame.tag(), AUTH_TAG);
        let FrontendMessage::AuthData(body) = frame.decode_frontend().unwrap() else {
            panic!("p must decode to AuthData");
        };
        assert_eq!(AuthMessage::decode(&body, stage_of(&m)).unwrap(), m);
    }
}

#[test]
fn struct_and_enum_encodings_agree() {
    let mut a = BytesMut::new();
    let mut b = BytesMut::new();
    Sync.encode(&mut a);
    FrontendMessage::Sync.encode(&mut b).unwrap();
    assert_eq!(a, b);
    assert_eq!(&a[..], b"S\0\0\0\x04");

    let mut a = BytesMut::new();
    ReadyForQuery {
        status: TransactionStatus::InTransaction,
    }
    .encode(&mut a);
    assert_eq!(&a[..], b"Z\0\0\0\x05T");

    let mut a = BytesMut::new();
    ParseComplete.encode(&mut a);
    BindComplete.encode(&mut a);
    CopyDone.encode(&mut a);
    assert_eq!(&a[..], b"1\0\0\0\x042\0\0\0\x04c\0\0\0\x04");
}

#[test]
fn many_messages_in_one_buffer_split_in_order() {
    let samples = backend_samples();
    let mut buf = BytesMut::new();
    for m in &samples {
        m.encode(&mut buf).unwrap();
    }
    let mut got = Vec::new();
    while let Some(frame) = split_frame(&mut buf, MAX).unwrap() {
        got.push(frame.decode_backend().unwrap());
    }
    assert!(buf.is_empty());
    assert_eq!(got, samples);
}

/// A StartupMessage as psql sends it: Int32 length, Int32 196608 (3.0), pairs, NUL.
#[test]
fn decodes_a_real_startup_message() {
    let wire: &[u8] = b"\x00\x00\x00\x54\x00\x03\x00\x00\
        user\x00postgres\x00database\x00postgres\x00\
        application_name\x00psql\x00client_encoding\x00UTF8\x00\x00";
    let mut buf = BytesMut::from(wire);
    let frame = split_startup_frame(&mut buf, pgwire::MAX_STARTUP_PACKET_LEN)
        .unwrap()
        .unwrap();
    assert_eq!(frame.as_bytes(), wire);
    let StartupPacket::Startup(m) = frame.decode().unwrap() else {
        panic!("not a StartupMessage");
    };
    assert_eq!(m.version, ProtocolVersion::V3_0);
    assert_eq!(m.version.code(), 196_608);
    assert_eq!(m.user(), Some("postgres"));
    assert_eq!(m.database(), Some("postgres"));
    assert_eq!(m.get("client_encoding"), Some("UTF8"));
    let names: Vec<_> = m.parameters.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        ["user", "database", "application_name", "client_encoding"]
    );
    // And it encodes back byte for byte.
    let mut out = BytesMut::new();
    m.encode(&mut out).unwrap();
    assert_eq!(&out[..], wire);
}

#[test]
fn decodes_real_ssl_gss_and_cancel_requests() {
    let ssl = [0u8, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];
    assert_eq!(
        StartupPacket::decode(&ssl[4..]).unwrap(),
        StartupPacket::SslRequest
    );
    let gss = [0u8, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30];
    assert_eq!(
        StartupPacket::decode(&gss[4..]).unwrap(),
        StartupPacket::GssEncRequest
    );
    let cancel = [
        0u8, 0, 0, 16, 0x04, 0xd2, 0x16, 0x2e, 0, 0, 0x30, 0x39, 1, 2, 3, 4,
    ];
    let StartupPacket::Cancel(c) = StartupPacket::decode(&cancel[4..]).unwrap() else {
        panic!("not a CancelRequest");
    };
    assert_eq!(c.process_id, 12345);
    assert_eq!(c.secret_key.as_i32(), Some(0x0102_0304));
    let mut out = BytesMut::new();
    c.encode(&mut out);
    assert_eq!(&out[..], &cancel[..]);
}

/// An ErrorResponse as PostgreSQL sends it for a missing table.
#[test]
fn decodes_a_real_error_response() {
    let wire: &[u8] = b"E\x00\x00\x00\x67\
        SERROR\x00VERROR\x00C42P01\x00Mrelation \"nope\" does not exist\x00\
        P15\x00Fparse_relation.c\x00L1449\x00RparserOpenTable\x00\x00";
    let mut buf = BytesMut::from(wire);
    let frame = split_frame(&mut buf, MAX).unwrap().unwrap();
    let BackendMessage::ErrorResponse(e) = frame.decode_backend().unwrap() else {
        panic!("not an ErrorResponse");
    };
    assert_eq!(e.severity(), Some(Severity::Error));
    assert_eq!(e.code(), SqlState::new("42P01"));
    assert_eq!(e.message(), Some("relation \"nope\" does not exist"));
    assert_eq!(e.field(field::POSITION), Some("15"));
    assert_eq!(e.field(field::ROUTINE), Some("parserOpenTable"));
    assert_eq!(e.detail(), None);
    assert_eq!(
        e.to_string(),
        "ERROR: relation \"nope\" does not exist (SQLSTATE 42P01)"
    );
    let mut out = BytesMut::new();
    e.encode(&mut out).unwrap();
    assert_eq!(&out[..], wire);
}

#[test]
fn error_builder_makes_the_fields_a_server_would() {
    let e = ErrorResponse::fatal(SqlState::INVALID_PASSWORD, "password authentication failed")
        .with_detail("user \"bob\"")
        .with_hint("check pgml-router.toml")
        .with_hint("replaced");
    let codes: Vec<u8> = e.fields.iter().map(|(c, _)| *c).collect();
    assert_eq!(codes, b"SVCMDH");
    assert_eq!(e.severity(), Some(Severity::Fatal));
    assert_eq!(e.code(), Some(SqlState::INVALID_PASSWORD));
    assert_eq!(e.detail(), Some("user \"bob\""));
    assert_eq!(e.hint(), Some("replaced"));
    let mut out = BytesMut::new();
    e.encode(&mut out).unwrap();
    let expected: &[u8] = b"E\x00\x00\x00\x50\
        SFATAL\x00VFATAL\x00C28P01\x00Mpassword authentication failed\x00\
        Duser \"bob\"\x00Hreplaced\x00\x00";
    assert_eq!(&out[..], expected);
}

#[test]
fn decodes_hand_written_backend_messages() {
    // AuthenticationMD5Password with salt 01 02 03 04.
    let m = BackendMessage::decode(b'R', &[0, 0, 0, 5, 1, 2, 3, 4]).unwrap();
    assert_eq!(
        m,
        BackendMessage::Authentication(Authentication::Md5Password { salt: [1, 2, 3, 4] })
    );
    // AuthenticationSASL: SCRAM-SHA-256, list terminator.
    let m = Authentication::decode(b"\x00\x00\x00\x0aSCRAM-SHA-256\x00\x00").unwrap();
    assert_eq!(
        m,
        Authentication::Sasl {
            mechanisms: vec!["SCRAM-SHA-256".into()]
        }
    );
    // DataRow: 2 columns, "1" and NULL.
    let m = DataRow::decode(b"\x00\x02\x00\x00\x00\x011\xff\xff\xff\xff").unwrap();
    assert_eq!(m.values, vec![Some(Bytes::from_static(b"1")), None]);
    // ParameterStatus.
    let m = ParameterStatus::decode(b"client_encoding\x00UTF8\x00").unwrap();
    assert_eq!(m, ParameterStatus::new("client_encoding", "UTF8"));
}

#[test]
fn decodes_hand_written_bind() {
    // Bind portal "", statement "s", 1 format (binary), 2 params (int4 7, NULL), 0 result formats.
    let body = b"\x00s\x00\x00\x01\x00\x01\x00\x02\x00\x00\x00\x04\x00\x00\x00\x07\xff\xff\xff\xff\x00\x00";
    let b = Bind::decode(body).unwrap();
    assert_eq!(b.portal, "");
    assert_eq!(b.statement, "s");
    assert_eq!(b.param_formats, vec![pgwire::Format::Binary]);
    assert_eq!(
        b.params,
        vec![Some(Bytes::from_static(&[0, 0, 0, 7])), None]
    );
    assert!(b.result_formats.is_empty());
}
