//! Samples of every message, shared by the round-trip and fuzz tests.
#![allow(dead_code)]

use bytes::{Bytes, BytesMut};
use pgwire::backend::*;
use pgwire::frontend::*;
use pgwire::{
    split_frame, split_startup_frame, BackendMessage, Format, FrontendMessage, SecretKey, SqlState,
    StartupPacket,
};

pub const MAX: usize = 1 << 20;

/// One of every tagged frontend message (the `p` family through `AuthData`).
pub fn frontend_samples() -> Vec<FrontendMessage> {
    let mut auth = Vec::new();
    for m in auth_samples() {
        let mut buf = BytesMut::new();
        m.encode(&mut buf).unwrap();
        auth.push(FrontendMessage::AuthData(Bytes::copy_from_slice(&buf[5..])));
    }
    let mut v = vec![
        FrontendMessage::Query(Query::new("SELECT 1; SELECT 'é'")),
        FrontendMessage::Query(Query::new("")),
        FrontendMessage::Parse(Parse {
            name: "s1".into(),
            query: "SELECT $1::int + $2".into(),
            param_types: vec![23, 0, u32::MAX],
        }),
        FrontendMessage::Parse(Parse::default()),
        FrontendMessage::Bind(Bind {
            portal: "p".into(),
            statement: "s1".into(),
            param_formats: vec![Format::Binary, Format::Text],
            params: vec![
                Some(Bytes::from_static(&[0, 0, 0, 7])),
                None,
                Some(Bytes::new()),
            ],
            result_formats: vec![Format::Binary],
        }),
        FrontendMessage::Bind(Bind::default()),
        FrontendMessage::Describe(Describe {
            target: Target::Statement,
            name: "s1".into(),
        }),
        FrontendMessage::Describe(Describe {
            target: Target::Portal,
            name: String::new(),
        }),
        FrontendMessage::Execute(Execute {
            portal: "p".into(),
            max_rows: 100,
        }),
        FrontendMessage::Close(Close {
            target: Target::Portal,
            name: "p".into(),
        }),
        FrontendMessage::Close(Close {
            target: Target::Statement,
            name: "s1".into(),
        }),
        FrontendMessage::Sync,
        FrontendMessage::Flush,
        FrontendMessage::Terminate,
        FrontendMessage::CopyData(CopyData {
            data: Bytes::from_static(b"1\tone\n2\ttwo\n"),
        }),
        FrontendMessage::CopyDone,
        FrontendMessage::CopyFail(CopyFail {
            message: "client gave up".into(),
        }),
        FrontendMessage::FunctionCall(Bytes::from_static(&[0, 0, 4, 0, 0, 0, 0, 0, 0, 0])),
    ];
    v.extend(auth);
    v
}

/// One of each `p` message, with the stage that decodes it.
pub fn auth_samples() -> Vec<AuthMessage> {
    vec![
        AuthMessage::Password(PasswordMessage {
            password: "md5a3556571e93b0d20722ba62be61e8c2d".into(),
        }),
        AuthMessage::SaslInitial(SaslInitialResponse {
            mechanism: "SCRAM-SHA-256".into(),
            data: Some(Bytes::from_static(b"n,,n=,r=rOprNGfwEbeRWgbNEkqO")),
        }),
        AuthMessage::SaslInitial(SaslInitialResponse {
            mechanism: "SCRAM-SHA-256".into(),
            data: None,
        }),
        AuthMessage::Sasl(SaslResponse {
            data: Bytes::from_static(
                b"c=biws,r=rOprNGfwEbeRWgbNEkqO,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
            ),
        }),
    ]
}

pub fn stage_of(m: &AuthMessage) -> AuthStage {
    match m {
        AuthMessage::Password(_) => AuthStage::Password,
        AuthMessage::SaslInitial(_) => AuthStage::SaslInitial,
        AuthMessage::Sasl(_) => AuthStage::SaslContinue,
    }
}

pub fn startup_samples() -> Vec<StartupPacket> {
    vec![
        StartupPacket::Startup(StartupMessage::new([
            ("user", "alice"),
            ("database", "shop"),
            ("application_name", "psql"),
            ("options", "-c search_path=public"),
        ])),
        StartupPacket::Startup(StartupMessage {
            version: ProtocolVersion::V3_2,
            parameters: vec![
                ("user".into(), "bob".into()),
                ("_pq_.x".into(), String::new()),
            ],
        }),
        StartupPacket::SslRequest,
        StartupPacket::GssEncRequest,
        StartupPacket::Cancel(CancelRequest {
            process_id: 4242,
            secret_key: SecretKey::from_i32(-559_038_737),
        }),
        StartupPacket::Cancel(CancelRequest {
            process_id: 1,
            secret_key: SecretKey::new(&[7; 32]).unwrap(),
        }),
    ]
}

