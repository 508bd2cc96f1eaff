//! Image data: image-upload, image-stage, image-download, image-import and
//! image-create-via-import. Bytes stream through bounded buffers; the hash of
//! a download is checked as it arrives.

use super::{Ctx, print_image};
use crate::cli::{DataSource, ImageFields, ImportOptions, OutputFormat};
use crate::error::CliError;
use crate::render::progress::Progress;
use bytes::Bytes;
use futures::{Stream, StreamExt};
use serde_json::{Value, json};
use std::io::{IsTerminal, Write};
use tokio::io::AsyncRead;
use tokio_util::io::ReaderStream;

/// Bytes read from the source per chunk.
const CHUNK: usize = 1 << 20;

/// Where upload data comes from: a file or stdin.
pub struct Input {
    reader: Box<dyn AsyncRead + Send + Unpin>,
    /// The size, when it can be known (a file, or stdin redirected from one).
    size: Option<u64>,
}

/// Whether stdin carries data (it is open and not a terminal), as
/// glanceclient decides.
pub fn stdin_has_data() -> bool {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return false;
    }
    // A closed stdin (`<&-`) has no valid descriptor.
    std::fs::metadata("/dev/stdin").is_ok()
}

impl Input {
    /// The data given by `--file`, else stdin when it has data.
    pub fn detect(source: &DataSource) -> Result<Option<Input>, CliError> {
        if let Some(path) = &source.file {
            return match std::fs::File::open(path) {
                Ok(f) => {
                    let size = f.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
                    Ok(Some(Input {
                        reader: Box::new(tokio::fs::File::from_std(f)),
                        size,
                    }))
                }
                // Reported by the command with upstream's wording.
                Err(_) => Ok(None),
            };
        }
        if !stdin_has_data() {
            return Ok(None);
        }
        let size = std::fs::metadata("/dev/stdin")
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len());
        Ok(Some(Input {
            reader: Box::new(tokio::io::stdin()),
            size,
        }))
    }
}

/// With data (`--file`, `--uri` or stdin), the disk and container formats
/// must be given. `uri` is image-create-via-import's `--uri`.
pub fn require_formats(
    fields: &ImageFields,
    source: &DataSource,
    uri: Option<&str>,
) -> Result<(), CliError> {
    let mut present = Vec::new();
    if source.file.is_some() {
        present.push("--file");
    }
    if uri.is_some() {
        present.push("--uri");
    }
    if present.is_empty() && !stdin_has_data() {
        return Ok(());
    }
    let mut missing = Vec::new();
    if !fields.schema.contains_key("container_format") {
        missing.push("--container-format");
    }
    if !fields.schema.contains_key("disk_format") {
        missing.push("--disk-format");
    }
    if missing.is_empty() {
        return Ok(());
    }
    let used = if present.is_empty() {
        "stdin".to_string()
    } else {
        present.join(", ")
    };
    Err(CliError::command(format!(
        "error: Must provide {} when using {used}.",
        missing.join(", ")
    )))
}

/// Checks `store` against `GET /v2/info/stores` (a server without multiple
/// stores accepts anything, as upstream).
pub async fn validate_backend(ctx: &Ctx, store: &str) -> Result<(), CliError> {
    let info = match ctx.client.stores_info(false).await {
        Ok(info) => info,
        Err(e) if e.status() == Some(404) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let known = info
        .get("stores")
        .and_then(Value::as_array)
        .is_some_and(|stores| {
            stores
                .iter()
                .any(|s| s.get("id").and_then(Value::as_str) == Some(store))
        });
    if known {
        Ok(())
    } else {
        Err(CliError::command(format!(
            "Store '{store}' is not valid for this cloud. Valid values can be retrieved with \
             stores-info command."
        )))
    }
}

/// Where uploaded bytes go.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `PUT /v2/images/{id}/file`.
    File,
    /// `PUT /v2/images/{id}/stage`.
    Stage,
}

/// The byte stream of `input`, advancing `progress` chunk by chunk and
/// finishing it at the end of the data.
fn body_stream(
    input: Input,
    progress: Progress,
) -> impl Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    let chunks = ReaderStream::with_capacity(input.reader, CHUNK);
    futures::stream::unfold(Some((chunks, progress)), |state| async move {
        let (mut chunks, mut progress) = state?;
        match chunks.next().await {
            Some(Ok(bytes)) => {
                progress.advance(bytes.len() as u64);
                Some((Ok(bytes), Some((chunks, progress))))
            }
            Some(Err(e)) => Some((Err(e), None)),
            // Interrupted: the data may have ended only because its writer
            // was interrupted too; fail rather than finish the image.
            None if crate::interrupt::interrupted() => Some((
                Err(std::io::Error::new(
                    std::io::ErrorKind::Interrupted,
                    "interrupted",
                )),
                None,
            )),
            None => {
                progress.finish();
                None
            }
        }
    })
}

