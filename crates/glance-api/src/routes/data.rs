//! Image data: upload and download.

use super::images::no_content;
use crate::error::ApiError;
use crate::request_id::Ctx;
use crate::service::{Download, RangeSpec, UploadRequest};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::TryStreamExt;

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// `PUT /v2/images/{id}/file`
pub async fn upload(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let headers = &parts.headers;
    let declared_size = match header_str(headers, "x-openstack-image-size") {
        Some(v) => Some(v.trim().parse::<u64>().map_err(|_| {
            ApiError::BadRequest("Invalid or missing image size in request headers.".into())
        })?),
        None => None,
    };
    let upload = UploadRequest {
        content_type: header_str(headers, "content-type").map(str::to_string),
        declared_size,
        content_length: header_str(headers, "content-length").and_then(|v| v.parse().ok()),
        store_id: header_str(headers, "x-image-meta-store").map(str::to_string),
        body: Box::pin(body.into_data_stream().map_err(std::io::Error::other)),
    };
    state.images.upload(&ctx, &id, upload).await?;
    Ok(no_content())
}

/// `GET /v2/images/{id}/file`
pub async fn download(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    // `?prefer=a,b`: stores to read from first (multi-store).
    let prefer: Vec<String> = query
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .filter(|(k, _)| k == "prefer")
                .flat_map(|(_, v)| {
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect::<Vec<_>>()
                })
                .collect()
        })
        .unwrap_or_default();
    let range = match (
        header_str(&headers, "range"),
        header_str(&headers, "content-range"),
    ) {
        (Some(r), _) => RangeSpec::parse_range(r)?,
        (None, Some(cr)) => RangeSpec::parse_content_range(cr)?,
        (None, None) => None,
    };
    let download = state.images.download(&ctx, &id, range, &prefer).await?;
    let (status, body, length, content_range, checksum) = match download {
        Download::NoContent => return Ok(no_content()),
        Download::Full {
            body,
            size,
            checksum,
        } => (StatusCode::OK, body, size, None, checksum),
        Download::Partial {
            body,
            range,
            size,
            checksum,
        } => (
            StatusCode::PARTIAL_CONTENT,
            body,
            range.end - range.start + 1,
            Some(format!("bytes {}-{}/{size}", range.start, range.end)),
            checksum,
        ),
    };
    let mut response = Response::new(Body::from_stream(body));
    *response.status_mut() = status;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    if let Some(v) = checksum.and_then(|c| HeaderValue::from_str(&c).ok()) {
        h.insert("content-md5", v);
    }
    if let Some(v) = content_range.and_then(|c| HeaderValue::from_str(&c).ok()) {
        h.insert(header::CONTENT_RANGE, v);
    }
    Ok(response.into_response())
}
