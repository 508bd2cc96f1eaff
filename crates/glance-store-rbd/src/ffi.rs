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
    fn rbd_write(image: ImageT, ofs: u64, len: usize, buf: *const c_char) -> isize;
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
pub(crate) struct Image {
    raw: ImageT,
    _ioctx: Arc<IoCtx>,
}

// SAFETY: an image handle is not tied to the thread that opened it; `Image`
// is not `Sync`, so it is used by one thread at a time.
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

    /// Writes `buf` at `offset` (inside the image); returns the bytes written.
    pub(crate) fn write(&mut self, offset: u64, buf: &[u8]) -> io::Result<usize> {
        // SAFETY: open image; `buf` is readable for the length passed.
        let n = unsafe { rbd_write(self.raw, offset, buf.len(), buf.as_ptr().cast()) };
        check_len(n)
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
        // SAFETY: the image came from `rbd_open*` and is closed once. A
        // close error leaves nothing to release.
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
