//! The target of an image rule, as upstream's `ImageTarget`.

use super::Target;
use crate::RequestContext;
use glance_types::{Image, Visibility};

impl Target {
    /// The target for a rule about `image` checked for `ctx`: the image's
    /// extra properties, then its core fields (`id`/`image_id`, `name`,
    /// `status`, `visibility`, `owner`, `protected`, ...), with `project_id`
    /// = the owner. As upstream, `member_id` is the caller's project when the
    /// image is shared and the caller is not its owner (it could only have
    /// found the image as a member). Absent values are left out, so checks
    /// on them fail.
    pub fn for_image(ctx: &RequestContext, image: &Image) -> Self {
        let mut target = Self::new();
        for (key, value) in &image.properties {
            target.insert(key.as_str(), value.as_str());
        }
        let python_bool = |b: bool| if b { "True" } else { "False" };
        target.insert("id", image.id.as_str());
        target.insert("image_id", image.id.as_str());
        target.insert("status", image.status.as_str());
        target.insert("visibility", image.visibility.as_str());
        target.insert("protected", python_bool(image.protected));
        target.insert("os_hidden", python_bool(image.os_hidden));
        target.insert("min_ram", image.min_ram.to_string());
        target.insert("min_disk", image.min_disk.to_string());
        let optional = [
            ("name", image.name.clone()),
            ("owner", image.owner.clone()),
            ("project_id", image.owner.clone()),
            ("checksum", image.checksum.clone()),
            ("os_hash_algo", image.os_hash_algo.clone()),
            ("os_hash_value", image.os_hash_value.clone()),
            ("container_format", image.container_format.clone()),
            ("disk_format", image.disk_format.clone()),
            ("size", image.size.map(|s| s.to_string())),
            ("virtual_size", image.virtual_size.map(|s| s.to_string())),
        ];
        for (key, value) in optional {
            match value {
                Some(value) => target.insert(key, value),
                None => target.remove(key),
            }
        }
        match (&ctx.project_id, image.visibility) {
            (Some(project), Visibility::Shared) if image.owner.as_ref() != Some(project) => {
                target.insert("member_id", project.as_str());
            }
            _ => target.remove("member_id"),
        }
        target
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(project: &str) -> RequestContext {
        RequestContext {
            request_id: "r".into(),
            user_id: None,
            project_id: Some(project.into()),
            roles: vec!["reader".into()],
            is_admin: false,
            service_roles: Vec::new(),
        }
    }

    #[test]
    fn maps_owner_and_membership() {
        let mut image = Image::new("i1".into(), Some("p1".into()), glance_types::now());
        image.properties.insert("owner".into(), "spoofed".into());
        image.properties.insert("os_distro".into(), "debian".into());
        let t = Target::for_image(&ctx("p2"), &image);
        assert_eq!(t.get("project_id"), Some("p1"));
        assert_eq!(t.get("owner"), Some("p1"));
        assert_eq!(t.get("id"), Some("i1"));
        assert_eq!(t.get("visibility"), Some("shared"));
        assert_eq!(t.get("protected"), Some("False"));
        assert_eq!(t.get("os_distro"), Some("debian"));
        assert_eq!(t.get("member_id"), Some("p2"));
        assert_eq!(t.get("size"), None);
        assert_eq!(Target::for_image(&ctx("p1"), &image).get("member_id"), None);
        image.visibility = Visibility::Private;
        assert_eq!(Target::for_image(&ctx("p2"), &image).get("member_id"), None);
    }
}