/// One of every backend message.
pub fn backend_samples() -> Vec<BackendMessage> {
    use BackendMessage as M;
    vec![
        M::Authentication(Authentication::Ok),
        M::Authentication(Authentication::KerberosV5),
        M::Authentication(Authentication::CleartextPassword),
        M::Authentication(Authentication::Md5Password {
            salt: [0xde, 0xad, 0xbe, 0xef],
        }),
        M::Authentication(Authentication::Gss),
        M::Authentication(Authentication::GssContinue {
            data: Bytes::from_static(b"token"),
        }),
        M::Authentication(Authentication::Sspi),
        M::Authentication(Authentication::Sasl {
            mechanisms: vec!["SCRAM-SHA-256-PLUS".into(), "SCRAM-SHA-256".into()],
        }),
        M::Authentication(Authentication::SaslContinue {
            data: Bytes::from_static(b"r=abc,s=c2FsdA==,i=4096"),
        }),
        M::Authentication(Authentication::SaslFinal {
            data: Bytes::from_static(b"v=signature"),
        }),
        M::ParameterStatus(ParameterStatus::new("server_version", "17.2")),
        M::BackendKeyData(BackendKeyData {
            process_id: 31337,
            secret_key: SecretKey::from_i32(123_456_789),
        }),
        M::BackendKeyData(BackendKeyData {
            process_id: 2,
            secret_key: SecretKey::new(&[1; 256]).unwrap(),
        }),
        M::ReadyForQuery(ReadyForQuery {
            status: TransactionStatus::Idle,
        }),
        M::ReadyForQuery(ReadyForQuery {
            status: TransactionStatus::InTransaction,
        }),
        M::ReadyForQuery(ReadyForQuery {
            status: TransactionStatus::Failed,
        }),
        M::RowDescription(RowDescription {
            fields: vec![
                FieldDescription {
                    name: "id".into(),
                    table_oid: 16384,
                    column_id: 1,
                    type_oid: 23,
                    type_size: 4,
                    type_modifier: -1,
                    format: Format::Text,
                },
                FieldDescription {
                    name: "payload".into(),
                    table_oid: 0,
                    column_id: 0,
                    type_oid: 17,
                    type_size: -1,
                    type_modifier: -1,
                    format: Format::Binary,
                },
            ],
        }),
        M::RowDescription(RowDescription::default()),
        M::DataRow(DataRow {
            values: vec![Some(Bytes::from_static(b"42")), None, Some(Bytes::new())],
        }),
        M::DataRow(DataRow::default()),
        M::CommandComplete(CommandComplete::new("INSERT 0 1")),
        M::EmptyQueryResponse,
        M::ErrorResponse(
            ErrorResponse::fatal(SqlState::TOO_MANY_CONNECTIONS, "sorry, too many clients")
                .with_detail("pool \"shop\" is full")
                .with_hint("retry later"),
        ),
        M::NoticeResponse(NoticeResponse::new(
            Severity::Notice,
            SqlState::SUCCESSFUL_COMPLETION,
            "table \"t\" does not exist, skipping",
        )),
        M::ParseComplete,
        M::BindComplete,
        M::CloseComplete,
        M::NoData,
        M::ParameterDescription(ParameterDescription {
            types: vec![23, 25, 3802],
        }),
        M::PortalSuspended,
        M::CopyInResponse(CopyInResponse {
            format: Format::Text,
            column_formats: vec![Format::Text, Format::Text],
        }),
        M::CopyOutResponse(CopyOutResponse {
            format: Format::Binary,
            column_formats: vec![Format::Binary],
        }),
        M::CopyBothResponse(CopyBothResponse::default()),
        M::CopyData(CopyData {
            data: Bytes::from_static(&[0, 1, 2, 255]),
        }),
        M::CopyDone,
        M::NotificationResponse(NotificationResponse {
            process_id: 99,
            channel: "jobs".into(),
            payload: "{\"id\": 1}".into(),
        }),
        M::NegotiateProtocolVersion(NegotiateProtocolVersion {
            newest_minor: 0,
            unrecognized_options: vec!["_pq_.compression".into()],
        }),
        M::FunctionCallResponse(Bytes::from_static(&[0, 0, 0, 1, b'1'])),
    ]
}

/// Encodes, frames and decodes a frontend message; asserts nothing is left over.
pub fn frontend_roundtrip(m: &FrontendMessage) -> FrontendMessage {
    let mut buf = BytesMut::new();
    m.encode(&mut buf).unwrap();
    let frame = split_frame(&mut buf, MAX).unwrap().unwrap();
    assert!(buf.is_empty());
    assert_eq!(frame.tag(), m.tag());
    frame.decode_frontend().unwrap()
}

pub fn backend_roundtrip(m: &BackendMessage) -> BackendMessage {
    let mut buf = BytesMut::new();
    m.encode(&mut buf).unwrap();
    let frame = split_frame(&mut buf, MAX).unwrap().unwrap();
    assert!(buf.is_empty());
    assert_eq!(frame.tag(), m.tag());
    frame.decode_backend().unwrap()
}

pub fn startup_roundtrip(m: &StartupPacket) -> StartupPacket {
    let mut buf = BytesMut::new();
    m.encode(&mut buf).unwrap();
    let frame = split_startup_frame(&mut buf, pgwire::MAX_STARTUP_PACKET_LEN)
        .unwrap()
        .unwrap();
    assert!(buf.is_empty());
    frame.decode().unwrap()
}
