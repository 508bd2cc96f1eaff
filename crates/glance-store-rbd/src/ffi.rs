//! The librados and librbd C functions this driver calls, and owning handle
//! types over them: the only module with `unsafe` code.
//!
//! Every method here is safe to call: a handle is only built from a
//! successful C constructor, it is released exactly once on drop, and it
//! keeps the handles it depends on alive (an image its pool context, a pool
//! context its cluster). Names become NUL-terminated copies that outlive the
//! call, and buffers are Rust slices whose length is passed along. A C error
//! (a negative errno) comes back as an [`io::Error`] with that OS error code.
#![allow(unsafe_code)]

use bytes::Bytes;
use std::collections::VecDeque;
use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::io;
use std::ptr;
use std::sync::Arc;

/// `rados_t`.
type RadosT = *mut c_void;
/// `rados_ioctx_t`.
type IoCtxT = *mut c_void;
/// `rbd_image_t`.
type ImageT = *mut c_void;
/// `rbd_completion_t`.
type CompletionT = *mut c_void;
/// `rbd_callback_t`.
type CallbackT = Option<unsafe extern "C" fn(CompletionT, *mut c_void)>;

/// `RBD_FEATURE_LAYERING`: the image's snapshots can be cloned.
pub(crate) const FEATURE_LAYERING: u64 = 1;

// SAFETY: these match the prototypes in <rados/librados.h>.
#[link(name = "rados")]
unsafe extern "C" {
    fn rados_create(cluster: *mut RadosT, id: *const c_char) -> c_int;
    fn rados_conf_read_file(cluster: RadosT, path: *const c_char) -> c_int;
    fn rados_conf_set(cluster: RadosT, option: *const c_char, value: *const c_char) -> c_int;
    fn rados_conf_get(
        cluster: RadosT,
        option: *const c_char,
        buf: *mut c_char,
        len: usize,
    ) -> c_int;
    fn rados_connect(cluster: RadosT) -> c_int;
    fn rados_cluster_fsid(cluster: RadosT, buf: *mut c_char, len: usize) -> c_int;
    fn rados_shutdown(cluster: RadosT);
    fn rados_ioctx_create(cluster: RadosT, pool: *const c_char, ioctx: *mut IoCtxT) -> c_int;
    fn rados_ioctx_destroy(ioctx: IoCtxT);
}

// SAFETY: these match the prototypes in <rbd/librbd.h>.
#[link(name = "rbd")]
unsafe extern "C" {
    fn rbd_create2(
        io: IoCtxT,
        name: *const c_char,
        size: u64,
        features: u64,
        order: *mut c_int,
    ) -> c_int;
    fn rbd_remove(io: IoCtxT, name: *const c_char) -> c_int;
    fn rbd_open(io: IoCtxT, name: *const c_char, image: *mut ImageT, snap: *const c_char) -> c_int;
    fn rbd_open_read_only(
        io: IoCtxT,
        name: *const c_char,
        image: *mut ImageT,
        snap: *const c_char,
    ) -> c_int;
    fn rbd_close(image: ImageT) -> c_int;
    fn rbd_get_size(image: ImageT, size: *mut u64) -> c_int;
    fn rbd_resize(image: ImageT, size: u64) -> c_int;
    fn rbd_read(image: ImageT, ofs: u64, len: usize, buf: *mut c_char) -> isize;
    fn rbd_aio_create_completion(
        cb_arg: *mut c_void,
        complete_cb: CallbackT,
        c: *mut CompletionT,
    ) -> c_int;
    fn rbd_aio_write(
        image: ImageT,
        off: u64,
        len: usize,
        buf: *const c_char,
        c: CompletionT,
    ) -> c_int;
    fn rbd_aio_read(image: ImageT, off: u64, len: usize, buf: *mut c_char, c: CompletionT)
    -> c_int;
    fn rbd_aio_wait_for_complete(c: CompletionT) -> c_int;
    fn rbd_aio_get_return_value(c: CompletionT) -> isize;
    fn rbd_aio_release(c: CompletionT);
    fn rbd_snap_create(image: ImageT, name: *const c_char) -> c_int;
    fn rbd_snap_protect(image: ImageT, name: *const c_char) -> c_int;
    fn rbd_snap_unprotect(image: ImageT, name: *const c_char) -> c_int;
    fn rbd_snap_remove(image: ImageT, name: *const c_char) -> c_int;
}

