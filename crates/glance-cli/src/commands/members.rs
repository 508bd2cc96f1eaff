//! member-create, member-list, member-get, member-update (member-delete is
//! a plain call).

use super::Ctx;
use crate::error::CliError;
use crate::render::table;

const COLUMNS: [&str; 3] = ["Image ID", "Member ID", "Status"];

/// `member-list --image-id`.
pub async fn list(ctx: &Ctx, image_id: &str) -> Result<(), CliError> {
    let members = ctx.client.list_members(image_id).await?;
    println!("{}", table::print_list(&members, &COLUMNS));
    Ok(())
}

/// `member-get`: Property/Value.
pub async fn get(ctx: &Ctx, image_id: &str, member_id: &str) -> Result<(), CliError> {
    let member = ctx.client.get_member(image_id, member_id).await?;
    println!("{}", table::print_dict(&member, 80));
    Ok(())
}

/// `member-create`.
pub async fn create(ctx: &Ctx, image_id: &str, member_id: &str) -> Result<(), CliError> {
    let member = ctx.client.create_member(image_id, member_id).await?;
    println!("{}", table::print_list(&[member], &COLUMNS));
    Ok(())
}

/// `member-update`.
pub async fn update(
    ctx: &Ctx,
    image_id: &str,
    member_id: &str,
    status: &str,
) -> Result<(), CliError> {
    let member = ctx
        .client
        .update_member(image_id, member_id, status)
        .await?;
    println!("{}", table::print_list(&[member], &COLUMNS));
    Ok(())
}
