//! Raw memory: the argument block shared with JavaScript, and the few reads
//! of foreign memory the engine does itself (C strings, zero scans,
//! copies). Every other access to foreign memory goes through Buffers that
//! JavaScript bounds-checks.

use std::ffi::{c_char, CStr};
use std::ptr::NonNull;
use std::sync::atomic::AtomicU32;

/// Size of the argument block in bytes.
pub const BLOCK_BYTES: usize = 64 * 1024;
const BLOCK_WORDS: usize = BLOCK_BYTES / 8;

/// The per-environment argument block: `BLOCK_BYTES` in 8-byte slots,
/// viewed from JavaScript through an external ArrayBuffer. JavaScript
/// writes argument slots before entering the engine and reads the return
/// slot after; the engine never holds a Rust reference into it across a call
/// into JavaScript, only raw pointers. The size is a constant, so the bounds
/// checks of the constant slots the hot entry uses cost nothing.
///
/// `Block` owns the memory (it lives in the environment's `Shared` state,
/// which other threads keep alive); the environment's thread works through
/// a [`BlockRef`] copy of the pointer. Other threads touch only the control
/// words ([`Block::ctrl`]), atomically.
pub struct Block {
    ptr: NonNull<u64>,
}

// SAFETY: the memory is plain bytes owned by this value. The only accesses
// from other threads go through `ctrl`, as atomics; every Rust access to the
// control words is atomic (`BlockRef::ctrl` too), and the JavaScript views
// never write them (internal contract: `lib/internal/codegen.js` writes
// argument, return and scratch slots only).
unsafe impl Send for Block {}
// SAFETY: see `Send`.
unsafe impl Sync for Block {}

impl Default for Block {
    fn default() -> Self {
        Self::new()
    }
}

/// A control word of the block (`SLOT_CTRL` in `env.rs`): the synchronous
/// call depth of the environment's thread, and the pending-error flag other
/// threads raise.
#[derive(Clone, Copy)]
pub enum Ctrl {
    Depth = 0,
    Pending = 1,
}

/// The slot holding the control words (see `env.rs`, which re-exports it).
pub const SLOT_CTRL: usize = 36;

/// # Safety
/// `base` must point to a live block of `BLOCK_WORDS` slots whose control
/// words are only ever accessed atomically.
unsafe fn ctrl_word<'a>(base: NonNull<u64>, w: Ctrl) -> &'a AtomicU32 {
    // SAFETY: slot SLOT_CTRL is inside the block (const-asserted below) and
    // 8-byte aligned, so both halves are 4-byte aligned AtomicU32s; the
    // caller guarantees liveness and atomic-only access.
    unsafe { AtomicU32::from_ptr(base.as_ptr().add(SLOT_CTRL).cast::<u32>().add(w as usize)) }
}

const _: () = assert!(SLOT_CTRL < BLOCK_WORDS);

impl Block {
    pub fn new() -> Block {
        let b: Box<[u64]> = vec![0u64; BLOCK_WORDS].into_boxed_slice();
        let ptr = NonNull::new(Box::into_raw(b).cast::<u64>()).unwrap_or(NonNull::dangling());
        Block { ptr }
    }

    /// A copy of the pointer for the environment's thread.
    ///
    /// # Safety
    /// The view must not be used after this `Block` is dropped (its holder
    /// keeps the owner alive: `EnvState` holds the `Arc<Shared>` that owns
    /// its block).
    pub unsafe fn view(&self) -> BlockRef {
        BlockRef { ptr: self.ptr }
    }

    /// A control word, from any thread.
    pub fn ctrl(&self, w: Ctrl) -> &AtomicU32 {
        // SAFETY: `self` owns the live block for the borrow's lifetime;
        // control words are only accessed atomically (see `Send`).
        unsafe { ctrl_word(self.ptr, w) }
    }
}

impl Drop for Block {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from `Box::into_raw` of a boxed slice of exactly
        // `BLOCK_WORDS` u64s in `new`, and is released only here.
        drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(self.ptr.as_ptr(), BLOCK_WORDS)) });
    }
}

/// The environment thread's handle on its block (see [`Block::view`]:
/// whoever makes one keeps the owning `Block` alive while it is used).
#[derive(Clone, Copy)]
pub struct BlockRef {
    ptr: NonNull<u64>,
}

impl BlockRef {
    pub fn as_ptr(&self) -> *mut u64 {
        self.ptr.as_ptr()
    }