/// A cluster handle, shut down on drop. Configure it (`&mut self`) before
/// connecting and sharing it.
pub(crate) struct Rados(RadosT);

// SAFETY: librados cluster handles are thread safe for everything but
// configuration, and configuring takes `&mut self`.
unsafe impl Send for Rados {}
// SAFETY: as above; the shared (`&self`) methods only read the fsid and
// open pool contexts, both thread safe in librados.
unsafe impl Sync for Rados {}

impl Rados {
    /// A new, unconnected handle for the client `id` (`glance` for
    /// `client.glance`), or librados' default client when `None`.
    pub(crate) fn create(id: Option<&str>) -> io::Result<Rados> {
        let id = id.map(c_string).transpose()?;
        let mut raw = ptr::null_mut();
        // SAFETY: `raw` is a valid out pointer; `id` is NUL-terminated or null.
        check(unsafe { rados_create(&mut raw, id.as_deref().map_or(ptr::null(), CStr::as_ptr)) })?;
        Ok(Rados(raw))
    }

    /// Reads a Ceph config file, or searches the default locations when `None`.
    pub(crate) fn conf_read_file(&mut self, path: Option<&str>) -> io::Result<()> {
        let path = path.map(c_string).transpose()?;
        // SAFETY: live handle; `path` is NUL-terminated or null.
        check(unsafe {
            rados_conf_read_file(self.0, path.as_deref().map_or(ptr::null(), CStr::as_ptr))
        })
        .map(drop)
    }

    /// Sets a config option.
    pub(crate) fn conf_set(&mut self, option: &str, value: &str) -> io::Result<()> {
        let (option, value) = (c_string(option)?, c_string(value)?);
        // SAFETY: live handle; both strings are NUL-terminated.
        check(unsafe { rados_conf_set(self.0, option.as_ptr(), value.as_ptr()) }).map(drop)
    }

    /// The value of a config option.
    pub(crate) fn conf_get(&self, option: &str) -> io::Result<String> {
        let option = c_string(option)?;
        let mut buf = [0u8; 256];
        // SAFETY: live handle; `buf` is writable for the length passed.
        check(unsafe {
            rados_conf_get(self.0, option.as_ptr(), buf.as_mut_ptr().cast(), buf.len())
        })?;
        c_text(&buf)
    }

    /// Connects to the monitors and authenticates.
    pub(crate) fn connect(&mut self) -> io::Result<()> {
        // SAFETY: live handle.
        check(unsafe { rados_connect(self.0) }).map(drop)
    }

    /// The cluster fsid (a connected handle).
    pub(crate) fn fsid(&self) -> io::Result<String> {
        let mut buf = [0u8; 64];
        // SAFETY: live handle; `buf` is writable for the length passed.
        check(unsafe { rados_cluster_fsid(self.0, buf.as_mut_ptr().cast(), buf.len()) })?;
        c_text(&buf)
    }
}

impl Drop for Rados {
    fn drop(&mut self) {
        // SAFETY: the handle came from `rados_create` and is released once;
        // every pool context holds an `Arc` to it, so none is left.
        unsafe { rados_shutdown(self.0) }
    }
}

/// An I/O context on one pool, destroyed on drop.
pub(crate) struct IoCtx {
    raw: IoCtxT,
    _cluster: Arc<Rados>,
}

// SAFETY: librados I/O contexts are thread safe for I/O; this type never
// changes the context's settings (snapshot, namespace) after creation.
unsafe impl Send for IoCtx {}
// SAFETY: as above; librbd duplicates the context for each open image.
unsafe impl Sync for IoCtx {}

