//! The S3 requests the store makes: each is presigned with AWS SigV4
//! (`rusty-s3`, unsigned payload) and sent with `reqwest`, bodies streamed.

use crate::error::{ServerError, transport};
use bytes::Bytes;
use glance_store::{ByteRange, StoreError};
use reqwest::header::{CONTENT_LENGTH, ETAG, IF_MATCH, RANGE};
use reqwest::{Body, Certificate, RequestBuilder, Response};
use rusty_s3::actions::{
    AbortMultipartUpload, CompleteMultipartUpload, CreateBucket, CreateMultipartUpload,
    DeleteObject, GetObject, HeadBucket, HeadObject, PutObject, UploadPart,
};
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};
use std::time::Duration;
use url::Url;

/// How long a presigned request stays valid; each is sent right away.
const SIGNED_FOR: Duration = Duration::from_secs(3600);

/// How long to wait for a TCP (and TLS) connection to the server.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(60);

/// An HTTP client bound to one bucket of one S3 server.
#[derive(Debug)]
pub(crate) struct S3Client {
    http: reqwest::Client,
    bucket: Bucket,
    /// The server, for messages.
    endpoint: String,
}

/// What a request got: an answer, or the server's error answer.
pub(crate) type Answer = Result<Response, ServerError>;

impl S3Client {
    /// A client for `bucket` at `endpoint`, trusting only `roots` for TLS
    /// when given.
    pub(crate) fn new(
        endpoint: Url,
        style: UrlStyle,
        bucket: &str,
        region: &str,
        roots: Option<Vec<Certificate>>,
    ) -> Result<S3Client, String> {
        let label = endpoint.as_str().trim_end_matches('/').to_owned();
        let bucket = Bucket::new(endpoint, style, bucket.to_owned(), region.to_owned())
            .map_err(|e| format!("cannot address bucket {bucket:?} at {label}: {e}"))?;
        let mut http = reqwest::Client::builder().connect_timeout(CONNECT_TIMEOUT);
        if let Some(roots) = roots {
            http = http.tls_certs_only(roots);
        }
        let http = http
            .build()
            .map_err(|e| format!("cannot set up the HTTP client: {e}"))?;
        Ok(S3Client {
            http,
            bucket,
            endpoint: label,
        })
    }

    /// The server URL, for messages.
    pub(crate) fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Sends a request; `Err` only when no answer came.
    async fn send(
        &self,
        operation: &'static str,
        request: RequestBuilder,
    ) -> Result<Answer, StoreError> {
        let response = request
            .send()
            .await
            .map_err(|e| transport(&self.endpoint, operation, e))?;
        if response.status().is_success() {
            return Ok(Ok(response));
        }
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        Ok(Err(ServerError::new(operation, status, &body)))
    }

    /// Maps an error answer to a [`StoreError`].
    pub(crate) fn fail(&self, error: ServerError) -> StoreError {
        error.into_store_error(&self.endpoint)
    }

