//! The command line: python-glanceclient's global options and v2
//! subcommands, with its option names, metavars and help texts.
//!
//! Global options come before the subcommand, as with argparse; `OS_*`
//! environment defaults are applied by [`crate::session`], not here, so that
//! an option given on the command line always wins.

use clap::{ArgAction, Args, Parser, Subcommand};

/// The help group of the connection options.
pub const CONNECTION: &str = "API Connection Options";

/// The help group of the authentication options.
pub const AUTH: &str = "Authentication Options";

/// `glance [global options] <subcommand> [options]`.
#[derive(Debug, Parser)]
#[command(
    name = "glance",
    about = "Command-line interface to the OpenStack Images API.",
    disable_help_flag = true,
    disable_help_subcommand = true,
    disable_version_flag = true
)]
pub struct Cli {
    /// Global options.
    #[command(flatten)]
    pub global: Global,
    /// The subcommand; none prints the help.
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// An argument as `command` shows it: the metavars that differ between
    /// commands sharing an option group.
    pub fn adjust_arg(command: &str, arg: clap::Arg) -> clap::Arg {
        match (command, arg.get_id().as_str()) {
            ("image-create-via-import", "remote_region") => arg.value_name("<GLANCE_REGION>"),
            _ => arg,
        }
    }

    /// The image fields of the subcommand, if it has them.
    pub fn image_fields_mut(&mut self) -> Option<&mut ImageFields> {
        match self.command.as_mut()? {
            Command::ImageCreate { fields, .. }
            | Command::ImageCreateViaImport { fields, .. }
            | Command::ImageUpdate { fields, .. } => Some(fields),
            _ => None,
        }
    }
}