impl IoCtx {
    /// Opens `pool` on a connected cluster.
    pub(crate) fn new(cluster: Arc<Rados>, pool: &str) -> io::Result<IoCtx> {
        let pool = c_string(pool)?;
        let mut raw = ptr::null_mut();
        // SAFETY: connected handle kept alive by `cluster`; valid out pointer.
        check(unsafe { rados_ioctx_create(cluster.0, pool.as_ptr(), &mut raw) })?;
        Ok(IoCtx {
            raw,
            _cluster: cluster,
        })
    }

    /// Creates a format 2 image of `size` bytes with `features` and objects
    /// of `2^order` bytes.
    pub(crate) fn create_image(
        &self,
        name: &str,
        size: u64,
        features: u64,
        order: u32,
    ) -> io::Result<()> {
        let name = c_string(name)?;
        let mut order = c_int::try_from(order).map_err(io::Error::other)?;
        // SAFETY: live context; NUL-terminated name; valid in/out pointer.
        check(unsafe { rbd_create2(self.raw, name.as_ptr(), size, features, &mut order) }).map(drop)
    }

    /// Removes an image (which must have no snapshots and not be open).
    pub(crate) fn remove_image(&self, name: &str) -> io::Result<()> {
        let name = c_string(name)?;
        // SAFETY: live context; NUL-terminated name.
        check(unsafe { rbd_remove(self.raw, name.as_ptr()) }).map(drop)
    }

    /// Opens an image's head for writing.
    pub(crate) fn open(self: &Arc<Self>, name: &str) -> io::Result<Image> {
        let name = c_string(name)?;
        let mut raw = ptr::null_mut();
        // SAFETY: live context; NUL-terminated name; valid out pointer; a
        // null snapshot name means the head.
        check(unsafe { rbd_open(self.raw, name.as_ptr(), &mut raw, ptr::null()) })?;
        Ok(Image {
            raw,
            in_flight: VecDeque::new(),
            _ioctx: Arc::clone(self),
        })
    }

    /// Opens an image read-only, at `snapshot` or at the head when `None`.
    pub(crate) fn open_read_only(
        self: &Arc<Self>,
        name: &str,
        snapshot: Option<&str>,
    ) -> io::Result<Image> {
        let name = c_string(name)?;
        let snapshot = snapshot.map(c_string).transpose()?;
        let snap_ptr = snapshot.as_deref().map_or(ptr::null(), CStr::as_ptr);
        let mut raw = ptr::null_mut();
        // SAFETY: live context; NUL-terminated names (or null for the
        // head); valid out pointer.
        check(unsafe { rbd_open_read_only(self.raw, name.as_ptr(), &mut raw, snap_ptr) })?;
        Ok(Image {
            raw,
            in_flight: VecDeque::new(),
            _ioctx: Arc::clone(self),
        })
    }
}

impl Drop for IoCtx {
    fn drop(&mut self) {
        // SAFETY: the context came from `rados_ioctx_create`, is released
        // once, and every open image holds an `Arc` to it.
        unsafe { rados_ioctx_destroy(self.raw) }
    }
}

/// An open RBD image, closed on drop. Used from one thread at a time.
///
/// Asynchronous reads and writes ([`Image::aio_read`], [`Image::aio_write`])
/// are queued in the image itself: each queued operation owns its buffer
/// and its completion until [`Image::aio_wait_oldest`] has waited for it, so
/// librbd never sees a freed buffer. Dropping the image waits for every
/// queued operation before closing it.
pub(crate) struct Image {
    raw: ImageT,
    in_flight: VecDeque<Aio>,
    _ioctx: Arc<IoCtx>,
}

/// One asynchronous operation librbd may still be working on.
struct Aio {
    completion: CompletionT,
    offset: u64,
    buf: AioBuf,
}

