//! Removing test databases from the MongoDB-protocol test server.

use crate::cleanup::OnDrop;

/// A guard that drops database `name` on the server at `uri` when dropped,
/// also when the test fails.
pub fn drop_on_drop(uri: &str, name: &str) -> OnDrop {
    let (uri, name) = (uri.to_owned(), name.to_owned());
    OnDrop::new(move || async move {
        let client = mongodb::Client::with_uri_str(&uri)
            .await
            .unwrap_or_else(|e| panic!("MongoDB at {uri}: {e}"));
        if let Err(e) = client.database(&name).drop().await {
            panic!("could not drop test database {name}: {e}");
        }
    })
}
