//! 10,000 connections opened at once against the router binary: half log in and run
//! a query, half send nothing or garbage. The router keeps serving a client that was
//! there before, answers every connection with an ErrorResponse or a close, and does
//! not panic.

use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::*;

const CONNECTIONS: usize = 10_000;
/// Descriptors this test process needs besides the clients' sockets.
const SPARE_FILES: u64 = 1_000;
/// How long the whole storm may take.
const STORM_LIMIT: Duration = Duration::from_secs(120);

/// Raises this process's soft open-files limit to its hard limit (the router binary
/// inherits it and raises its own); returns the soft limit now.
fn raise_open_files() -> u64 {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let limit = getrlimit(Resource::Nofile);
    let hard = limit.maximum.unwrap_or(1 << 20);
    if limit.current.is_some_and(|c| c < hard) {
        let _ = setrlimit(
            Resource::Nofile,
            Rlimit {
                current: Some(hard),
                maximum: limit.maximum,
            },
        );
    }
    getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX)
}

/// What one connection of the storm ended with.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// Logged in and ran its query.
    Served,
    /// Got an ErrorResponse, then the router closed the connection.
    Refused,
    /// Closed by the router without a word.
    Closed,
    /// Anything else (a failure of the test).
    Wrong(String),
}

/// A client that sends `sent` (maybe nothing) and reads until the router closes.
async fn misbehave(port: u16, sent: &'static [u8]) -> Outcome {
    let mut s = match TcpStream::connect(("127.0.0.1", port)).await {
        Ok(s) => s,
        Err(e) => return Outcome::Wrong(format!("connect: {e}")),
    };
    if !sent.is_empty() && s.write_all(sent).await.is_err() {
        return Outcome::Closed;
    }
    let mut reply = Vec::new();
    match tokio::time::timeout(STORM_LIMIT, s.read_to_end(&mut reply)).await {
        Err(_) => Outcome::Wrong("router neither answered nor closed".to_owned()),
        // A reset after the router closed with unread input pending counts as a close.
        Ok(Err(_)) if reply.is_empty() => Outcome::Closed,
        Ok(_) if reply.is_empty() => Outcome::Closed,
        Ok(_) if reply[0] == b'E' => Outcome::Refused,
        Ok(_) => Outcome::Wrong(format!(
            "unexpected reply {:?}",
            &reply[..reply.len().min(16)]
        )),
    }
}

async fn behave(port: u16) -> Outcome {
    let conn_str = format!(
        "host=127.0.0.1 port={port} user={MD5_USER} password={MD5_PASS} dbname=app \
         connect_timeout=100"
    );
    let client = match tokio_postgres::connect(&conn_str, tokio_postgres::NoTls).await {
        Ok((client, connection)) => {
            tokio::spawn(async move {
                let _ = connection.await;
            });
            client
        }
        Err(e) => return Outcome::Wrong(format!("login: {}", message(&e))),
    };
    match client.simple_query("SELECT 1").await {
        Ok(_) => Outcome::Served,
        Err(e) => Outcome::Wrong(format!("query: {}", message(&e))),
    }
}