/// The buffer of an asynchronous operation. Its heap memory does not move
/// while the operation is queued: a `Bytes` is never mutated, and a `Vec`
/// is never grown or shrunk until it is handed back.
pub(crate) enum AioBuf {
    /// The data of a write.
    Write(#[expect(dead_code, reason = "only kept alive for librbd")] Bytes),
    /// The destination of a read.
    Read(Vec<u8>),
}

/// A finished asynchronous operation.
pub(crate) struct AioDone {
    /// Where it started in the image.
    pub(crate) offset: u64,
    /// librbd's result: the bytes read (for a read).
    pub(crate) result: io::Result<usize>,
    /// The buffer, handed back.
    pub(crate) buf: AioBuf,
}

impl Aio {
    /// Waits for librbd to finish with the operation, then releases its
    /// completion and hands back the buffer.
    fn wait(self) -> AioDone {
        // SAFETY: the completion came from `rbd_aio_create_completion` and
        // was passed to a successful `rbd_aio_*` call; waiting on it is
        // always allowed before it is released.
        unsafe { rbd_aio_wait_for_complete(self.completion) };
        // SAFETY: as above; the operation is complete.
        let ret = unsafe { rbd_aio_get_return_value(self.completion) };
        // SAFETY: the operation is complete, so librbd no longer uses the
        // completion or the buffer; it is released exactly once (`self` is
        // consumed).
        unsafe { rbd_aio_release(self.completion) };
        AioDone {
            offset: self.offset,
            result: check_len(ret),
            buf: self.buf,
        }
    }
}

/// A new completion without a callback (waited for with
/// `rbd_aio_wait_for_complete`).
fn new_completion() -> io::Result<CompletionT> {
    let mut completion = ptr::null_mut();
    // SAFETY: valid out pointer; no callback, so the argument is unused.
    check(unsafe { rbd_aio_create_completion(ptr::null_mut(), None, &mut completion) })?;
    Ok(completion)
}

// SAFETY: an image handle and its completions are not tied to the thread
// that made them, and the queued buffers (`Bytes`, `Vec<u8>`) are `Send`;
// `Image` is not `Sync`, so it is used by one thread at a time.
unsafe impl Send for Image {}

impl Image {
    /// The size in bytes (of the snapshot, when opened at one).
    pub(crate) fn size(&self) -> io::Result<u64> {
        let mut size = 0;
        // SAFETY: open image; valid out pointer.
        check(unsafe { rbd_get_size(self.raw, &mut size) })?;
        Ok(size)
    }

    /// Grows or shrinks the image to `size` bytes.
    pub(crate) fn resize(&mut self, size: u64) -> io::Result<()> {
        // SAFETY: open image.
        check(unsafe { rbd_resize(self.raw, size) }).map(drop)
    }

    /// Reads up to `buf.len()` bytes at `offset`; returns how many were read.
    pub(crate) fn read(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        // SAFETY: open image; `buf` is writable for the length passed.
        let n = unsafe { rbd_read(self.raw, offset, buf.len(), buf.as_mut_ptr().cast()) };
        check_len(n)
    }

    /// Starts writing `data` at `offset` (inside the image) and queues the
    /// operation; [`Image::aio_wait_oldest`] gives its outcome. On an
    /// immediate error nothing is queued.
    pub(crate) fn aio_write(&mut self, offset: u64, data: Bytes) -> io::Result<()> {
        let completion = new_completion()?;
        // SAFETY: open image; `data` is readable for the length passed and
        // is kept (unmoved, unmodified) in the queue until the completion
        // has been waited for; the completion is fresh.
        let ret = unsafe {
            rbd_aio_write(
                self.raw,
                offset,
                data.len(),
                data.as_ptr().cast(),
                completion,
            )
        };
        self.queue(completion, ret, offset, AioBuf::Write(data))
    }

    /// Starts reading `len` bytes at `offset` into a new buffer and queues
    /// the operation; [`Image::aio_wait_oldest`] gives the data. On an
    /// immediate error nothing is queued.
    pub(crate) fn aio_read(&mut self, offset: u64, len: usize) -> io::Result<()> {
        // Zeroed by the allocator (fresh pages for large chunks).
        let mut buf = vec![0u8; len];
        let completion = new_completion()?;
        // SAFETY: open image; `buf` is writable for the length passed and
        // its heap memory is kept (unmoved, not resized) in the queue until
        // the completion has been waited for; the completion is fresh.
        let ret =
            unsafe { rbd_aio_read(self.raw, offset, len, buf.as_mut_ptr().cast(), completion) };
        self.queue(completion, ret, offset, AioBuf::Read(buf))
    }

