//! Callback entry stubs of our own (x86-64 System V on Linux), used instead
//! of libffi closures for callbacks whose arguments all travel in registers
//! (at most 6 integer/pointer and 8 float/double) and whose result is a
//! scalar or void. libffi's closure entry classifies the arguments again on
//! every invocation; measured on the callback benchmark it was 13% of the
//! time per callback (~30 ns of ~235 ns). A stub costs two instructions and
//! the shared entry saves the argument registers in one frame.
//!
//! `STUBS` stubs are assembled into the addon (`global_asm!`: no code is
//! generated at run time, so no writable-and-executable memory). Stub `i`
//! loads its callback from `REFFI_STUB_SLOTS[i]` into r11 and jumps to
//! `stub_entry`,
//! which saves rdi..r9 and xmm0..7 in a [`RegFile`] on its stack, calls
//! [`stub_handler`] and returns the result slot in rax and xmm0. Stubs are
//! handed out once and never taken back (a callback core, and with it its
//! stub, is never freed: see `callback.rs`); past `STUBS` callbacks, or on
//! other platforms, callbacks use libffi closures as before.

use std::ffi::c_void;

/// A callback invocation's argument registers and result, as `stub_entry`
/// lays them out on its stack: 14 consecutive saved registers (a register
/// map entry indexes them), then the result.
#[repr(C)]
pub struct RegFile {
    pub gpr: [u64; 6],
    pub xmm: [u64; 8],
    /// The result: returned in rax and in xmm0 (the caller reads the one its
    /// return type uses). Zero unless the handler writes it.
    pub ret: u64,
    _pad: u64,
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod imp {
    use super::RegFile;
    use std::ffi::c_void;
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

    pub const STUBS: usize = 4096;
    /// Bytes per stub (`.balign 16` below).
    const STUB_BYTES: usize = 16;

    /// The callback of each stub. Read by the stubs' `mov` (an aligned
    /// 8-byte load, atomic on x86-64); written once, before the stub's
    /// address is handed out.
    static REFFI_STUB_SLOTS: [AtomicPtr<c_void>; STUBS] = [const { AtomicPtr::new(std::ptr::null_mut()) }; STUBS];
    static NEXT: AtomicUsize = AtomicUsize::new(0);

    std::arch::global_asm!(
        ".pushsection .text.reffi_stubs,\"ax\",@progbits",
        ".balign 16",
        "{base}:",
        ".set reffi_stub_i, 0",
        ".rept {n}",
        "mov r11, qword ptr [rip + {slots} + 8 * reffi_stub_i]",
        "jmp {entry}",
        ".balign 16",
        ".set reffi_stub_i, reffi_stub_i + 1",
        ".endr",
        ".popsection",
        base = sym reffi_stub_base,
        n = const STUBS,
        slots = sym REFFI_STUB_SLOTS,
        entry = sym stub_entry,
    );

    extern "C" {
        /// The first stub (a label defined by the `global_asm!` above).
        fn reffi_stub_base();
    }

    /// The shared entry: r11 holds the stub's slot value. Frame: rbp, then
    /// a 128-byte `RegFile` (16-byte aligned: rsp is 8 mod 16 at entry).
    #[unsafe(naked)]
    unsafe extern "C" fn stub_entry() {
        std::arch::naked_asm!(
            "push rbp",
            "mov rbp, rsp",
            "sub rsp, 128",
            "mov [rsp], rdi",
            "mov [rsp + 8], rsi",
            "mov [rsp + 16], rdx",
            "mov [rsp + 24], rcx",
            "mov [rsp + 32], r8",
            "mov [rsp + 40], r9",
            "movq [rsp + 48], xmm0",
            "movq [rsp + 56], xmm1",
            "movq [rsp + 64], xmm2",
            "movq [rsp + 72], xmm3",
            "movq [rsp + 80], xmm4",
            "movq [rsp + 88], xmm5",
            "movq [rsp + 96], xmm6",
            "movq [rsp + 104], xmm7",
            "mov qword ptr [rsp + 112], 0",
            "mov rdi, r11",
            "mov rsi, rsp",
            "call {handler}",
            "mov rax, [rsp + 112]",
            "movq xmm0, rax",
            "leave",
            "ret",
            handler = sym stub_handler,
        );
    }

    const _: () = assert!(std::mem::size_of::<RegFile>() == 128);

    /// Called by `stub_entry` with the stub's slot value and the saved
    /// registers. Catches panics: this is an entry from C.
    unsafe extern "C" fn stub_handler(data: *const c_void, regs: *mut RegFile) {
        let _ = catch_unwind(AssertUnwindSafe(|| {
            if data.is_null() {
                return;
            }
            // SAFETY: `regs` is the `RegFile` in `stub_entry`'s frame, live
            // and exclusively ours for this call; a non-null `data` is what
            // `allocate` was given, a callback core that is never freed.
            unsafe { crate::callback::invoke_from_stub(data, &mut *regs) };
        }));
    }

    /// Hands out a stub that calls `callback::invoke_from_stub` with
    /// `data`: its code address, or `None` once all are taken.
    ///
    /// # Safety
    /// `data` must be what `invoke_from_stub` expects (a callback core with
    /// a register map) and stay valid for as long as the code can be called:
    /// callback cores are never freed.
    pub unsafe fn allocate(data: *const c_void) -> Option<usize> {
        let i = NEXT.fetch_add(1, Ordering::Relaxed);
        if i >= STUBS {
            NEXT.store(STUBS, Ordering::Relaxed);
            return None;
        }
        REFFI_STUB_SLOTS[i].store(data as *mut c_void, Ordering::Release);
        Some(reffi_stub_base as *const () as usize + i * STUB_BYTES)
    }

    /// How many stubs are handed out.
    pub fn used() -> usize {
        NEXT.load(Ordering::Relaxed).min(STUBS)
    }
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
mod imp {
    use std::ffi::c_void;

    /// # Safety
    /// Nothing to uphold: there are no stubs on this platform.
    pub unsafe fn allocate(_data: *const c_void) -> Option<usize> {
        None
    }

    pub fn used() -> usize {
        0
    }
}

pub use imp::{allocate, used};

/// An identity of the calling thread, cheap to read: the x86-64 thread
/// pointer (`fs:0`, which the ELF TLS ABI makes point to itself: unique per
/// live thread), elsewhere `pthread_self`. The callback entry compares it
/// with the owner environment's on every invocation; `pthread_self` through
/// the PLT cost a few ns there.
#[inline(always)]
pub fn thread_id() -> usize {
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    {
        let tp: usize;
        // SAFETY: reads the thread control block's self pointer at fs:0,
        // which the x86-64 ELF TLS ABI requires every thread to have (glibc
        // and musl alike); no memory is written, no flags change.
        unsafe {
            std::arch::asm!("mov {}, qword ptr fs:[0]", out(reg) tp, options(nostack, readonly, preserves_flags))
        };
        tp
    }
    #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
    {
        // SAFETY: `pthread_self` has no preconditions.
        unsafe { libc::pthread_self() as usize }
    }
}

/// Where each argument of a signature arrives: integer-class arguments in
/// rdi..r9 in order, float/double in xmm0..7 in order. `None` if the
/// signature does not fit in registers (or a type is not a register scalar).
pub fn register_map(is_float: impl Iterator<Item = Option<bool>>) -> Option<Vec<u8>> {
    let (mut k, mut j) = (0u8, 0u8);
    let mut map = Vec::new();
    for f in is_float {
        if f? {
            if j == 8 {
                return None;
            }
            map.push(6 + j);
            j += 1;
        } else {
            if k == 6 {
                return None;
            }
            map.push(k);
            k += 1;
        }
    }
    Some(map)
}

/// Pointers to each argument's saved register, for a signature's
/// `register_map`: the form libffi hands a closure (`void **args`).
pub fn arg_pointers(regs: &mut RegFile, map: &[u8], out: &mut [*mut c_void]) {
    for (o, &m) in out.iter_mut().zip(map) {
        let m = m as usize;
        *o = if m < 6 {
            (&mut regs.gpr[m] as *mut u64).cast()
        } else {
            (&mut regs.xmm[m - 6] as *mut u64).cast()
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_ids_differ_between_threads_and_are_stable() {
        let here = thread_id();
        assert_eq!(here, thread_id());
        let there = std::thread::spawn(thread_id).join().unwrap();
        assert_ne!(here, there);
        // SAFETY: `pthread_self` has no preconditions.
        let me = unsafe { libc::pthread_self() } as usize;
        #[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
        assert_eq!(here, me, "glibc: the thread pointer is pthread_self");
        let _ = me;
    }

    #[test]
    fn register_maps() {
        let m = register_map([Some(false), Some(true), Some(false), Some(true)].into_iter());
        assert_eq!(m, Some(vec![0, 6, 1, 7]));
        assert_eq!(register_map(std::iter::repeat_n(Some(false), 7)), None);
        assert_eq!(register_map(std::iter::repeat_n(Some(true), 9)), None);
        assert_eq!(register_map([Some(false), None].into_iter()), None);
    }
}