/// Uploads `input` to image `id`, with glanceclient's size checks.
pub async fn upload(
    ctx: &Ctx,
    id: &str,
    input: Input,
    source: &DataSource,
    store: Option<&str>,
    target: Target,
) -> Result<(), CliError> {
    let size = match (source.size, input.size) {
        (Some(given), Some(actual)) if source.file.is_some() && given != actual => {
            return Err(CliError::command(format!(
                "Size mismatch: provided size {given} does not match the size of the image {actual}"
            )));
        }
        (Some(given), _) => Some(given),
        (None, actual) => actual,
    };
    let show = source.progress && size.is_some();
    let progress = Progress::new(size, show);
    let body = reqwest::Body::wrap_stream(body_stream(input, progress));
    let sent = match target {
        Target::File => ctx.client.upload_image(id, body, size, store).await,
        Target::Stage => ctx.client.stage_image(id, body, size).await,
    };
    sent.map_err(CliError::from)
}

/// `image-upload`.
pub async fn image_upload(
    ctx: &Ctx,
    id: &str,
    source: &DataSource,
    store: &Option<String>,
) -> Result<(), CliError> {
    let store = store
        .clone()
        .or_else(|| std::env::var("OS_IMAGE_STORE").ok());
    if let Some(store) = &store {
        validate_backend(ctx, store).await?;
    }
    let input = open_required(source)?;
    upload(ctx, id, input, source, store.as_deref(), Target::File).await
}

/// `image-stage`.
pub async fn image_stage(ctx: &Ctx, id: &str, source: &DataSource) -> Result<(), CliError> {
    let input = open_required(source)?;
    upload(ctx, id, input, source, None, Target::Stage).await
}

/// The data of image-upload/-stage: `--file` or stdin; neither is an error.
fn open_required(source: &DataSource) -> Result<Input, CliError> {
    if let Some(file) = &source.file {
        std::fs::File::open(file).map_err(|e| {
            CliError::command(format!(
                "[Errno {}] {}: '{file}'",
                e.raw_os_error().unwrap_or(0),
                strerror(&e)
            ))
        })?;
    }
    Input::detect(source)?
        .ok_or_else(|| CliError::command("expected str, bytes or os.PathLike object, not NoneType"))
}