    /// Queues a started operation, or releases its completion if librbd
    /// refused it.
    fn queue(
        &mut self,
        completion: CompletionT,
        ret: c_int,
        offset: u64,
        buf: AioBuf,
    ) -> io::Result<()> {
        if let Err(e) = check(ret) {
            // SAFETY: librbd refused the operation, so it never took the
            // completion (or the buffer); released once, here.
            unsafe { rbd_aio_release(completion) };
            return Err(e);
        }
        self.in_flight.push_back(Aio {
            completion,
            offset,
            buf,
        });
        Ok(())
    }

    /// How many asynchronous operations are queued.
    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Waits for the oldest queued operation and returns its outcome, or
    /// `None` if none is queued.
    pub(crate) fn aio_wait_oldest(&mut self) -> Option<AioDone> {
        self.in_flight.pop_front().map(Aio::wait)
    }

    /// Creates a snapshot of the head.
    pub(crate) fn snap_create(&mut self, name: &str) -> io::Result<()> {
        let name = c_string(name)?;
        // SAFETY: open image; NUL-terminated name.
        check(unsafe { rbd_snap_create(self.raw, name.as_ptr()) }).map(drop)
    }

    /// Protects a snapshot so it can be cloned.
    pub(crate) fn snap_protect(&mut self, name: &str) -> io::Result<()> {
        let name = c_string(name)?;
        // SAFETY: open image; NUL-terminated name.
        check(unsafe { rbd_snap_protect(self.raw, name.as_ptr()) }).map(drop)
    }

    /// Unprotects a snapshot: `EBUSY` while it has clones, `EINVAL` if it
    /// is not protected.
    pub(crate) fn snap_unprotect(&mut self, name: &str) -> io::Result<()> {
        let name = c_string(name)?;
        // SAFETY: open image; NUL-terminated name.
        check(unsafe { rbd_snap_unprotect(self.raw, name.as_ptr()) }).map(drop)
    }

    /// Removes an unprotected snapshot.
    pub(crate) fn snap_remove(&mut self, name: &str) -> io::Result<()> {
        let name = c_string(name)?;
        // SAFETY: open image; NUL-terminated name.
        check(unsafe { rbd_snap_remove(self.raw, name.as_ptr()) }).map(drop)
    }
}

impl Drop for Image {
    fn drop(&mut self) {
        // Every queued operation must finish before its buffer is freed and
        // the image closed; outcomes nobody asked for are dropped.
        while self.aio_wait_oldest().is_some() {}
        // SAFETY: the image came from `rbd_open*` and is closed once, with
        // no asynchronous operation left on it. A close error leaves
        // nothing to release.
        unsafe { rbd_close(self.raw) };
    }
}

/// A C return code: negative is `-errno`.
fn check(ret: c_int) -> io::Result<c_int> {
    if ret < 0 {
        Err(io::Error::from_raw_os_error(-ret))
    } else {
        Ok(ret)
    }
}

/// A C byte count: negative is `-errno`.
fn check_len(ret: isize) -> io::Result<usize> {
    usize::try_from(ret).map_err(|_| match i32::try_from(ret.unsigned_abs()) {
        Ok(errno) => io::Error::from_raw_os_error(errno),
        Err(_) => io::Error::other(format!("librbd returned {ret}")),
    })
}

/// `value` as a C string; an interior NUL is invalid input.
fn c_string(value: &str) -> io::Result<CString> {
    CString::new(value).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{value:?} contains a NUL byte"),
        )
    })
}

/// The NUL-terminated UTF-8 text a C call wrote into `buf`.
fn c_text(buf: &[u8]) -> io::Result<String> {
    CStr::from_bytes_until_nul(buf)
        .map_err(io::Error::other)?
        .to_str()
        .map(str::to_owned)
        .map_err(io::Error::other)
}
