//! HTTP plumbing the tests repeat: serving a router on loopback, and (with
//! feature `client`) reading a JSON answer.

/// Serves `app` on a fresh loopback port, in a task of the current
/// runtime; returns its base URL, `http://127.0.0.1:<port>`.
pub async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let base = format!("http://{}", listener.local_addr().expect("its address"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serving") });
    base
}

/// Sends `request` and parses the answer's body as JSON, whatever its
/// status; panics if it cannot be sent or is not JSON.
#[cfg(feature = "client")]
pub async fn json(request: reqwest::RequestBuilder) -> serde_json::Value {
    let response = request.send().await.expect("the request is answered");
    let status = response.status();
    match response.json().await {
        Ok(value) => value,
        Err(e) => panic!("the answer ({status}) is not JSON: {e}"),
    }
}
