//! The `baseline` binary: it serves on the address it is given, keeps connections alive, closes
//! one whose request says `Connection: close` after answering it, and stops on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use multitenant_test_support::TestDatabase;

/// The binary, killed if the test fails before it stops.
struct Baseline(Child);

impl Drop for Baseline {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Reads one response (head and `Content-Length` body): the head lowercased, and the body.
fn response(reader: &mut BufReader<TcpStream>) -> (String, String) {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line == "\r\n" || line.is_empty() {
            break;
        }
        head.push_str(&line.to_ascii_lowercase());
    }
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map(|v| v.trim().parse().unwrap())
        .unwrap_or_else(|| panic!("no content-length: {head}"));
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    (head, String::from_utf8(body).unwrap())
}

fn connect(addr: &str, within: Duration) -> TcpStream {
    let start = Instant::now();
    loop {
        match TcpStream::connect(addr) {
            Ok(stream) => return stream,
            Err(e) if start.elapsed() > within => panic!("cannot connect to {addr}: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_keeps_alive_closes_when_asked_and_stops_on_sigterm() {
    let database = TestDatabase::create("mt_baseline_bin").await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_baseline"))
        .args(["--listen", &addr, "--max-connections", "2"])
        .env("DATABASE_URL", &database.url)
        .spawn()
        .unwrap();
    let mut baseline = Baseline(child);

    let stream = connect(&addr, Duration::from_secs(20));
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    // Two requests on one connection: it is kept alive.
    for _ in 0..2 {
        writer
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: baseline\r\n\r\n")
            .unwrap();
        let (head, body) = response(&mut reader);
        assert!(head.starts_with("http/1.1 200"), "{head}");
        assert!(!head.contains("connection: close"), "{head}");
        assert_eq!(body, r#"{"status":"ok"}"#);
    }
    // A third asks to close: answered, then the server closes the connection.
    writer
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: baseline\r\nConnection: close\r\n\r\n")
        .unwrap();
    let (head, body) = response(&mut reader);
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("connection: close"), "{head}");
    assert_eq!(body, r#"{"status":"ok"}"#);
    let mut rest = Vec::new();
    assert_eq!(reader.read_to_end(&mut rest).unwrap(), 0, "{rest:?}");

    // SIGTERM stops it, with success.
    let pid = baseline.0.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = baseline.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "still running after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
}