/// Options before the subcommand.
#[derive(Debug, Args)]
pub struct Global {
    /// Show this help message and exit.
    #[arg(short = 'h', long = "help", action = ArgAction::SetTrue)]
    pub help: bool,
    /// Show program's version number and exit.
    #[arg(long, action = ArgAction::SetTrue)]
    pub version: bool,
    /// Defaults to env[GLANCECLIENT_DEBUG].
    #[arg(short = 'd', long, action = ArgAction::SetTrue)]
    pub debug: bool,
    /// Print more verbose output.
    #[arg(short = 'v', long, action = ArgAction::SetTrue)]
    pub verbose: bool,
    /// Fetch the image schema again (the image options of image-create and
    /// image-update come from it) instead of using the cached copy.
    #[arg(long, action = ArgAction::SetTrue)]
    pub get_schema: bool,
    /// Never ask for confirmation (accepted for compatibility).
    #[arg(short = 'f', long, action = ArgAction::SetTrue)]
    pub force: bool,
    /// The image service endpoint; with it the catalog is not consulted.
    /// Defaults to env[OS_IMAGE_URL].
    #[arg(long, value_name = "OS_IMAGE_URL")]
    pub os_image_url: Option<String>,
    /// Defaults to env[OS_IMAGE_API_VERSION] or 2.
    #[arg(long, value_name = "OS_IMAGE_API_VERSION")]
    pub os_image_api_version: Option<String>,
    /// Defaults to env[OS_REGION_NAME].
    #[arg(long, value_name = "OS_REGION_NAME")]
    pub os_region_name: Option<String>,
    /// Defaults to env[OS_AUTH_TOKEN].
    #[arg(long, value_name = "OS_AUTH_TOKEN")]
    pub os_auth_token: Option<String>,
    /// Defaults to env[OS_SERVICE_TYPE].
    #[arg(long, value_name = "OS_SERVICE_TYPE")]
    pub os_service_type: Option<String>,
    /// Defaults to env[OS_ENDPOINT_TYPE].
    #[arg(long, alias = "os-interface", value_name = "OS_ENDPOINT_TYPE")]
    pub os_endpoint_type: Option<String>,
    /// Do not verify TLS (https) server certificates. Use with care.
    #[arg(long, action = ArgAction::SetTrue, help_heading = CONNECTION)]
    pub insecure: bool,
    /// PEM bundle of the CAs that TLS (https) servers are verified against.
    /// Defaults to env[OS_CACERT].
    #[arg(long, value_name = "<ca-certificate>", help_heading = CONNECTION)]
    pub os_cacert: Option<String>,
    /// Defaults to env[OS_CERT].
    #[arg(long, value_name = "<certificate>", help_heading = CONNECTION)]
    pub os_cert: Option<String>,
    /// Defaults to env[OS_KEY].
    #[arg(long, value_name = "<key>", help_heading = CONNECTION)]
    pub os_key: Option<String>,
    /// Seconds to wait for a response (default 600).
    #[arg(long, value_name = "<seconds>", help_heading = CONNECTION)]
    pub timeout: Option<f64>,
    /// Accepted for compatibility (keystoneauth's timing collection).
    #[arg(long, action = ArgAction::SetTrue, help_heading = CONNECTION)]
    pub collect_timing: bool,
    /// Accepted for compatibility; the TLS library's cipher choice is used.
    #[arg(long, value_name = "<ciphers>", help_heading = CONNECTION)]
    pub tls_ciphers: Option<String>,
    /// Oldest TLS version to accept (1.2 or 1.3).
    #[arg(long, value_name = "{None,1.2,1.3}", value_parser = ["None", "1.2", "1.3"], help_heading = CONNECTION)]
    pub tls_min_version: Option<String>,
    /// Authentication type to use (password or token). Defaults to
    /// env[OS_AUTH_TYPE].
    #[arg(long, visible_alias = "os-auth-plugin", value_name = "<name>")]
    pub os_auth_type: Option<String>,
    /// Authentication URL. Defaults to env[OS_AUTH_URL].
    #[arg(long, value_name = "OS_AUTH_URL", help_heading = AUTH)]
    pub os_auth_url: Option<String>,
    /// Scope for system operations. Defaults to env[OS_SYSTEM_SCOPE].
    #[arg(long, value_name = "OS_SYSTEM_SCOPE", help_heading = AUTH)]
    pub os_system_scope: Option<String>,
    /// Domain ID to scope to. Defaults to env[OS_DOMAIN_ID].
    #[arg(long, value_name = "OS_DOMAIN_ID", help_heading = AUTH)]
    pub os_domain_id: Option<String>,
    /// Domain name to scope to. Defaults to env[OS_DOMAIN_NAME].
    #[arg(long, value_name = "OS_DOMAIN_NAME", help_heading = AUTH)]
    pub os_domain_name: Option<String>,
    /// Project ID to scope to. Defaults to env[OS_PROJECT_ID].
    #[arg(long, visible_alias = "os-tenant-id", value_name = "OS_PROJECT_ID", help_heading = AUTH)]
    pub os_project_id: Option<String>,
    /// Project name to scope to. Defaults to env[OS_PROJECT_NAME].
    #[arg(long, visible_alias = "os-tenant-name", value_name = "OS_PROJECT_NAME", help_heading = AUTH)]
    pub os_project_name: Option<String>,
    /// Domain ID containing project. Defaults to env[OS_PROJECT_DOMAIN_ID].
    #[arg(long, value_name = "OS_PROJECT_DOMAIN_ID", help_heading = AUTH)]
    pub os_project_domain_id: Option<String>,
    /// Domain name containing project. Defaults to
    /// env[OS_PROJECT_DOMAIN_NAME].
    #[arg(long, value_name = "OS_PROJECT_DOMAIN_NAME", help_heading = AUTH)]
    pub os_project_domain_name: Option<String>,
    /// Trust ID to authenticate with. Defaults to env[OS_TRUST_ID].
    #[arg(long, value_name = "OS_TRUST_ID", help_heading = AUTH)]
    pub os_trust_id: Option<String>,
    /// Domain ID for both the user and the project when neither names one.
    /// Defaults to env[OS_DEFAULT_DOMAIN_ID].
    #[arg(long, value_name = "OS_DEFAULT_DOMAIN_ID", help_heading = AUTH)]
    pub os_default_domain_id: Option<String>,
    /// Domain name for both the user and the project when neither names one.
    /// Defaults to env[OS_DEFAULT_DOMAIN_NAME].
    #[arg(long, value_name = "OS_DEFAULT_DOMAIN_NAME", help_heading = AUTH)]
    pub os_default_domain_name: Option<String>,
    /// User id. Defaults to env[OS_USER_ID].
    #[arg(long, value_name = "OS_USER_ID", help_heading = AUTH)]
    pub os_user_id: Option<String>,
    /// Username. Defaults to env[OS_USERNAME].
    #[arg(long, visible_alias = "os-user-name", value_name = "OS_USERNAME", help_heading = AUTH)]
    pub os_username: Option<String>,
    /// User's domain id. Defaults to env[OS_USER_DOMAIN_ID].
    #[arg(long, value_name = "OS_USER_DOMAIN_ID", help_heading = AUTH)]
    pub os_user_domain_id: Option<String>,
    /// User's domain name. Defaults to env[OS_USER_DOMAIN_NAME].
    #[arg(long, value_name = "OS_USER_DOMAIN_NAME", help_heading = AUTH)]
    pub os_user_domain_name: Option<String>,
    /// User's password. Defaults to env[OS_PASSWORD].
    #[arg(long, value_name = "OS_PASSWORD", help_heading = AUTH)]
    pub os_password: Option<String>,
    /// Named cloud from clouds.yaml (as openstacksdk reads it). Defaults to
    /// env[OS_CLOUD].
    #[arg(long, value_name = "<name>", help_heading = AUTH)]
    pub os_cloud: Option<String>,
}

