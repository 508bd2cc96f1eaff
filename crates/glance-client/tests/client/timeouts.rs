//! `Config::timeout` bounds waiting for a response and for each piece of
//! a download, against servers that stall.

use std::time::Duration;

use futures::StreamExt;
use glance_client::{Client, ClientError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::token_config;

/// A server that reads each request, writes `reply` (maybe nothing) and
/// then stalls with the connection open.
async fn stalling(reply: &'static [u8]) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let _ = socket.write_all(reply).await;
                tokio::time::sleep(Duration::from_secs(30)).await;
            });
        }
    });
    base
}

async fn client(base: &str) -> Client {
    let mut config = token_config("t", base);
    config.timeout = Some(Duration::from_millis(300));
    Client::connect(config).await.unwrap()
}

#[tokio::test]
async fn a_silent_server_times_out() {
    let base = stalling(b"").await;
    let err = client(&base).await.get_image("x").await.unwrap_err();
    assert!(matches!(err, ClientError::Connection(_)), "{err:?}");
    assert!(
        err.to_string()
            .starts_with(&format!("Error communicating with {base}/v2/images/x: ")),
        "{err}"
    );
}

#[tokio::test]
async fn a_stalled_download_times_out_between_pieces() {
    let base = stalling(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: 10\r\n\r\nabc",
    )
    .await;
    let mut download = client(&base)
        .await
        .download_image("x", &[])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(download.size, Some(10));
    let first = download.stream.next().await.unwrap().unwrap();
    assert_eq!(&first[..], b"abc");
    let err = download.stream.next().await.unwrap().unwrap_err();
    assert!(
        err.to_string().starts_with("Error communicating with ")
            && err.to_string().contains("timed out"),
        "{err}"
    );
    assert!(download.stream.next().await.is_none());
}