    pub fn bytes(&self) -> usize {
        BLOCK_BYTES
    }

    /// A control word (the same memory as [`Block::ctrl`]).
    #[inline(always)]
    pub fn ctrl(&self, w: Ctrl) -> &AtomicU32 {
        // SAFETY: the block is live while views of it are used (`view`'s
        // contract); control words are only accessed atomically.
        unsafe { ctrl_word(self.ptr, w) }
    }

    /// Reads slot `i`.
    #[inline(always)]
    pub fn read(&self, i: usize) -> u64 {
        assert!(i < BLOCK_WORDS, "block slot out of range");
        // SAFETY: `i < BLOCK_WORDS` (asserted) and the block is live
        // (`view`'s contract); any bit pattern is a valid u64.
        unsafe { self.ptr.as_ptr().add(i).read() }
    }

    /// Raw pointer to slot `i` (for the hot path, which reads argument slots
    /// straight into registers).
    #[inline(always)]
    pub fn slot_ptr(&self, i: usize) -> *const u64 {
        assert!(i < BLOCK_WORDS, "block slot out of range");
        // SAFETY: `i < BLOCK_WORDS`, inside the allocation.
        unsafe { self.ptr.as_ptr().add(i) }
    }

    /// Copies slots `start..start+out.len()` into `out`.
    #[inline(always)]
    pub fn read_into(&self, start: usize, out: &mut [u64]) {
        assert!(start + out.len() <= BLOCK_WORDS, "block slots out of range");
        // SAFETY: the source range is inside the live block (asserted;
        // `view`'s contract) and cannot overlap `out`, a distinct Rust slice.
        unsafe { std::ptr::copy_nonoverlapping(self.ptr.as_ptr().add(start), out.as_mut_ptr(), out.len()) }
    }

    #[inline(always)]
    pub fn write(&self, i: usize, v: u64) {
        assert!(i < BLOCK_WORDS, "block slot out of range");
        // SAFETY: `i < BLOCK_WORDS` (asserted), the block is live; no Rust
        // reference to the block exists (it is only accessed through this
        // raw pointer).
        unsafe { self.ptr.as_ptr().add(i).write(v) }
    }

    /// Copies `len` bytes starting at byte `off` out of the block.
    pub fn copy_bytes(&self, off: usize, len: usize) -> Vec<u8> {
        assert!(
            off.checked_add(len).is_some_and(|e| e <= BLOCK_BYTES),
            "block bytes out of range"
        );
        let mut v = vec![0u8; len];
        // SAFETY: the range is inside the live block (asserted above).
        unsafe { std::ptr::copy_nonoverlapping(self.ptr.as_ptr().cast::<u8>().add(off), v.as_mut_ptr(), len) };
        v
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

/// The address of the calling thread's `errno` (constant for the thread).
pub fn errno_location() -> *const i32 {
    // SAFETY: `__errno_location` has no preconditions.
    unsafe { libc::__errno_location() }
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
        let owner = Block::new();
        // SAFETY: `owner` outlives `b`.
        let b = unsafe { owner.view() };
        b.write(3, 42);
        assert_eq!(b.read(3), 42);
        let mut out = [0u64; 2];
        b.read_into(2, &mut out);
        assert_eq!(out, [0, 42]);
        assert_eq!(b.copy_bytes(24, 1), vec![42]);
    }

    #[test]
    fn control_words_are_block_memory_seen_alike_by_owner_and_view() {
        let owner = Block::new();
        // SAFETY: `owner` outlives `b`.
        let b = unsafe { owner.view() };
        owner.ctrl(Ctrl::Depth).store(3, std::sync::atomic::Ordering::Relaxed);
        b.ctrl(Ctrl::Pending).store(1, std::sync::atomic::Ordering::Relaxed);
        assert_eq!(b.ctrl(Ctrl::Depth).load(std::sync::atomic::Ordering::Relaxed), 3);
        assert_eq!(owner.ctrl(Ctrl::Pending).load(std::sync::atomic::Ordering::Relaxed), 1);
        // little-endian x86-64: depth in the low half of the slot
        #[cfg(target_endian = "little")]
        assert_eq!(b.read(SLOT_CTRL), 1 << 32 | 3);
    }

    #[test]
    #[should_panic]
    fn block_bounds() {
        let owner = Block::new();
        // SAFETY: `owner` outlives the view.
        unsafe { owner.view() }.read(BLOCK_WORDS);
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
