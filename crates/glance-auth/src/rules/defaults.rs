//! Upstream Glance's default rules (secure RBAC, its only defaults), as
//! registered by `glance/policies/{base,image,tasks,metadef,cache,discovery}.py`.
//!
//! Upstream registers only `default`, `context_is_admin`, `service_api`,
//! `metadef_default` and `metadef_admin` as named helper rules; its personas
//! (project member, project reader, ...) are check-string fragments spelled
//! out inside each rule, as below.

const ADMIN: &str = "rule:context_is_admin";
const SERVICE: &str = "rule:service_api";
const ADMIN_OR_SERVICE: &str = "rule:context_is_admin or rule:service_api";
const ADMIN_OR_PROJECT_MEMBER: &str =
    "rule:context_is_admin or (role:member and project_id:%(project_id)s)";
const ADMIN_OR_PROJECT_READER: &str =
    "rule:context_is_admin or (role:reader and project_id:%(project_id)s)";
const ADMIN_OR_PROJECT_MEMBER_CREATE_IMAGE: &str = "rule:context_is_admin or \
     (role:member and project_id:%(project_id)s and project_id:%(owner)s)";
const ADMIN_OR_PROJECT_READER_GET_IMAGE: &str = "rule:context_is_admin or \
     (role:reader and (project_id:%(project_id)s or project_id:%(member_id)s \
     or 'community':%(visibility)s or 'public':%(visibility)s \
     or 'shared':%(visibility)s))";
const ADMIN_OR_PROJECT_MEMBER_DOWNLOAD_IMAGE: &str = "rule:context_is_admin or \
     (role:member and (project_id:%(project_id)s or project_id:%(member_id)s \
     or 'community':%(visibility)s or 'public':%(visibility)s \
     or 'shared':%(visibility)s))";
const ADMIN_OR_PROJECT_READER_OR_SHARED_MEMBER: &str = "rule:context_is_admin or \
     role:reader and (project_id:%(project_id)s or project_id:%(member_id)s)";
const ADMIN_OR_SHARED_MEMBER: &str =
    "rule:context_is_admin or (role:member and project_id:%(member_id)s)";
const SERVICE_OR_PROJECT_MEMBER: &str = "rule:service_api or \
     (role:member and project_id:%(project_id)s and project_id:%(owner)s)";
const ADMIN_OR_PROJECT_READER_GET_NAMESPACE: &str = "rule:context_is_admin or \
     (role:reader and (project_id:%(project_id)s or 'public':%(visibility)s))";
const METADEF_ADMIN: &str = "rule:metadef_admin";

/// Every default rule as `(name, check string)`.
pub(crate) const DEFAULT_RULES: &[(&str, &str)] = &[
    // base.py
    ("default", ""),
    ("context_is_admin", "role:admin"),
    ("service_api", "role:service or role:admin"),
    // image.py
    ("add_image", ADMIN_OR_PROJECT_MEMBER_CREATE_IMAGE),
    ("delete_image", ADMIN_OR_PROJECT_MEMBER),
    ("get_image", ADMIN_OR_PROJECT_READER_GET_IMAGE),
    ("get_images", ADMIN_OR_PROJECT_READER),
    ("modify_image", ADMIN_OR_PROJECT_MEMBER),
    ("publicize_image", ADMIN),
    ("communitize_image", ADMIN_OR_PROJECT_MEMBER),
    ("download_image", ADMIN_OR_PROJECT_MEMBER_DOWNLOAD_IMAGE),
    (
        "download_from_store",
        ADMIN_OR_PROJECT_MEMBER_DOWNLOAD_IMAGE,
    ),
    ("upload_image", ADMIN_OR_PROJECT_MEMBER),
    ("delete_image_location", ADMIN),
    ("get_image_location", ADMIN_OR_PROJECT_READER),
    ("set_image_location", ADMIN_OR_PROJECT_MEMBER),
    ("add_image_location", SERVICE_OR_PROJECT_MEMBER),
    ("fetch_image_location", SERVICE),
    ("add_member", ADMIN_OR_PROJECT_MEMBER),
    ("delete_member", ADMIN_OR_PROJECT_MEMBER),
    ("get_member", ADMIN_OR_PROJECT_READER_OR_SHARED_MEMBER),
    ("get_members", ADMIN_OR_PROJECT_READER_OR_SHARED_MEMBER),
    ("modify_member", ADMIN_OR_SHARED_MEMBER),
    ("manage_image_cache", ADMIN),
    ("deactivate", ADMIN_OR_PROJECT_MEMBER),
    ("reactivate", ADMIN_OR_PROJECT_MEMBER),
    ("copy_image", ADMIN),
    ("list_cached_nodes", ADMIN),
    // tasks.py (`tasks_api_access` gates the whole /tasks API)
    ("get_task", "rule:default"),
    ("get_tasks", "rule:default"),
    ("add_task", "rule:default"),
    ("modify_task", "rule:default"),
    ("tasks_api_access", ADMIN),
    // cache.py
    ("cache_image", ADMIN),
    ("cache_list", ADMIN),
    ("cache_delete", ADMIN),
    ("cache_clean", ADMIN),
    ("cache_prune", ADMIN),
    // discovery.py
    ("stores_info_detail", ADMIN_OR_SERVICE),
    // metadef.py
    ("metadef_default", ""),
    ("metadef_admin", ADMIN),
    (
        "get_metadef_namespace",
        ADMIN_OR_PROJECT_READER_GET_NAMESPACE,
    ),
    ("get_metadef_namespaces", ADMIN_OR_PROJECT_READER),
    ("modify_metadef_namespace", METADEF_ADMIN),
    ("add_metadef_namespace", METADEF_ADMIN),
    ("delete_metadef_namespace", METADEF_ADMIN),
    ("get_metadef_object", ADMIN_OR_PROJECT_READER_GET_NAMESPACE),
    ("get_metadef_objects", ADMIN_OR_PROJECT_READER_GET_NAMESPACE),
    ("modify_metadef_object", METADEF_ADMIN),
    ("add_metadef_object", METADEF_ADMIN),
    ("delete_metadef_object", METADEF_ADMIN),
    (
        "list_metadef_resource_types",
        ADMIN_OR_PROJECT_READER_GET_NAMESPACE,
    ),
    (
        "get_metadef_resource_type",
        ADMIN_OR_PROJECT_READER_GET_NAMESPACE,
    ),
    ("add_metadef_resource_type_association", METADEF_ADMIN),
    ("remove_metadef_resource_type_association", METADEF_ADMIN),
    (
        "get_metadef_property",
        ADMIN_OR_PROJECT_READER_GET_NAMESPACE,
    ),
    (
        "get_metadef_properties",
        ADMIN_OR_PROJECT_READER_GET_NAMESPACE,
    ),
    ("modify_metadef_property", METADEF_ADMIN),
    ("add_metadef_property", METADEF_ADMIN),
    ("remove_metadef_property", METADEF_ADMIN),
    ("get_metadef_tag", ADMIN_OR_PROJECT_READER_GET_NAMESPACE),
    ("get_metadef_tags", ADMIN_OR_PROJECT_READER_GET_NAMESPACE),
    ("modify_metadef_tag", METADEF_ADMIN),
    ("add_metadef_tag", METADEF_ADMIN),
    ("add_metadef_tags", METADEF_ADMIN),
    ("delete_metadef_tag", METADEF_ADMIN),
    ("delete_metadef_tags", METADEF_ADMIN),
];