    /// Whether the bucket exists (`HEAD` bucket).
    pub(crate) async fn bucket_exists(&self, creds: &Credentials) -> Result<bool, StoreError> {
        let url = HeadBucket::new(&self.bucket, Some(creds)).sign(SIGNED_FOR);
        match self.send("HEAD bucket", self.http.head(url)).await? {
            Ok(_) => Ok(true),
            Err(e) if e.is_not_found() => Ok(false),
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Creates the bucket in the client's region.
    pub(crate) async fn create_bucket(&self, creds: &Credentials) -> Result<(), StoreError> {
        let action = CreateBucket::new(&self.bucket, creds);
        let request = self.http.put(action.sign(SIGNED_FOR)).body(action.body());
        self.send("PUT bucket", request)
            .await?
            .map(drop)
            .map_err(|e| self.fail(e))
    }

    /// The size of object `key`, or `None` if it does not exist.
    pub(crate) async fn object_size(
        &self,
        creds: &Credentials,
        key: &str,
    ) -> Result<Option<u64>, StoreError> {
        let url = HeadObject::new(&self.bucket, Some(creds), key).sign(SIGNED_FOR);
        let response = match self.send("HEAD object", self.http.head(url)).await? {
            Ok(response) => response,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(self.fail(e)),
        };
        // Not `Response::content_length`: a HEAD answer has no body, so
        // that reports 0.
        response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok()?.parse().ok())
            .map(Some)
            .ok_or_else(|| {
                StoreError::Io(std::io::Error::other(format!(
                    "S3 at {} sent no Content-Length for object {key}",
                    self.endpoint
                )))
            })
    }

    /// The answer to `GET` object `key`, or `range` of it, its body not yet
    /// read. With `if_match` (an ETag) the server answers 412 if the object
    /// no longer has that ETag. The `Range` and `If-Match` headers are not
    /// signed (only `host` is, in a presigned URL), which S3 allows.
    pub(crate) async fn get_object(
        &self,
        creds: &Credentials,
        key: &str,
        range: Option<ByteRange>,
        if_match: Option<&str>,
    ) -> Result<Answer, StoreError> {
        let url = GetObject::new(&self.bucket, Some(creds), key).sign(SIGNED_FOR);
        let mut request = self.http.get(url);
        if let Some(range) = range {
            request = request.header(RANGE, format!("bytes={}-{}", range.start, range.end));
        }
        if let Some(etag) = if_match {
            request = request.header(IF_MATCH, etag);
        }
        self.send("GET object", request).await
    }

    /// Deletes object `key`; `false` if the server says it was not there.
    pub(crate) async fn delete_object(
        &self,
        creds: &Credentials,
        key: &str,
    ) -> Result<bool, StoreError> {
        let url = DeleteObject::new(&self.bucket, Some(creds), key).sign(SIGNED_FOR);
        match self.send("DELETE object", self.http.delete(url)).await? {
            Ok(_) => Ok(true),
            Err(e) if e.is_not_found() => Ok(false),
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Stores `body`, exactly `len` bytes, as object `key` in one request.
    pub(crate) async fn put_object(
        &self,
        creds: &Credentials,
        key: &str,
        body: Body,
        len: u64,
    ) -> Result<(), StoreError> {
        let url = PutObject::new(&self.bucket, Some(creds), key).sign(SIGNED_FOR);
        let request = self.http.put(url).header(CONTENT_LENGTH, len).body(body);
        self.send("PUT object", request)
            .await?
            .map(drop)
            .map_err(|e| self.fail(e))
    }

    /// Starts a multipart upload of object `key`; returns its upload id.
    pub(crate) async fn create_multipart(
        &self,
        creds: &Credentials,
        key: &str,
    ) -> Result<String, StoreError> {
        let url = CreateMultipartUpload::new(&self.bucket, Some(creds), key).sign(SIGNED_FOR);
        let response = self
            .send("POST multipart upload", self.http.post(url))
            .await?
            .map_err(|e| self.fail(e))?;
        let body = response
            .text()
            .await
            .map_err(|e| transport(&self.endpoint, "POST multipart upload", e))?;
        let created = CreateMultipartUpload::parse_response(&body).map_err(|e| {
            StoreError::Io(std::io::Error::other(format!(
                "S3 at {} sent an unreadable CreateMultipartUpload answer: {e}",
                self.endpoint
            )))
        })?;
        Ok(created.upload_id().to_owned())
    }

    /// Uploads part `number` of a multipart upload; returns its ETag.
    pub(crate) async fn upload_part(
        &self,
        creds: &Credentials,
        key: &str,
        upload_id: &str,
        number: u16,
        data: Bytes,
    ) -> Result<String, StoreError> {
        let url =
            UploadPart::new(&self.bucket, Some(creds), key, number, upload_id).sign(SIGNED_FOR);
        let response = self
            .send("PUT part", self.http.put(url).body(data))
            .await?
            .map_err(|e| self.fail(e))?;
        response
            .headers()
            .get(ETAG)
            .and_then(|etag| etag.to_str().ok())
            .map(str::to_owned)
            .ok_or_else(|| {
                StoreError::Io(std::io::Error::other(format!(
                    "S3 at {} sent no ETag for part {number} of {key}",
                    self.endpoint
                )))
            })
    }

    /// Completes a multipart upload from the ETags of parts 1, 2, ... in
    /// order. The answer's own ETag is not needed (Ceph RGW 16 leaves it
    /// empty); an error inside a 200 answer, which S3 may send once it has
    /// started answering, is a failure.
    pub(crate) async fn complete_multipart(
        &self,
        creds: &Credentials,
        key: &str,
        upload_id: &str,
        etags: &[String],
    ) -> Result<(), StoreError> {
        let action = CompleteMultipartUpload::new(
            &self.bucket,
            Some(creds),
            key,
            upload_id,
            etags.iter().map(String::as_str),
        );
        let url = action.sign(SIGNED_FOR);
        let request = self.http.post(url).body(action.body());
        let response = self
            .send("POST complete multipart upload", request)
            .await?
            .map_err(|e| self.fail(e))?;
        let status = response.status();
        let body = response
            .text()
            .await
            .map_err(|e| transport(&self.endpoint, "POST complete multipart upload", e))?;
        if body.contains("<Error>") {
            return Err(self.fail(ServerError::new(
                "POST complete multipart upload",
                status,
                &body,
            )));
        }
        Ok(())
    }

    /// Aborts a multipart upload, dropping its parts; one already gone is
    /// fine.
    pub(crate) async fn abort_multipart(
        &self,
        creds: &Credentials,
        key: &str,
        upload_id: &str,
    ) -> Result<(), StoreError> {
        let url =
            AbortMultipartUpload::new(&self.bucket, Some(creds), key, upload_id).sign(SIGNED_FOR);
        match self
            .send("DELETE multipart upload", self.http.delete(url))
            .await?
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(self.fail(e)),
        }
    }
}