/// `True`/`False` as oslo's `bool_from_string` reads it (1, t, true, on, y,
/// yes are true; anything else false).
pub fn bool_from_string(s: &str) -> Result<bool, String> {
    Ok(matches!(
        s.trim().to_ascii_lowercase().as_str(),
        "1" | "t" | "true" | "on" | "y" | "yes"
    ))
}

/// Strict form used for schema booleans (`--protected`): anything else is
/// an error, as `strutils.bool_from_string(strict=True)`.
pub fn strict_bool(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "t" | "true" | "on" | "y" | "yes" => Ok(true),
        "0" | "f" | "false" | "off" | "n" | "no" => Ok(false),
        _ => Err(format!("invalid bool_from_string value: '{s}'")),
    }
}

/// The image fields of image-create/-update: the schema options (added at
/// run time, see [`crate::schema_options`]), `--hidden` and `--property`.
#[derive(Debug, Args, Default)]
pub struct ImageFields {
    /// The schema option values, filled in after parsing.
    #[arg(skip)]
    pub schema: glance_client::Object,
    /// Whether the image is left out of default image lists.
    #[arg(long, value_name = "[True|False]", value_parser = bool_from_string)]
    pub hidden: Option<bool>,
    /// A property of your own to set on the image; repeat for several.
    #[arg(long = "property", value_name = "<key=value>")]
    pub properties: Vec<String>,
}

/// Where upload data comes from.
#[derive(Debug, Args, Default)]
pub struct DataSource {
    /// File holding the image data. Without it, data piped to stdin is
    /// uploaded.
    #[arg(long, value_name = "<FILE>")]
    pub file: Option<String>,
    /// Size of the data in bytes, for input whose size cannot be found (a
    /// pipe, say).
    #[arg(long, value_name = "<IMAGE_SIZE>")]
    pub size: Option<u64>,
    /// Show a progress bar while uploading.
    #[arg(long, action = ArgAction::SetTrue)]
    pub progress: bool,
}

