//! Raw memory: the argument block shared with JavaScript, and the few reads
//! of foreign memory the engine does itself (C strings, zero scans,
//! copies). Every other access to foreign memory goes through Buffers that
//! JavaScript bounds-checks.

use std::ffi::{c_char, CStr};
use std::ptr::NonNull;

/// The per-environment argument block: `words` 8-byte slots, owned here and
/// viewed from JavaScript through an external ArrayBuffer. JavaScript writes
/// argument slots before entering the engine and reads the return slot
/// after; the engine never holds a Rust reference into it across a call into
/// JavaScript, only this raw pointer.
pub struct Block {
    ptr: NonNull<u64>,
    words: usize,
}

impl Block {
    pub fn new(words: usize) -> Block {
        let b: Box<[u64]> = vec![0u64; words].into_boxed_slice();
        let ptr = NonNull::new(Box::into_raw(b).cast::<u64>()).unwrap_or(NonNull::dangling());
        Block { ptr, words }
    }

    pub fn as_ptr(&self) -> *mut u64 {
        self.ptr.as_ptr()
    }

    pub fn bytes(&self) -> usize {
        self.words * 8
    }

    /// Reads slot `i`.
    #[inline(always)]
    pub fn read(&self, i: usize) -> u64 {
        assert!(i < self.words, "block slot out of range");
        // SAFETY: `i < words` (asserted) and the allocation lives as long as
        // `self`; any bit pattern is a valid u64.
        unsafe { self.ptr.as_ptr().add(i).read() }
    }

    /// Raw pointer to slot `i` (for the hot path, which reads argument slots
    /// straight into registers).
    #[inline(always)]
    pub fn slot_ptr(&self, i: usize) -> *const u64 {
        assert!(i < self.words, "block slot out of range");
        // SAFETY: `i < words`, inside the allocation.
        unsafe { self.ptr.as_ptr().add(i) }
    }

    /// Copies slots `start..start+out.len()` into `out`.
    #[inline(always)]
    pub fn read_into(&self, start: usize, out: &mut [u64]) {
        assert!(start + out.len() <= self.words, "block slots out of range");
        // SAFETY: the source range is inside the allocation (asserted) and
        // cannot overlap `out`, which is a distinct Rust slice.
        unsafe { std::ptr::copy_nonoverlapping(self.ptr.as_ptr().add(start), out.as_mut_ptr(), out.len()) }
    }

    #[inline(always)]
    pub fn write(&self, i: usize, v: u64) {
        assert!(i < self.words, "block slot out of range");
        // SAFETY: `i < words` (asserted); no Rust reference to the block
        // exists (it is only accessed through this raw pointer).
        unsafe { self.ptr.as_ptr().add(i).write(v) }
    }

    /// Copies `len` bytes starting at byte `off` out of the block.
    pub fn copy_bytes(&self, off: usize, len: usize) -> Vec<u8> {
        assert!(
            off.checked_add(len).is_some_and(|e| e <= self.bytes()),
            "block bytes out of range"
        );
        let mut v = vec![0u8; len];
        // SAFETY: the range is inside the allocation (asserted above).
        unsafe { std::ptr::copy_nonoverlapping(self.ptr.as_ptr().cast::<u8>().add(off), v.as_mut_ptr(), len) };
        v
    }
}

impl Drop for Block {
    fn drop(&mut self) {
        // SAFETY: `ptr`/`words` came from `Box::into_raw` of a boxed slice of
        // exactly `words` u64s in `new`, and are released only here.
        drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(self.ptr.as_ptr(), self.words)) });
    }
}

/// Reads the NUL-terminated string at `addr` (lossy UTF-8).
///
/// # Safety
/// `addr` must be non-null and point to readable memory holding a NUL
/// terminator. This is the C contract of every `char *` the user declared.
pub unsafe fn read_cstring(addr: usize) -> String {
    // SAFETY: forwarded from the caller's contract.
    unsafe { CStr::from_ptr(addr as *const c_char) }
        .to_string_lossy()
        .into_owned()
}

/// Length of the bytes at `addr` before the first run of `width` zero bytes
/// aligned on `width` (ref-napi's `reinterpretUntilZeros`).
///
/// # Safety
/// Memory from `addr` up to and including that run must be readable.
pub unsafe fn until_zeros(addr: usize, width: usize) -> usize {
    let width = width.max(1);
    let p = addr as *const u8;
    let mut n = 0usize;
    loop {
        // SAFETY: the caller promises readability up to the terminating run;
        // we stop at the first all-zero chunk.
        let chunk = unsafe { std::slice::from_raw_parts(p.add(n), width) };
        if chunk.iter().all(|&b| b == 0) {
            return n;
        }
        n += width;
    }
}

/// Copies `len` bytes from `src` to `dst`.
///
/// # Safety
/// Both ranges must be valid for `len` bytes and not overlap.
pub unsafe fn copy(dst: usize, src: usize, len: usize) {
    // SAFETY: forwarded from the caller's contract.
    unsafe { std::ptr::copy_nonoverlapping(src as *const u8, dst as *mut u8, len) }
}

/// Reads the calling thread's `errno`.
#[inline(always)]
pub fn errno() -> i32 {
    // SAFETY: `__errno_location` returns this thread's errno slot, always valid.
    unsafe { *libc::__errno_location() }
}

/// Sets the calling thread's `errno`.
pub fn set_errno(v: i32) {
    // SAFETY: `__errno_location` returns this thread's errno slot, always valid.
    unsafe { *libc::__errno_location() = v };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_roundtrip() {
        let b = Block::new(8);
        b.write(3, 42);
        assert_eq!(b.read(3), 42);
        let mut out = [0u64; 2];
        b.read_into(2, &mut out);
        assert_eq!(out, [0, 42]);
        assert_eq!(b.copy_bytes(24, 1), vec![42]);
    }

    #[test]
    #[should_panic]
    fn block_bounds() {
        Block::new(2).read(2);
    }

    #[test]
    fn strings_and_zeros() {
        let s = b"hello\0";
        // SAFETY: `s` is NUL-terminated and alive.
        assert_eq!(unsafe { read_cstring(s.as_ptr() as usize) }, "hello");
        let w: [u16; 4] = [7, 9, 0, 5];
        // SAFETY: `w` contains an aligned zero u16.
        assert_eq!(unsafe { until_zeros(w.as_ptr() as usize, 2) }, 4);
    }
}