/// Garbage a client may send instead of a startup packet.
const GARBAGE: [&[u8]; 3] = [
    // An HTTP request: its first four bytes read as a 1.2 GB length.
    b"GET / HTTP/1.1\r\nHost: router\r\n\r\n",
    // A well-formed packet with an unknown protocol code.
    &[0, 0, 0, 8, 0x12, 0x34, 0x56, 0x78],
    // Half a StartupMessage, then silence.
    &[0, 0, 0, 40, 0, 3, 0, 0, b'u', b's', b'e', b'r', 0],
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_connections_at_once() {
    require_postgres!();
    let files = raise_open_files();
    if files < CONNECTIONS as u64 + SPARE_FILES {
        eprintln!(
            "skipped: 10,000 connections need an open files limit of at least {}; the hard \
             limit here allows {files} (ulimit -Hn)",
            CONNECTIONS as u64 + SPARE_FILES
        );
        return;
    }
    // The router binary, so that its descriptors and this process's are counted apart.
    let port = free_port();
    let opts = RouterOpts {
        pool_size: 10,
        // The startup deadline: what silent clients wait for their error, and what
        // a login in the storm may take (a debug build on two cores takes over 3 s
        // for some).
        connect_timeout: 10_000,
        query_wait_timeout: STORM_LIMIT.as_millis() as u64,
        ..RouterOpts::default()
    };
    let text = config_text(&opts).replace("port = 0", &format!("port = {port}"));
    let dir = std::env::temp_dir();
    let config = dir.join(format!("pgml-router-bin-{}-storm.toml", std::process::id()));
    std::fs::write(&config, text).unwrap();
    let log_path = dir.join(format!("pgml-router-bin-{}-storm.log", std::process::id()));
    let log = std::fs::File::create(&log_path).unwrap();
    let mut router = tokio::process::Command::new(env!("CARGO_BIN_EXE_pgml-router"))
        .arg(&config)
        .args(["--log-level", "info"])
        .stdout(Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut up = false;
    for _ in 0..100 {
        if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "router binary did not start");

    // A client logged in before the storm, on its own pool, queries throughout.
    let steady = connect(port, SCRAM_USER, SCRAM_PASS, "app").await.unwrap();
    steady.simple_query("SELECT 1").await.unwrap();
    let (done_tx, mut done_rx) = tokio::sync::watch::channel(false);
    let watcher = tokio::spawn(async move {
        let mut slowest = Duration::ZERO;
        let mut queries = 0u32;
        while !*done_rx.borrow_and_update() {
            let started = Instant::now();
            steady.simple_query("SELECT 1").await.unwrap();
            slowest = slowest.max(started.elapsed());
            queries += 1;
            let _ = tokio::time::timeout(Duration::from_millis(50), done_rx.changed()).await;
        }
        (queries, slowest)
    });

    let started = Instant::now();
    let mut storm = tokio::task::JoinSet::new();
    for i in 0..CONNECTIONS {
        match i % 4 {
            0 | 1 => storm.spawn(behave(port)),
            2 => storm.spawn(misbehave(port, b"")),
            _ => storm.spawn(misbehave(port, GARBAGE[(i / 4) % GARBAGE.len()])),
        };
    }
    let (mut served, mut refused, mut closed, mut wrong) = (0, 0, 0, Vec::new());
    let collect = async {
        while let Some(outcome) = storm.join_next().await {
            match outcome.unwrap() {
                Outcome::Served => served += 1,
                Outcome::Refused => refused += 1,
                Outcome::Closed => closed += 1,
                Outcome::Wrong(why) => wrong.push(why),
            }
        }
    };
    tokio::time::timeout(STORM_LIMIT, collect)
        .await
        .expect("the storm did not end in time");
    let took = started.elapsed();
    let _ = done_tx.send(true);
    let (queries, slowest) = watcher.await.unwrap();
    eprintln!(
        "{CONNECTIONS} connections in {took:?}: {served} served, {refused} refused, \
         {closed} closed; steady client ran {queries} queries, slowest {slowest:?}"
    );
    wrong.truncate(10);
    assert!(wrong.is_empty(), "{wrong:?}");
    assert_eq!(served, CONNECTIONS / 2);
    assert_eq!(refused + closed, CONNECTIONS / 2);
    assert!(queries > 0);
    assert!(
        slowest < Duration::from_secs(10),
        "steady client waited {slowest:?}"
    );

    // Still serving new clients, still running, and never panicked.
    let after = app_client(port).await;
    let rows = after.simple_query("SELECT 1").await.unwrap();
    assert_eq!(crate::first_value(&rows).as_deref(), Some("1"));
    assert!(router.try_wait().unwrap().is_none(), "router exited");
    let _ = router.start_kill();
    let _ = router.wait().await;
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(!log.contains("panicked"), "router panicked:\n{log}");
    assert!(log.contains("open files limit"), "{log}");
}

/// CPU time (user + system, clock ticks) a process has used so far.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the parenthesised command name; utime and stime are 14th and 15th.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

#[tokio::test]
async fn out_of_descriptors_the_router_logs_waits_and_recovers() {
    require_postgres!();
    if !std::path::Path::new("/proc/self/stat").exists() {
        eprintln!("skipped: needs /proc to read the router's CPU time");
        return;
    }
    let port = free_port();
    let text = config_text(&RouterOpts::default()).replace("port = 0", &format!("port = {port}"));
    let dir = std::env::temp_dir();
    let config = dir.join(format!(
        "pgml-router-bin-{}-emfile.toml",
        std::process::id()
    ));
    std::fs::write(&config, text).unwrap();
    let log_path = dir.join(format!("pgml-router-bin-{}-emfile.log", std::process::id()));
    let log = std::fs::File::create(&log_path).unwrap();
    // A hard limit of 64 descriptors: a few dozen clients exhaust it.
    let mut router = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -n 64 && exec {} {}",
            env!("CARGO_BIN_EXE_pgml-router"),
            config.display()
        ))
        .stdout(Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut up = false;
    for _ in 0..100 {
        if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "router binary did not start");
    let pid = router.id().unwrap();

    // 100 silent clients: the kernel queues those the router cannot accept.
    let mut silent = Vec::new();
    for _ in 0..100 {
        silent.push(TcpStream::connect(("127.0.0.1", port)).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = cpu_ticks(pid);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let spent = cpu_ticks(pid) - before;
    // Spinning on accept would use the whole second (100 ticks).
    assert!(
        spent < 30,
        "router used {spent} ticks of CPU in 1 s while out of descriptors"
    );
    let text = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        text.contains("cannot accept clients") && text.contains("RLIMIT_NOFILE"),
        "{text}"
    );

    // The clients leave: the router serves again.
    drop(silent);
    let client = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Ok(client) = connect(port, MD5_USER, MD5_PASS, "app").await {
                break client;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("router did not recover");
    let rows = client.simple_query("SELECT 1").await.unwrap();
    assert_eq!(crate::first_value(&rows).as_deref(), Some("1"));
    assert!(router.try_wait().unwrap().is_none(), "router exited");
    let _ = router.start_kill();
    let _ = router.wait().await;
}

/// `max_client_conn`: a client beyond it gets FATAL 53300 naming the limit, the admin
/// console still answers (it is exempt, as in PgBouncer), and a place freed by a
/// client that leaves can be taken again.
#[tokio::test]
async fn max_client_conn_refuses_clients_beyond_it() {
    require_postgres!();
    let port = start_router(RouterOpts {
        pool_size: 2,
        general: "max_client_conn = 2".to_owned(),
        ..Default::default()
    })
    .await;
    let first = app_client(port).await;
    let second = app_client(port).await;
    let Err(refused) = connect(port, MD5_USER, MD5_PASS, "app").await else {
        panic!("a third client was let in");
    };
    assert_eq!(sqlstate(&refused), "53300", "{refused}");
    let text = message(&refused);
    assert_eq!(text, "no more connections allowed (max_client_conn)");
    let config = admin_show(port, "CONFIG").await;
    assert!(
        config.iter().any(
            |row| row.contains(&("key".into(), "max_client_conn".into()))
                && row.contains(&("value".into(), "2".into()))
        ),
        "{config:?}"
    );
    second.simple_query("SELECT 1").await.unwrap();

    drop(first);
    let deadline = Instant::now() + Duration::from_secs(10);
    let third = loop {
        match connect(port, MD5_USER, MD5_PASS, "app").await {
            Ok(client) => break client,
            Err(e) if sqlstate(&e) == "53300" && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await
            }
            Err(e) => panic!("the freed place was not given back: {e}"),
        }
    };
    third.simple_query("SELECT 1").await.unwrap();
}