/// The import options shared by image-import and image-create-via-import.
#[derive(Debug, Args, Default)]
pub struct ImportOptions {
    /// URI to download the external image.
    #[arg(long, value_name = "<IMAGE_URL>")]
    pub uri: Option<String>,
    /// Region of the remote Glance to copy the image from (glance-download).
    #[arg(long, value_name = "<REMOTE_GLANCE_REGION>")]
    pub remote_region: Option<String>,
    /// ID of the image in the remote Glance (glance-download).
    #[arg(long, value_name = "<REMOTE_IMAGE_ID>")]
    pub remote_image_id: Option<String>,
    /// Catalog interface of the remote Glance (glance-download).
    #[arg(
        long,
        value_name = "<REMOTE_SERVICE_INTERFACE>",
        default_value = "public"
    )]
    pub remote_service_interface: String,
    /// Store to put the image data in.
    #[arg(long, value_name = "<STORE>")]
    pub store: Option<String>,
    /// Comma-separated stores to import the image into.
    #[arg(long, value_name = "<STORES>")]
    pub stores: Option<String>,
    /// Import the image into every store (instead of --stores).
    #[arg(long, value_name = "[True|False]", value_parser = bool_from_string)]
    pub all_stores: Option<bool>,
    /// With --stores or --all-stores: whether some stores may fail (True, the
    /// default; the image records which did) or one failure reverts the
    /// import (False).
    #[arg(long, value_name = "[True|False]", value_parser = bool_from_string)]
    pub allow_failure: Option<bool>,
}

/// Output format of list and show commands (beyond upstream, for scripts).
#[derive(Debug, Args, Default)]
pub struct OutputFormat {
    /// The output format: table (default, as upstream), json, yaml or value.
    #[arg(short = 'f', long = "format", value_name = "<FORMAT>", value_parser = ["table", "json", "yaml", "value"])]
    pub format: Option<String>,
}

