//! Error statuses print exactly as python-glanceclient 4.13 prints them
//! against the same server (checked by running it).

use crate::common::{Mode, Server, object};
use glance_client::ClientError;
use serde_json::json;

#[tokio::test]
async fn http_errors_read_like_glanceclient() {
    let server = Server::start(Mode::NoAuth).await;
    let client = server.anonymous().await;

    let missing = "00000000-0000-0000-0000-000000000000";
    let err = client.get_image(missing).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("HTTP 404 Not Found: No image found with ID {missing}")
    );
    match &err {
        ClientError::Http {
            status,
            reason,
            request_id,
            ..
        } => {
            assert_eq!((*status, reason.as_str()), (404, "Not Found"));
            assert!(request_id.as_deref().is_some_and(|r| r.starts_with("req-")));
        }
        other => panic!("{other:?}"),
    }

    let image = client
        .create_image(&object(json!({
            "name": "e", "disk_format": "raw", "container_format": "bare", "protected": true})))
        .await
        .unwrap();
    let id = image["id"].as_str().unwrap();
    client
        .upload_image(id, reqwest::Body::from(b"abc".to_vec()), Some(3), None)
        .await
        .unwrap();
    let err = client
        .upload_image(id, reqwest::Body::from(b"abc".to_vec()), Some(3), None)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "HTTP 409 Conflict: Image status transition from active to saving is not allowed"
    );

    let err = client.delete_image(id).await.unwrap_err();
    assert_eq!(err.status(), Some(403));
    assert_eq!(
        err.to_string(),
        format!("HTTP 403 Forbidden: Image {id} is protected and cannot be deleted.")
    );

    let err = client
        .update_image(
            id,
            &[json!({"op": "replace", "path": "/visibility", "value": "bogus"})],
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "HTTP 400 Bad Request: Provided object does not match schema 'image': \"bogus\" is not \
         one of ['community', 'public', 'private', 'shared']"
    );

    let err = client
        .request_json(reqwest::Method::GET, "/v2/nothing/here", None)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "HTTP 404 Not Found: The resource could not be found."
    );
}
