//! Sharing an image between two projects of the built-in identity.

use crate::common::{Mode, Server, object, password_auth};
use glance_client::{Auth, Client, Config};
use serde_json::json;

#[tokio::test]
async fn members_are_created_accepted_and_removed() {
    let server = Server::start(Mode::Builtin).await;
    let demo_project = server.add_project_user("demo", "s3cret");
    let admin = server.admin().await;
    let demo = Client::connect(Config::new(Auth::Password(password_auth(
        &server.auth_url(),
        "demo",
        "s3cret",
        "demo",
    ))))
    .await
    .unwrap();

    let image = admin
        .create_image(&object(json!({"name": "shared", "visibility": "shared"})))
        .await
        .unwrap();
    let id = image["id"].as_str().unwrap();
    assert!(demo.get_image(id).await.unwrap_err().is_not_found());

    let member = admin.create_member(id, &demo_project).await.unwrap();
    assert_eq!(member["member_id"], demo_project.as_str());
    assert_eq!(member["image_id"], id);
    assert_eq!(member["status"], "pending");
    let members = admin.list_members(id).await.unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(
        admin.get_member(id, &demo_project).await.unwrap()["status"],
        "pending"
    );

    // The consumer sees the image once it accepts it.
    assert!(demo.list_images(&[], None, None).await.unwrap().is_empty());
    let accepted = demo
        .update_member(id, &demo_project, "accepted")
        .await
        .unwrap();
    assert_eq!(accepted["status"], "accepted");
    let listed = demo.list_images(&[], None, None).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], id);
    // Only the owner may add members.
    assert_eq!(
        demo.create_member(id, "someone")
            .await
            .unwrap_err()
            .status(),
        Some(403)
    );

    admin.delete_member(id, &demo_project).await.unwrap();
    assert!(admin.list_members(id).await.unwrap().is_empty());
    assert!(demo.get_image(id).await.unwrap_err().is_not_found());
}