/// Every v2 subcommand.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new image.
    ImageCreate {
        #[command(flatten)]
        fields: ImageFields,
        #[command(flatten)]
        data: DataSource,
        /// Store to put the image data in.
        #[arg(long, value_name = "<STORE>")]
        store: Option<String>,
    },
    /// EXPERIMENTAL: Create a new image via image import.
    ///
    /// The image is created, then its data imported with the interoperable
    /// import workflow. With --import-method (or env[OS_IMAGE_IMPORT_METHOD])
    /// the data must suit the method (--file or stdin for glance-direct,
    /// --uri for web-download). Without one, data given by --file or stdin
    /// means glance-direct, and no data means only the image record is
    /// created (status queued).
    ImageCreateViaImport {
        #[command(flatten)]
        fields: ImageFields,
        #[command(flatten)]
        data: DataSource,
        /// Import method (see import-info). Defaults to
        /// env[OS_IMAGE_IMPORT_METHOD], else glance-direct when data is given
        /// (--file or stdin); with neither only the record is created.
        #[arg(long, value_name = "<METHOD>")]
        import_method: Option<String>,
        #[command(flatten)]
        import: ImportOptions,
    },
    /// Update an existing image.
    ImageUpdate {
        /// ID of image to update.
        #[arg(value_name = "<IMAGE_ID>")]
        id: String,
        #[command(flatten)]
        fields: ImageFields,
        /// Name of arbitrary property to remove from the image.
        #[arg(long = "remove-property", value_name = "key")]
        remove_properties: Vec<String>,
    },
    /// List images you can access.
    ImageList {
        /// Maximum number of images to get.
        #[arg(long, value_name = "<LIMIT>")]
        limit: Option<u64>,
        /// Number of images to request in each paginated request.
        #[arg(long, value_name = "<SIZE>")]
        page_size: Option<u32>,
        /// The visibility of the images to display.
        #[arg(long, value_name = "<VISIBILITY>")]
        visibility: Option<String>,
        /// The status of images to display.
        #[arg(long, value_name = "<MEMBER_STATUS>")]
        member_status: Option<String>,
        /// Display images owned by <OWNER>.
        #[arg(long, value_name = "<OWNER>")]
        owner: Option<String>,
        /// Filter images by a user-defined image property.
        #[arg(long = "property-filter", value_name = "<KEY=VALUE>")]
        property_filters: Vec<String>,
        /// Displays images that match the MD5 checksum.
        #[arg(long, value_name = "<CHECKSUM>")]
        checksum: Option<String>,
        /// Displays images that match the specified hash value.
        #[arg(long = "hash", value_name = "<HASH_VALUE>")]
        hash: Option<String>,
        /// Filter images by a user-defined tag.
        #[arg(long = "tag", value_name = "<TAG>")]
        tags: Vec<String>,
        /// Sort image list by specified fields. May be used multiple times.
        #[arg(long = "sort-key", value_name = "{name,status,container_format,disk_format,size,id,created_at,updated_at}",
              value_parser = ["name", "status", "container_format", "disk_format", "size", "id", "created_at", "updated_at"])]
        sort_keys: Vec<String>,
        /// Sort image list in specified directions.
        #[arg(long = "sort-dir", value_name = "{asc,desc}", value_parser = ["asc", "desc"])]
        sort_dirs: Vec<String>,
        /// Comma-separated list of sort keys and directions in the form of
        /// <key>[:<asc|desc>]. Valid keys: name, status, container_format,
        /// disk_format, size, id, created_at, updated_at. OPTIONAL.
        #[arg(long, value_name = "<key>[:<direction>]")]
        sort: Option<String>,
        /// Filters results by hidden status. Default=None.
        #[arg(long, value_name = "[True|False]", num_args = 0..=1, default_missing_value = "True", value_parser = bool_from_string)]
        hidden: Option<bool>,
        /// Print backend store id.
        #[arg(long, value_name = "[True|False]", num_args = 0..=1, default_missing_value = "True", value_parser = bool_from_string)]
        include_stores: Option<bool>,
        #[command(flatten)]
        output: OutputFormat,
    },
    /// Describe a specific image.
    ImageShow {
        /// ID of image to describe.
        #[arg(value_name = "<IMAGE_ID>")]
        id: String,
        /// Print image size in a human-friendly format.
        #[arg(long, action = ArgAction::SetTrue)]
        human_readable: bool,
        /// The max column width of the printed table.
        #[arg(long, value_name = "<integer>", default_value = "80")]
        max_column_width: String,
        #[command(flatten)]
        output: OutputFormat,
    },
    /// Get tasks associated with image
    ImageTasks {
        /// ID of image to get tasks.
        #[arg(value_name = "<IMAGE_ID>")]
        id: String,
    },
    /// Get quota usage information.
    Usage,
    /// Describe sharing permissions by image.
    MemberList {
        /// Image to display members of.
        #[arg(long, value_name = "<IMAGE_ID>", required = true)]
        image_id: String,
    },
    /// Show details of an image member
    MemberGet {
        /// Image from which to display member.
        #[arg(value_name = "<IMAGE_ID>")]
        image_id: String,
        /// Project to display.
        #[arg(value_name = "<MEMBER_ID>")]
        member_id: String,
    },
    /// Delete image member.
    MemberDelete {
        /// Image from which to remove member.
        #[arg(value_name = "<IMAGE_ID>")]
        image_id: String,
        /// Tenant to remove as member.
        #[arg(value_name = "<MEMBER_ID>")]
        member_id: String,
    },
    /// Update the status of a member for a given image.
    MemberUpdate {
        /// Image from which to update member.
        #[arg(value_name = "<IMAGE_ID>")]
        image_id: String,
        /// Tenant to update.
        #[arg(value_name = "<MEMBER_ID>")]
        member_id: String,
        /// Updated status of member. Valid Values: accepted, rejected,
        /// pending
        #[arg(value_name = "<MEMBER_STATUS>", value_parser = ["accepted", "rejected", "pending"])]
        member_status: String,
    },
    /// Create member for a given image.
    MemberCreate {
        /// Image with which to create member.
        #[arg(value_name = "<IMAGE_ID>")]
        image_id: String,
        /// Tenant to add as member.
        #[arg(value_name = "<MEMBER_ID>")]
        member_id: String,
    },
    /// Describe a specific model.
    Explain {
        /// Name of model to describe.
        #[arg(value_name = "<MODEL>")]
        model: String,
    },
    /// Print import methods available from Glance.
    ImportInfo,
    /// Print available backends from Glance.
    StoresInfo {
        /// Shows details of stores. Admin only.
        #[arg(long, action = ArgAction::SetTrue)]
        detail: bool,
    },
    /// Delete image from specific store.
    StoresDelete {
        /// ID of image to update.
        #[arg(value_name = "<IMAGE_ID>")]
        id: String,
        /// Store to delete image from.
        #[arg(long, value_name = "<STORE_ID>", required = true)]
        store: String,
    },
    /// Download a specific image.
    ImageDownload {
        /// ID of image to download.
        #[arg(value_name = "<IMAGE_ID>")]
        id: String,
        /// Verify with the MD5 checksum when the image's secure hash
        /// algorithm is unknown here. Also set by
        /// env[OS_IMAGE_ALLOW_MD5_FALLBACK].
        #[arg(long, action = ArgAction::SetTrue)]
        allow_md5_fallback: bool,
        /// File to write the image data to; without it the data goes to
        /// stdout, which must then be redirected.
        #[arg(long, value_name = "<FILE>")]
        file: Option<String>,
        /// Show download progress bar.
        #[arg(long, action = ArgAction::SetTrue)]
        progress: bool,
        /// Comma-separated stores to try first, in order.
        #[arg(long, value_name = "<STORES>")]
        prefer: Option<String>,
    },
    /// Upload data for a specific image.
    ImageUpload {
        /// ID of image to upload data to.
        #[arg(value_name = "<IMAGE_ID>")]
        id: String,
        #[command(flatten)]
        data: DataSource,
        /// Store to put the image data in.
        #[arg(long, value_name = "<STORE>")]
        store: Option<String>,
    },
    /// Upload data for a specific image to staging.
    ImageStage {
        /// ID of image to upload data to.
        #[arg(value_name = "<IMAGE_ID>")]
        id: String,
        #[command(flatten)]
        data: DataSource,
    },
    /// Initiate the image import taskflow.
    ImageImport {
        /// ID of image to import.
        #[arg(value_name = "<IMAGE_ID>")]
        id: String,
        /// Import method (see import-info); glance-direct imports what
        /// image-stage uploaded.
        #[arg(long, value_name = "<METHOD>", default_value = "glance-direct")]
        import_method: String,
        #[command(flatten)]
        import: ImportOptions,
    },
    /// Delete specified image.
    ImageDelete {
        /// ID of image(s) to delete.
        #[arg(value_name = "<IMAGE_ID>", required = true, num_args = 1..)]
        ids: Vec<String>,
    },
    /// Deactivate specified image.
    ImageDeactivate {
        /// ID of image to deactivate.
        #[arg(value_name = "<IMAGE_ID>")]
        id: String,
    },
    /// Reactivate specified image.
    ImageReactivate {
        /// ID of image to reactivate.
        #[arg(value_name = "<IMAGE_ID>")]
        id: String,
    },
    /// Update an image with the given tag.
    ImageTagUpdate {
        /// Image to be updated with the given tag.
        #[arg(value_name = "<IMAGE_ID>")]
        image_id: String,
        /// Value of the tag.
        #[arg(value_name = "<TAG_VALUE>")]
        tag_value: String,
    },
    /// Delete the tag associated with the given image.
    ImageTagDelete {
        /// ID of the image from which to delete tag.
        #[arg(value_name = "<IMAGE_ID>")]
        image_id: String,
        /// Value of the tag.
        #[arg(value_name = "<TAG_VALUE>")]
        tag_value: String,
    },
    /// Add a location (and related metadata) to an image.
    LocationAdd {
        /// ID of image to which the location is to be added.
        #[arg(value_name = "<IMAGE_ID>")]
        id: String,
        /// URL of location to add.
        #[arg(long, value_name = "<URL>", required = true)]
        url: String,
        /// JSON object of metadata for the location (default: {})
        #[arg(long, value_name = "<STRING>", default_value = "{}")]
        metadata: String,
        /// md5 checksum of image contents
        #[arg(long, value_name = "<STRING>")]
        checksum: Option<String>,
        /// Multihash algorithm
        #[arg(long, value_name = "<STRING>")]
        hash_algo: Option<String>,
        /// Multihash value
        #[arg(long, value_name = "<STRING>")]
        hash_value: Option<String>,
    },
    /// Remove locations (and related metadata) from an image.
    LocationDelete {
        /// ID of image whose locations are to be removed.
        #[arg(value_name = "<IMAGE_ID>")]
        id: String,
        /// URL of location to remove. May be used multiple times.
        #[arg(long = "url", value_name = "<URL>", required = true)]
        urls: Vec<String>,
    },
    /// Update metadata of an image's location.
    LocationUpdate {
        /// ID of image whose location is to be updated.
        #[arg(value_name = "<IMAGE_ID>")]
        id: String,
        /// URL of location to update.
        #[arg(long, value_name = "<URL>", required = true)]
        url: String,
        /// JSON object of metadata for the location (default: {})
        #[arg(long, value_name = "<STRING>", default_value = "{}")]
        metadata: String,
    },
    /// Add location to an image which is in `queued` state only.
    AddLocation {
        /// ID of image whose location is to be added.
        #[arg(value_name = "<IMAGE_ID>")]
        id: String,
        /// URL of location to add.
        #[arg(long, value_name = "<URL>", required = true)]
        url: String,
        /// JSON object with os_hash_algo and os_hash_value of the data at the
        /// URL (default: {})
        #[arg(long, value_name = "<STRING>", default_value = "{}")]
        validation_data: String,
    },
    /// Clear all images from cache, queue or both.
    CacheClear {
        /// Specify which target you want to clear. One of: both, cache,
        /// queue (default: both).
        #[arg(long, value_name = "{both,cache,queue}", default_value = "both", value_parser = ["both", "cache", "queue"])]
        target: String,
    },
    /// Delete image from cache/caching queue.
    CacheDelete {
        /// ID of image(s) to delete from cache/queue.
        #[arg(value_name = "<IMAGE_ID>", required = true, num_args = 1..)]
        ids: Vec<String>,
    },
    /// Get cache state.
    CacheList,
    /// Clean invalid and stalled cached images.
    CacheClean,
    /// Prune cached images to reduce cache size.
    CachePrune,
    /// List node reference URLs where an image is cached.
    CacheNodesList {
        /// ID of the image.
        #[arg(value_name = "<IMAGE_ID>")]
        id: String,
    },
    /// Queue image(s) for caching.
    CacheQueue {
        /// ID of image(s) to queue for caching.
        #[arg(value_name = "<IMAGE_ID>", required = true, num_args = 1..)]
        ids: Vec<String>,
    },
    /// List tasks you can access.
    TaskList {
        /// Sort task list by specified field.
        #[arg(long, value_name = "{id,type,status}", default_value = "status", value_parser = ["id", "type", "status"])]
        sort_key: String,
        /// Sort task list in specified direction.
        #[arg(long, value_name = "{asc,desc}", default_value = "desc", value_parser = ["asc", "desc"])]
        sort_dir: String,
        /// Number of tasks to request in each paginated request.
        #[arg(long, value_name = "<SIZE>")]
        page_size: Option<u32>,
        /// Filter tasks to those that have this type.
        #[arg(long = "type", value_name = "<TYPE>")]
        task_type: Option<String>,
        /// Filter tasks to those that have this status.
        #[arg(long, value_name = "<STATUS>")]
        status: Option<String>,
    },
    /// Describe a specific task.
    TaskShow {
        /// ID of task to describe.
        #[arg(value_name = "<TASK_ID>")]
        id: String,
    },
    /// Create a new task.
    TaskCreate {
        /// Task type (see the task schema).
        #[arg(long = "type", value_name = "<TYPE>")]
        task_type: Option<String>,
        /// Parameters of the task to be launched
        #[arg(long, value_name = "<STRING>", default_value = "{}")]
        input: String,
    },
    /// Display help about this program or one of its subcommands.
    Help {
        /// Display help for <subcommand>.
        #[arg(value_name = "<subcommand>")]
        command: Option<String>,
    },
    /// Prints arguments for bash_completion.
    #[command(name = "bash-completion", alias = "bash_completion")]
    BashCompletion,
}