/// The OS's wording of an I/O error, without Rust's "(os error N)".
fn strerror(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// A hash being computed over the downloaded bytes.
enum Verifier {
    /// The image's secure hash (`os_hash_algo`/`os_hash_value`).
    Multihash(Box<dyn digest::DynDigest + Send>, String),
    /// The legacy MD5 `checksum` (or the `Content-MD5` header).
    Md5(md5::Md5, String),
}

fn hasher(algo: &str) -> Option<Box<dyn digest::DynDigest + Send>> {
    Some(match algo {
        "sha512" => Box::new(sha2::Sha512::default()),
        "sha384" => Box::new(sha2::Sha384::default()),
        "sha256" => Box::new(sha2::Sha256::default()),
        "sha224" => Box::new(sha2::Sha224::default()),
        "sha1" => Box::new(sha1::Sha1::default()),
        "md5" => Box::new(md5::Md5::default()),
        _ => return None,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Verifier {
    fn update(&mut self, data: &[u8]) {
        match self {
            Self::Multihash(h, _) => h.update(data),
            Self::Md5(h, _) => digest::Digest::update(h, data),
        }
    }

    fn finish(self) -> Result<(), CliError> {
        let (computed, expected, what) = match self {
            Self::Multihash(h, expected) => (hex(&h.finalize()), expected, "Hash"),
            Self::Md5(h, expected) => (hex(&digest::Digest::finalize(h)), expected, "Checksum"),
        };
        if computed == expected {
            Ok(())
        } else {
            Err(CliError::command(format!(
                "[Errno 32] Corrupt image download. {what} was {computed} expected {expected}"
            )))
        }
    }
}

/// `image-download`: refuses to write to a terminal; checks the image's
/// secure hash (or MD5) while writing.
pub async fn download(
    ctx: &Ctx,
    id: &str,
    file: &Option<String>,
    progress: bool,
    allow_md5_fallback: bool,
    prefer: &Option<String>,
) -> Result<(), CliError> {
    if file.is_none() && std::io::stdout().is_terminal() {
        return Err(CliError::command(
            "No redirection or local file specified for downloaded image data. Please specify a \
             local file with --file to save downloaded image or redirect output to another source.",
        ));
    }
    let allow_md5_fallback = allow_md5_fallback
        || std::env::var("OS_IMAGE_ALLOW_MD5_FALLBACK").is_ok_and(|v| !v.is_empty());
    let refused = |e: glance_client::ClientError| {
        CliError::command(format!("Unable to download image '{id}'. ({e})"))
    };
    let meta = ctx.client.get_image(id).await.map_err(refused)?;
    let prefer: Vec<String> = prefer
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    let Some(mut dl) = ctx
        .client
        .download_image(id, &prefer)
        .await
        .map_err(refused)?
    else {
        return Err(CliError::command(format!("Image {id} has no data.")));
    };
    let text = |k: &str| meta.get(k).and_then(Value::as_str).map(String::from);
    let mut verifier = match (text("os_hash_value"), text("os_hash_algo")) {
        (Some(value), Some(algo)) => match hasher(&algo) {
            Some(h) => Some(Verifier::Multihash(h, value)),
            None if allow_md5_fallback => None,
            None => {
                return Err(CliError::command(format!("unsupported hash type {algo}")));
            }
        },
        _ => None,
    };
    if verifier.is_none() {
        verifier = text("checksum")
            .or_else(|| dl.content_md5.clone())
            .map(|sum| Verifier::Md5(md5::Md5::default(), sum));
    }
    let mut bar = Progress::new(dl.size, progress);
    let mut out: Box<dyn Write> = match file {
        Some(path) => Box::new(std::io::BufWriter::with_capacity(
            CHUNK,
            std::fs::File::create(path)?,
        )),
        None => Box::new(std::io::BufWriter::with_capacity(CHUNK, std::io::stdout())),
    };
    while let Some(chunk) = dl.stream.next().await {
        let chunk = chunk?;
        if let Some(v) = verifier.as_mut() {
            v.update(&chunk);
        }
        out.write_all(&chunk)?;
        bar.advance(chunk.len() as u64);
    }
    out.flush()?;
    bar.finish();
    match verifier {
        Some(v) => v.finish(),
        None => Ok(()),
    }
}

/// The body of `POST /v2/images/{id}/import`.
fn import_body(method: &str, import: &ImportOptions, stores: Option<&[String]>) -> Value {
    let mut m = json!({"name": method});
    if method == "web-download" {
        m["uri"] = json!(import.uri);
    }
    if method == "glance-download" {
        m["glance_region"] = json!(import.remote_region);
        m["glance_image_id"] = json!(import.remote_image_id);
        m["glance_service_interface"] = json!(import.remote_service_interface);
    }
    let mut body = json!({"method": m});
    if let Some(stores) = stores {
        body["stores"] = json!(stores);
    }
    if let Some(all) = import.all_stores {
        body["all_stores"] = json!(all);
    }
    if stores.is_some() || import.all_stores.is_some() {
        body["all_stores_must_succeed"] = json!(!allow_failure(import));
    }
    body
}

fn allow_failure(import: &ImportOptions) -> bool {
    import.allow_failure.unwrap_or_else(|| {
        std::env::var("OS_IMAGE_ALLOW_FAILURE")
            .map(|v| crate::cli::bool_from_string(&v).unwrap_or(true))
            .unwrap_or(true)
    })
}

/// The import methods the server offers (`GET /v2/info/import`). image-import
/// words a 404 as a server without the workflow; image-create-via-import
/// shows it as it is.
async fn import_methods(ctx: &Ctx, explain_404: bool) -> Result<Vec<String>, CliError> {
    let info = match ctx.client.import_info().await {
        Ok(info) => info,
        Err(e) if explain_404 && e.status() == Some(404) => {
            return Err(CliError::command(
                "Target Glance does not support Image Import workflow",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    Ok(info
        .get("import-methods")
        .and_then(|m| m.get("value"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default())
}

/// `--store`, `--stores` and `--all-stores` are exclusive; the named stores
/// must exist.
async fn chosen_stores(
    ctx: &Ctx,
    import: &ImportOptions,
) -> Result<(Option<String>, Option<Vec<String>>), CliError> {
    let store = import
        .store
        .clone()
        .or_else(|| std::env::var("OS_IMAGE_STORE").ok());
    let stores = import
        .stores
        .clone()
        .or_else(|| std::env::var("OS_IMAGE_STORES").ok());
    let all = import.all_stores.unwrap_or(false);
    if (store.is_some() && (stores.is_some() || all)) || (stores.is_some() && all) {
        return Err(CliError::command(
            "Only one of --store, --stores and --all-stores can be provided",
        ));
    }
    if let Some(s) = &store {
        validate_backend(ctx, s).await?;
    }
    let stores = stores.map(|s| s.split(',').map(String::from).collect::<Vec<_>>());
    for s in stores.iter().flatten() {
        validate_backend(ctx, s).await?;
    }
    Ok((store, stores))
}

/// Sends the import request.
async fn send_import(
    ctx: &Ctx,
    id: &str,
    method: &str,
    import: &ImportOptions,
    store: Option<&str>,
    stores: Option<&[String]>,
) -> Result<(), CliError> {
    let headers: Vec<(String, String)> = store
        .map(|s| vec![("X-Image-Meta-Store".to_string(), s.to_string())])
        .unwrap_or_default();
    ctx.client
        .import_image(id, &import_body(method, import, stores), &headers)
        .await
        .map_err(CliError::from)
}

/// `image-import`: checks the method and the image's state as glanceclient
/// does, then imports and prints the image.
pub async fn image_import(
    ctx: &Ctx,
    id: &str,
    method: &str,
    import: &ImportOptions,
) -> Result<(), CliError> {
    let (store, stores) = chosen_stores(ctx, import).await?;
    let methods = import_methods(ctx, true).await?;
    if !methods.iter().any(|m| m == method) {
        return Err(CliError::command(format!(
            "Import method '{method}' is not valid for this cloud. Valid values can be retrieved \
             with import-info command."
        )));
    }
    let all = import.all_stores.unwrap_or(false);
    let checks: [(bool, &str); 6] = [
        (
            method == "web-download" && import.uri.is_none(),
            "Provide URI for web-download import method.",
        ),
        (
            import.uri.is_some() && method != "web-download",
            "Import method should be 'web-download' if URI is provided.",
        ),
        (
            method == "glance-download"
                && (import.remote_region.is_none() || import.remote_image_id.is_none()),
            "Provide REMOTE_IMAGE_ID and remote-region for 'glance-download' import method.",
        ),
        (
            import.remote_region.is_some() && method != "glance-download",
            "Import method should be 'glance-download' if REMOTE REGION is provided.",
        ),
        (
            import.remote_image_id.is_some() && method != "glance-download",
            "Import method should be 'glance-download' if REMOTE IMAGE ID is provided.",
        ),
        (
            method == "copy-image" && stores.is_none() && !all,
            "Provide either --stores or --all-stores for 'copy-image' import method.",
        ),
    ];
    if let Some((_, msg)) = checks.iter().find(|(bad, _)| *bad) {
        return Err(CliError::command(*msg));
    }
    let image = ctx.client.get_image(id).await?;
    let text = |k: &str| image.get(k).and_then(Value::as_str).unwrap_or("");
    if text("container_format").is_empty() || text("disk_format").is_empty() {
        return Err(CliError::command(
            "The 'container_format' and 'disk_format' properties must be set on an image before \
             it can be imported.",
        ));
    }
    let status = text("status");
    let wrong_state = match method {
        "glance-direct" if status != "uploading" => Some(
            "The 'glance-direct' import method can only be applied to an image in status \
             'uploading'",
        ),
        "web-download" if status != "queued" => Some(
            "The 'web-download' import method can only be applied to an image in status 'queued'",
        ),
        "copy-image" if status != "active" => Some(
            "The 'copy-image' import method can only be used on an image with status 'active'.",
        ),
        _ => None,
    };
    if let Some(msg) = wrong_state {
        return Err(CliError::command(msg));
    }
    send_import(ctx, id, method, import, store.as_deref(), stores.as_deref()).await?;
    let image = ctx.client.get_image(id).await?;
    print_image(&image, false, 80, &OutputFormat::default())
}

/// `image-create-via-import`.
pub async fn create_via_import(
    ctx: &Ctx,
    fields: &ImageFields,
    source: &DataSource,
    method: &Option<String>,
    import: &ImportOptions,
) -> Result<(), CliError> {
    require_formats(fields, source, import.uri.as_deref())?;
    let schema = super::schema_check::image_schema(ctx).await?;
    let body = super::images::fields_object(fields, &schema)?;
    if source.size.is_some() {
        return Err(CliError::command(
            "Setting 'size' during image creation is not supported. Please use --size only when \
             uploading data.",
        ));
    }
    let using_stdin = stdin_has_data();
    let has_file = source.file.is_some();
    let mut method = method
        .clone()
        .or_else(|| std::env::var("OS_IMAGE_IMPORT_METHOD").ok());
    if method.is_none() && (has_file || using_stdin) {
        method = Some("glance-direct".into());
    }
    if method.as_deref() == Some("copy-image") {
        return Err(CliError::command(
            "Import method 'copy-image' cannot be used while creating the image.",
        ));
    }
    let methods = import_methods(ctx, false).await?;
    if let Some(m) = &method
        && !methods.contains(m)
    {
        return Err(CliError::command(format!(
            "Import method '{m}' is not valid for this cloud. Valid values can be retrieved with \
             import-info command."
        )));
    }
    let (store, stores) = chosen_stores(ctx, import).await?;
    let all = import.all_stores.unwrap_or(false);
    let data = has_file || using_stdin;
    let bad: Option<String> = match method.as_deref() {
        None if import.uri.is_some() => {
            Some("You cannot use --uri without specifying an import method.".into())
        }
        Some("glance-direct") => {
            let only_with = |opt: &str| {
                format!(
                    "{opt} option should only be provided with --file option or stdin for the \
                     glance-direct import method."
                )
            };
            if store.is_some() && !data {
                Some(only_with("--store"))
            } else if stores.is_some() && !data {
                Some(only_with("--stores"))
            } else if all && !data {
                Some(only_with("--all-stores"))
            } else if import.uri.is_some() {
                Some("You cannot specify a --uri with the glance-direct import method.".into())
            } else if let Some(f) = source
                .file
                .as_ref()
                .filter(|f| std::fs::File::open(f).is_err())
            {
                Some(format!(
                    "File {f} does not exist or user does not have read privileges to it."
                ))
            } else if has_file && using_stdin {
                Some(
                    "You cannot use both --file and stdin with the glance-direct import method."
                        .into(),
                )
            } else if !data {
                Some(
                    "You must specify a --file or provide data via stdin for the glance-direct \
                     import method."
                        .into(),
                )
            } else {
                None
            }
        }
        Some("web-download") => {
            let only_with = |opt: &str| {
                format!(
                    "{opt} option should only be provided with --uri option for the web-download \
                     import method."
                )
            };
            if store.is_some() && import.uri.is_none() {
                Some(only_with("--store"))
            } else if stores.is_some() && import.uri.is_none() {
                Some(only_with("--stores"))
            } else if all && import.uri.is_none() {
                Some(only_with("--all-stores"))
            } else if import.uri.is_none() {
                Some(
                    "URI is required for web-download import method. Please use '--uri <uri>'."
                        .into(),
                )
            } else if has_file {
                Some("You cannot specify a --file with the web-download import method.".into())
            } else if using_stdin {
                Some("You cannot pass data via stdin with the web-download import method.".into())
            } else {
                None
            }
        }
        Some("glance-download") => {
            if import.remote_region.is_none() || import.remote_image_id.is_none() {
                Some(
                    "REMOTE GlANCE REGION and REMOTE IMAGE ID are required for glance-download \
                     import method. Please use --remote-region <region> and --remote-image-id \
                     <remote-image-id>."
                        .into(),
                )
            } else if import.uri.is_some() {
                Some("You cannot specify a --uri with the glance-download import method.".into())
            } else if has_file {
                Some("You cannot specify a --file with the glance-download import method.".into())
            } else if using_stdin {
                Some(
                    "You cannot pass data via stdin with the glance-download import method.".into(),
                )
            } else {
                None
            }
        }
        _ => None,
    };
    if let Some(msg) = bad {
        return Err(CliError::command(msg));
    }
    super::schema_check::check(&schema, &body)?;
    let mut image = ctx.client.create_image(&body).await?;
    let new_id = image
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let result: Result<(), CliError> = async {
        if let Some(method) = &method {
            if let Some(input) = Input::detect(source)? {
                upload(ctx, &new_id, input, source, None, Target::Stage).await?;
            }
            send_import(
                ctx,
                &new_id,
                method,
                import,
                store.as_deref(),
                stores.as_deref(),
            )
            .await?;
        }
        image = ctx.client.get_image(&new_id).await?;
        Ok(())
    }
    .await;
    print_image(&image, false, 80, &OutputFormat::default())?;
    result
}
