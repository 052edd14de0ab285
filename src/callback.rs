//! Callbacks: C function pointers that run JavaScript.
//!
//! Each `ffi.Callback` is a libffi closure whose user data is a
//! [`CallbackCore`]. When C calls it:
//! - on the thread of the environment that made it (typically during a
//!   synchronous foreign call such as `qsort`), the JavaScript function runs
//!   at once and a thrown exception stays pending, so it surfaces from the
//!   foreign call that triggered it;
//! - on any other thread, the invocation is queued to the environment's
//!   thread through one thread-safe function, and the calling thread waits
//!   for the result. If that environment's thread stays blocked inside a
//!   synchronous foreign call it cannot service the request; after a short
//!   grace ([`BLOCKED_GRACE`]) the invocation is abandoned (C receives zero)
//!   and the blocked call throws `ERR_REFFI_CALLBACK_THREAD_BLOCKED` when it
//!   returns — never a silent deadlock. A JS exception thrown there is
//!   reported as an uncaught exception.
//!
//! Lifetime: the core holds the JS function weakly; the JS callback object
//! (a pointer Buffer) holds it strongly, so the callback lives exactly as
//! long as JavaScript holds that object. A released (or garbage-collected)
//! callback keeps its code and a small tombstone, so C calling a stale
//! pointer gets a clear error and a zero result instead of a jump into freed
//! memory; past [`TOMBSTONE_QUARANTINE`] releases of one signature the
//! oldest tombstone's code is recycled for a new callback of that signature.
//!
//! Signatures of scalars use the block protocol: the C arguments go into
//! the argument block and the JS wrapper takes none (see `call_block`).

use std::collections::VecDeque;
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::null_mut;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use libffi::middle::Cif;
use libffi::raw::{ffi_cif, ffi_closure};
use napi::sys;

use crate::env::{EnvState, Shared, TsfnHandle, CB_BLOCK_MAX_ARGS, SLOT_CB_ARG0, SLOT_CB_RET};
use crate::error::{Error, Result};
use crate::memory::BlockRef;
use crate::napi_env::Env;
use crate::plan::MAX_ARGS;
use crate::raw_values::BlockScalar;
use crate::types::TypeDesc;

/// How long the JS thread may stay inside synchronous foreign calls while a
/// foreign thread waits for a callback before the request is abandoned.
/// Short calls that merely overlap the request do not trip it.
pub const BLOCKED_GRACE: Duration = Duration::from_millis(50);
const BUSY_TICK: Duration = Duration::from_millis(1);
const IDLE_TICK: Duration = Duration::from_millis(10);

/// Released (or garbage-collected) callbacks of one signature kept as
/// tombstones before their closures are recycled. A tombstone costs about
/// 100 bytes (our state plus libffi's closure and trampoline); keeping them
/// all forever grew memory without bound under callback churn. Beyond this
/// many, a new callback of the same signature takes over the oldest
/// tombstone's code address — as freed memory is reused in C — so C calling
/// a callback released more than this many releases ago runs the new one.
pub const TOMBSTONE_QUARANTINE: usize = 16384;

/// Callbacks per synchronous call that run without a handle scope of their
/// own. A callback of the block protocol leaves one handle (the call's
/// result) in the enclosing scope, others one per argument more: at most
/// about 0.5 MB of handles either way before callbacks open scopes (an
/// allocation each in Node-API: ~10% of a qsort comparison here).
const SCOPELESS_CALLBACKS: u32 = 4096;
const SCOPELESS_BLOCK_CALLBACKS: u32 = 65536;

/// What every callback of one signature shares: the types, libffi's call
/// interface and the block layout. Interned per environment
/// (`EnvState::callback_sigs`), so a callback's own state — kept as a
/// tombstone once released — is a few dozen bytes plus libffi's closure.
/// Signatures and tombstones are never freed (C may still hold a code
/// pointer); the tombstone queue holding its cores is a deliberate cycle.
pub struct CallbackSig {
    args: Vec<TypeDesc>,
    ret: TypeDesc,
    ret_size: usize,
    /// The block protocol's layout, if this signature uses it: the JS
    /// wrapper takes no arguments, reads them from the argument block and
    /// writes its result there (no Node-API value conversions at all).
    block: Option<BlockSig>,
    /// Where each argument arrives when every argument travels in a
    /// register and the result is a scalar or void
    /// (`trampoline::register_map`): callbacks of it use our own entry stubs
    /// (`trampoline.rs`) instead of libffi closures while stubs last.
    regs: Option<Vec<u8>>,
    cif: Cif,
    /// Released callbacks of this signature, oldest first (see
    /// [`TOMBSTONE_QUARANTINE`]). Touched only on the owner thread, at
    /// create and release.
    tombstones: Mutex<VecDeque<Arc<CallbackCore>>>,
}

struct BlockSig {
    args: Vec<BlockScalar>,
    /// `None` for a void result.
    ret: Option<BlockScalar>,
}

// SAFETY: the cif (raw pointers inside) is written once in `signature` and
// only read afterwards (by libffi, from whichever thread calls a closure
// using it); the other fields are Send/Sync on their own (the tombstone
// queue is behind a Mutex).
unsafe impl Send for CallbackSig {}
// SAFETY: see above: the cif is immutable after construction.
unsafe impl Sync for CallbackSig {}

/// The C entry of one callback: a libffi closure (its writable half and its
/// code), or one of our stubs (`closure` null).
struct Native {
    closure: *mut ffi_closure,
    code: usize,
}
// SAFETY: written once in `create` and only read afterwards (by libffi,
// from whichever thread calls the code pointer).
unsafe impl Send for Native {}
// SAFETY: see above: immutable after construction.
unsafe impl Sync for Native {}

pub struct CallbackCore {
    /// Changes when a tombstone is recycled (see [`TOMBSTONE_QUARANTINE`]).
    id: AtomicU32,
    alive: AtomicBool,
    shared: Arc<Shared>,
    hub: Arc<Hub>,
    owner: usize,
    /// The environment's thread.
    owner_thread: usize,
    raw_env: usize,
    sig: Arc<CallbackSig>,
    /// Weak reference to the JS function (the JS callback object holds it
    /// strongly); touched only on the owner thread.
    js: AtomicPtr<sys::napi_ref__>,
    /// The JS function's handle, valid during the outermost synchronous
    /// call numbered `fn_epoch` (see [`FnCache`]); owner thread only.
    fn_cache: AtomicPtr<sys::napi_value__>,
    fn_epoch: AtomicU64,
    native: Native,
}

/// Whether a callback may use (and store) the handle of its JS function
/// cached for the current outermost synchronous call. Without a handle
/// scope of its own, a callback's handles live in the scope of the native
/// entry of the outermost synchronous call, so a handle made by a callback
/// at depth 1 stays valid until that call returns: the callbacks of one
/// `qsort` then look the function up once instead of once per comparison.
#[derive(Clone, Copy)]
enum FnCache {
    Off,
    Use { epoch: u64, store: bool },
}

impl CallbackCore {
    pub fn id(&self) -> u32 {
        self.id.load(Ordering::Relaxed)
    }

    pub fn code(&self) -> usize {
        self.native.code
    }

    /// Marks the callback dead; later invocations report an error.
    pub fn kill(&self) {
        self.alive.store(false, Ordering::Release);
    }

    /// Releases the callback: dead from now on, JS function unreferenced.
    pub fn release(&self, env: &Env) {
        self.kill();
        self.fn_epoch.store(0, Ordering::Relaxed);
        let r = self.js.swap(null_mut(), Ordering::AcqRel);
        if !r.is_null() {
            env.delete_reference(r);
        }
    }

    fn released_error(&self) -> Error {
        Error::callback_released(format!(
            "callback #{} was called by C after it was released or garbage-collected; C received 0",
            self.id()
        ))
    }

    fn dispatch(&self, ret: *mut c_void, args: *mut *mut c_void) {
        if self.lean_call(ret, ArgSource::Libffi(args)) {
            return;
        }
        zero_ret(ret, self.sig.ret_size);
        if !self.shared.alive.load(Ordering::Acquire) {
            // The environment is gone (worker terminated): nobody is left
            // to tell; C gets zero.
            return;
        }
        // (`trampoline::thread_id` reads the thread pointer; the
        // thread-local lookup of `EnvState::current_ptr` is a
        // `__tls_get_addr` call.)
        let on_owner = crate::trampoline::thread_id() == self.owner_thread;
        if !on_owner && self.hub.exiting.load(Ordering::Acquire) {
            // The JS thread is exiting and will never serve the queue again.
            return;
        }
        if !self.alive.load(Ordering::Acquire) {
            let e = self.released_error();
            if on_owner {
                // SAFETY: on the owner thread the environment is alive
                // (checked above) and we are inside a native call from it.
                unsafe { Env::from_raw(self.raw_env as sys::napi_env) }.throw(&e);
            } else {
                // Reported on the JS thread as an uncaught exception; this
                // thread does not wait for it.
                self.post(Item::Report(e));
            }
            return;
        }
        if on_owner {
            // SAFETY: we are on the environment's own thread, inside a foreign
            // call it made, so its napi_env is valid here.
            let env = unsafe { Env::from_raw(self.raw_env as sys::napi_env) };
            // SAFETY: `owner` is the state of the environment whose thread
            // this is (`owner_thread`). Checked above, that environment is
            // alive, and its state is freed only on this thread, after
            // `alive` is cleared (`EnvState::uninstall`), so it outlives this
            // call. (A new thread with a recycled pthread_t would see a dead
            // environment's `alive` cleared first.)
            self.invoke_sync(&env, unsafe { &*(self.owner as *const EnvState) }, ret, args);
        } else {
            self.via_event_loop(ret, args);
        }
    }

    /// The common case in few steps: a block-protocol callback on its own
    /// thread, inside a synchronous call that already looked its function
    /// up ([`FnCache`]), with no handle scope needed. `args`: where the C
    /// arguments are (libffi's argument pointers or a stub's saved
    /// registers). Returns false (having done nothing)
    /// when any of that does not hold: then the general path runs. The
    /// layered general path cost ~30 ns more per callback here.
    #[inline(always)]
    fn lean_call(&self, ret: *mut c_void, args: ArgSource) -> bool {
        let Some(b) = &self.sig.block else { return false };
        // (A live callback on its owner thread implies a live environment:
        // `EnvState::uninstall`, on that thread, kills every live callback
        // before it frees the state; a tombstone is dead already.)
        if crate::trampoline::thread_id() != self.owner_thread || !self.alive.load(Ordering::Acquire) {
            return false;
        }
        // SAFETY: on the owner thread, and the callback alive, so its
        // environment is alive (above) and its state outlives this call.
        let st = unsafe { &*(self.owner as *const EnvState) };
        if st.sync_depth() == 0 || st.callbacks_in_call.get() >= SCOPELESS_BLOCK_CALLBACKS {
            return false;
        }
        let epoch = st.sync_epoch.get();
        let f = self.fn_cache.load(Ordering::Relaxed);
        if f.is_null() || self.fn_epoch.load(Ordering::Relaxed) != epoch {
            return false;
        }
        st.note_callback_in_call();
        // SAFETY: on the environment's own thread, inside a foreign call it
        // made, its napi_env is valid.
        let env = unsafe { Env::from_raw(self.raw_env as sys::napi_env) };
        match args {
            ArgSource::Libffi(args) => self.write_block_args(&st.block, args),
            // SAFETY: the caller's contract of `ArgSource::Registers`.
            ArgSource::Registers(saved, map) => unsafe { write_args_from_registers(b, &st.block, saved, map) },
        }
        // (`f` is a handle made in this outermost call: `FnCache`)
        let r = env.call_self(f, &[]).map(|_| {
            if let Some(s) = b.ret {
                // SAFETY: `ret` has at least 8 writable bytes (libffi's
                // result buffer, or the stub's result slot).
                unsafe { s.store(st.block.read(SLOT_CB_RET), ret) };
            }
        });
        if let Err(e) = r {
            zero_ret(ret, self.sig.ret_size);
            env.throw(&e);
        }
        true
    }

    /// Queues `item` to the environment's thread. Returns false if the
    /// thread-safe function is gone or refused it (the item is dropped).
    fn post(&self, item: Item) -> bool {
        let Ok(guard) = self.shared.tsfn.read() else {
            return false;
        };
        let Some(h) = *guard else { return false };
        let data = Box::into_raw(Box::new(item)) as *mut c_void;
        // SAFETY: the handle is live while the read lock is held (its
        // finalizer clears it under the write lock); `data` is an owned Box
        // that `call_js` reclaims.
        let st = unsafe { sys::napi_call_threadsafe_function(h.0, data, sys::ThreadsafeFunctionCallMode::blocking) };
        if st != sys::Status::napi_ok {
            // SAFETY: the queue refused the item, so ownership is still ours.
            drop(unsafe { Box::from_raw(data as *mut Item) });
            return false;
        }
        true
    }

    /// A call from a thread other than the environment's: queue it to the
    /// environment's event loop and wait. While waiting, watch for the JS
    /// thread being stuck inside one synchronous foreign call (typically the
    /// very call that started this thread and now joins it): if it stays
    /// inside synchronous calls for [`BLOCKED_GRACE`], the request cannot be
    /// serviced, so it is abandoned (C gets zero) and the blocked call throws
    /// `ERR_REFFI_CALLBACK_THREAD_BLOCKED` when it returns.
    fn via_event_loop(&self, ret: *mut c_void, args: *mut *mut c_void) {
        let waiter = Arc::new(Waiter {
            core: self as *const CallbackCore,
            args,
            out: OutBuf::new(self.sig.ret_size),
            state: Mutex::new(WaitState::Pending),
            cv: Condvar::new(),
        });
        if !self.post(Item::Call(waiter.clone())) {
            return;
        }
        let Ok(mut s) = waiter.state.lock() else { return };
        let mut busy_since: Option<Instant> = None;
        loop {
            let exiting = self.hub.exiting.load(Ordering::Acquire);
            match *s {
                WaitState::Done => {
                    // SAFETY: Done: the JS thread finished writing `out` before
                    // setting the state under the lock we hold; `ret` is
                    // libffi's result buffer of at least max(size, 8) bytes.
                    unsafe { waiter.out.copy_to(ret, self.sig.ret_size) };
                    return;
                }
                WaitState::Cancelled => return,
                // The JS thread is reading the arguments out of our frame.
                WaitState::Reading => busy_since = None,
                WaitState::Called => {
                    // JS runs and writes into `out`, which the waiter owns:
                    // leaving now is safe. Only done when the process is
                    // exiting from inside this very callback.
                    if exiting {
                        *s = WaitState::Cancelled;
                        return;
                    }
                    busy_since = None;
                }
                WaitState::Pending => {
                    if exiting || !self.shared.alive.load(Ordering::Acquire) || !self.alive.load(Ordering::Acquire) {
                        // Exiting, environment gone, or the callback released
                        // before it could run: C gets 0.
                        *s = WaitState::Cancelled;
                        return;
                    }
                    if self.shared.sync_depth() > 0 {
                        let since = *busy_since.get_or_insert_with(Instant::now);
                        if since.elapsed() >= BLOCKED_GRACE {
                            *s = WaitState::Cancelled;
                            drop(s);
                            self.shared.set_pending(Error::callback_thread(format!(
                                "callback #{} was called from another thread while its JavaScript thread was blocked in a synchronous foreign call; C received 0. Call functions that make other threads run callbacks and wait for them with .async().",
                                self.id()
                            )));
                            return;
                        }
                    } else {
                        busy_since = None;
                    }
                }
            }
            // Sample often while the JS thread is inside a synchronous call;
            // otherwise `finish` wakes us.
            let tick = if busy_since.is_some() { BUSY_TICK } else { IDLE_TICK };
            s = match waiter.cv.wait_timeout(s, tick) {
                Ok((g, _)) => g,
                Err(_) => return,
            };
        }
    }

    /// Runs the JS function on the owner thread, inside the foreign call
    /// that invoked it: an error stays pending (or is thrown) so it
    /// surfaces from that call.
    ///
    /// A handle scope costs an allocation in Node-API, so the first
    /// `SCOPELESS_CALLBACKS` callbacks of a synchronous call
    /// (`SCOPELESS_BLOCK_CALLBACKS` for the block protocol: a qsort of a few
    /// thousand elements, say) leave their few handles in the enclosing call's
    /// scope, released when it returns; past that, each callback gets its
    /// own scope so a long-running call does not accumulate handles.
    fn invoke_sync(&self, env: &Env, st: &EnvState, ret: *mut c_void, args: *mut *mut c_void) {
        let depth = st.sync_depth();
        let in_call = depth > 0;
        let limit = if self.sig.block.is_some() {
            SCOPELESS_BLOCK_CALLBACKS
        } else {
            SCOPELESS_CALLBACKS
        };
        let scoped = !in_call || st.note_callback_in_call() >= limit;
        let cache = if in_call {
            FnCache::Use {
                epoch: st.sync_epoch.get(),
                store: depth == 1 && !scoped,
            }
        } else {
            FnCache::Off
        };
        let scope = if scoped {
            match env.open_scope() {
                Ok(s) => Some(s),
                Err(_) => return,
            }
        } else {
            None
        };
        let r = if self.sig.block.is_some() {
            self.write_block_args(&st.block, args);
            self.call_block(env, &st.block, ret, cache)
        } else {
            self.read_args(env, args)
                .and_then(|(argv, n)| self.call_and_store(env, &argv[..n], ret, cache))
        };
        if let Err(e) = r {
            zero_ret(ret, self.sig.ret_size);
            env.throw(&e);
        }
        if let Some(s) = scope {
            env.close_scope(s);
        }
    }

    /// Block protocol: writes the C arguments into the callback region of
    /// the argument block. The JS wrapper copies them out before it runs
    /// any user code, so a callback nested inside this one (through a
    /// foreign call the user code makes) may reuse the region.
    fn write_block_args(&self, block: &BlockRef, args: *mut *mut c_void) {
        let Some(b) = &self.sig.block else { return };
        for (i, s) in b.args.iter().enumerate() {
            // SAFETY: libffi passes one valid pointer per declared argument,
            // to a value of that argument's type (which `s` was made from);
            // the C frame is live (the caller waits for us).
            let bits = unsafe { s.load(*args.add(i)) };
            block.write(SLOT_CB_ARG0 + i, bits);
        }
    }

    /// Block protocol: calls the zero-argument JS wrapper and stores the
    /// result it left in the block at `ret` (at least `max(ret_size, 8)`
    /// writable bytes).
    fn call_block(&self, env: &Env, block: &BlockRef, ret: *mut c_void, cache: FnCache) -> Result<()> {
        let f = self.js_function(env, cache)?;
        // (the generated wrapper does not use `this`)
        env.call_self(f, &[])?;
        if let Some(Some(s)) = self.sig.block.as_ref().map(|b| b.ret) {
            // SAFETY: `ret` has at least 8 writable bytes (contract).
            unsafe { s.store(block.read(SLOT_CB_RET), ret) };
        }
        Ok(())
    }

    /// The JS function to call (see [`FnCache`]).
    fn js_function(&self, env: &Env, cache: FnCache) -> Result<sys::napi_value> {
        let r = self.js.load(Ordering::Acquire);
        if r.is_null() {
            return Err(self.released_error());
        }
        if let FnCache::Use { epoch, store } = cache {
            if self.fn_epoch.load(Ordering::Relaxed) == epoch {
                let f = self.fn_cache.load(Ordering::Relaxed);
                if !f.is_null() {
                    return Ok(f);
                }
            }
            // The reference is weak: the function is gone once JavaScript
            // dropped the callback, even before its finalizer released it.
            let f = env.deref(r).map_err(|_| self.released_error())?;
            if store {
                self.fn_cache.store(f, Ordering::Relaxed);
                self.fn_epoch.store(epoch, Ordering::Relaxed);
            }
            return Ok(f);
        }
        env.deref(r).map_err(|_| self.released_error())
    }

    /// The JS values of the C arguments.
    /// Converts the C arguments; no allocation (a fixed array of handles).
    fn read_args(&self, env: &Env, args: *mut *mut c_void) -> Result<([sys::napi_value; MAX_ARGS], usize)> {
        let mut argv = [std::ptr::null_mut(); MAX_ARGS];
        for (i, t) in self.sig.args.iter().enumerate().take(MAX_ARGS) {
            // SAFETY: libffi passes one valid pointer per declared argument;
            // the caller guarantees the C frame is still live.
            let p = unsafe { *args.add(i) } as usize;
            argv[i] = crate::raw_values::c_to_js(env, t, p)?;
        }
        Ok((argv, self.sig.args.len().min(MAX_ARGS)))
    }

    /// Calls the JS function and writes its converted result at `ret`
    /// (at least `max(ret_size, 8)` writable bytes).
    fn call_and_store(&self, env: &Env, argv: &[sys::napi_value], ret: *mut c_void, cache: FnCache) -> Result<()> {
        let f = self.js_function(env, cache)?;
        // (the generated wrapper does not use `this`)
        let out = env.call_self(f, argv)?;
        crate::raw_values::js_to_c(env, &self.sig.ret, out, ret as usize, self.sig.ret_size)
    }
}

fn zero_ret(ret: *mut c_void, size: usize) {
    if !ret.is_null() {
        if size <= 8 {
            // SAFETY: libffi's result buffer holds at least an ffi_arg (8
            // bytes); one store instead of a memset call.
            unsafe { ret.cast::<u64>().write_unaligned(0) };
        } else {
            // SAFETY: libffi's result buffer holds at least `size` bytes.
            unsafe { std::ptr::write_bytes(ret.cast::<u8>(), 0, size) };
        }
    }
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum WaitState {
    /// Queued; the JS thread has not taken it yet.
    Pending,
    /// The JS thread is converting the arguments (reads the waiter's frame).
    Reading,
    /// The JS function runs; the result goes to the waiter's own buffer.
    Called,
    Done,
    Cancelled,
}

/// A result buffer owned by the request, so the JS thread never writes into
/// a C frame that may be gone (see `WaitState::Called`).
struct OutBuf(std::cell::UnsafeCell<Vec<u64>>);

impl OutBuf {
    fn new(size: usize) -> OutBuf {
        OutBuf(std::cell::UnsafeCell::new(vec![0u64; size.div_ceil(8).max(1)]))
    }
    fn as_ptr(&self) -> *mut c_void {
        // SAFETY: only the JS thread writes (state Called), only the waiter
        // reads (state Done); the state mutex orders the two.
        unsafe { (*self.0.get()).as_mut_ptr().cast() }
    }
    /// # Safety
    /// No writer may be active (state Done); `ret` must have `max(size, 8)`
    /// writable bytes.
    unsafe fn copy_to(&self, ret: *mut c_void, size: usize) {
        // SAFETY: the buffer holds at least max(size, 8) bytes (rounded up
        // to whole words); `ret` per the contract; they do not overlap.
        unsafe { std::ptr::copy_nonoverlapping(self.as_ptr().cast::<u8>(), ret.cast::<u8>(), size.max(8)) };
    }
}

struct Waiter {
    core: *const CallbackCore,
    args: *mut *mut c_void,
    out: OutBuf,
    state: Mutex<WaitState>,
    cv: Condvar,
}

/// What a foreign thread hands to the environment's thread.
enum Item {
    /// Run the callback and wake the waiting thread.
    Call(Arc<Waiter>),
    /// Report an error as an uncaught exception (nobody waits).
    Report(Error),
}

// SAFETY: `args` is only dereferenced on the environment's thread while the
// waiting thread is blocked in `via_event_loop` in state Reading, which it
// never leaves early, so its C frame is alive; `out` is written only in state
// Called and read only in state Done (ordered by the mutex); `core` is a
// never-freed tombstone-or-live core. All other fields are Sync.
unsafe impl Send for Waiter {}
// SAFETY: see the Send impl above; shared access goes through the Mutex.
unsafe impl Sync for Waiter {}

impl Waiter {
    /// Moves `from` to `to` if the request is still in state `from`.
    fn advance(&self, from: WaitState, to: WaitState) -> bool {
        let Ok(mut s) = self.state.lock() else { return false };
        if *s != from {
            return false;
        }
        *s = to;
        drop(s);
        if to == WaitState::Done || to == WaitState::Cancelled {
            self.cv.notify_all();
        }
        true
    }

    /// Serves the request on the JS thread. Returns the exception to report
    /// as uncaught, taken out of the environment: the caller reports it only
    /// after the waiting thread was released, since reporting may end the
    /// process, and process exit waits for that thread.
    fn serve(&self, env: &Env, core: &CallbackCore) -> Option<sys::napi_value> {
        if core.hub.exiting.load(Ordering::Acquire) {
            self.advance(WaitState::Pending, WaitState::Cancelled);
            return None;
        }
        if !self.advance(WaitState::Pending, WaitState::Reading) {
            return None;
        }
        if !core.alive.load(Ordering::Acquire) {
            // Released while the request waited: C gets 0, silently.
            self.advance(WaitState::Reading, WaitState::Done);
            return None;
        }
        let r = if core.sig.block.is_some() {
            let st = EnvState::current_ptr();
            if st.is_null() {
                self.advance(WaitState::Reading, WaitState::Done);
                return None;
            }
            // SAFETY: thread-safe-function callbacks run on the environment's
            // own thread, whose CURRENT state is alive while it runs.
            let block = &unsafe { &*st }.block;
            core.write_block_args(block, self.args);
            self.advance(WaitState::Reading, WaitState::Called);
            core.call_block(env, block, self.out.as_ptr(), FnCache::Off)
        } else {
            let argv = core.read_args(env, self.args);
            self.advance(WaitState::Reading, WaitState::Called);
            argv.and_then(|(argv, n)| core.call_and_store(env, &argv[..n], self.out.as_ptr(), FnCache::Off))
        };
        let failure = match r {
            Ok(()) => None,
            Err(e) => {
                zero_ret(self.out.as_ptr(), core.sig.ret_size);
                let pending = take_exception(env);
                if pending.is_none() && e.code == "ERR_REFFI_PENDING_EXCEPTION" {
                    // Node refused to run JavaScript without an exception:
                    // the environment is being torn down (worker.terminate()).
                    // It will never run a callback again; stop the queue.
                    core.hub.exiting.store(true, Ordering::Release);
                    None
                } else {
                    pending.or_else(|| env.error_value(&e).ok())
                }
            }
        };
        self.advance(WaitState::Called, WaitState::Done);
        failure
    }
}

unsafe extern "C" fn trampoline(_cif: *mut ffi_cif, ret: *mut c_void, args: *mut *mut c_void, user: *mut c_void) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `user` is the leaked `Arc<CallbackCore>` installed by
        // `create`; it is never freed, so it outlives every invocation.
        let core = unsafe { &*(user as *const CallbackCore) };
        core.dispatch(ret, args);
    }));
}

unsafe extern "C" fn call_js(env: sys::napi_env, _f: sys::napi_value, _ctx: *mut c_void, data: *mut c_void) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `data` is the Box leaked in `CallbackCore::post`; each item
        // is delivered exactly once.
        let item = unsafe { Box::from_raw(data as *mut Item) };
        match *item {
            Item::Call(w) => {
                if env.is_null() {
                    // The function is being torn down: release the waiter.
                    w.advance(WaitState::Pending, WaitState::Cancelled);
                    return;
                }
                // SAFETY: `core` is a leaked tombstone-or-live core, never freed.
                let core = unsafe { &*w.core };
                // SAFETY: Node passes a live env to a thread-safe-function
                // callback, on that env's thread.
                let e = unsafe { Env::from_raw(env) };
                let Ok(scope) = e.open_scope() else {
                    w.advance(WaitState::Pending, WaitState::Cancelled);
                    return;
                };
                if let Some(v) = w.serve(&e, core) {
                    // SAFETY: env is live; `v` belongs to `scope`.
                    unsafe { sys::napi_fatal_exception(e.raw(), v) };
                }
                e.close_scope(scope);
            }
            Item::Report(err) => {
                if !env.is_null() {
                    // SAFETY: as above.
                    let e = unsafe { Env::from_raw(env) };
                    report_uncaught(&e, &err);
                }
            }
        }
    }));
}

/// Takes the pending JS exception out of the environment, if any.
fn take_exception(env: &Env) -> Option<sys::napi_value> {
    if !env.exception_pending() {
        return None;
    }
    let mut v = null_mut();
    // SAFETY: env is live on this thread; `v` is a local out-pointer.
    let st = unsafe { sys::napi_get_and_clear_last_exception(env.raw(), &mut v) };
    (st == sys::Status::napi_ok && !v.is_null()).then_some(v)
}

/// Raises `err` as an uncaught exception (`process.on('uncaughtException')`).
fn report_uncaught(env: &Env, err: &Error) {
    let Ok(scope) = env.open_scope() else { return };
    if let Ok(v) = env.error_value(err) {
        // SAFETY: env is live (thread-safe-function callback on its thread);
        // `v` belongs to the scope opened above.
        unsafe { sys::napi_fatal_exception(env.raw(), v) };
    }
    env.close_scope(scope);
}

unsafe extern "C" fn tsfn_finalize(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `data` is the Arc<Shared> leaked in `ensure_tsfn`.
        let shared = unsafe { Arc::from_raw(data as *const Shared) };
        if let Ok(mut g) = shared.tsfn.write() {
            *g = None;
        };
    }));
}

fn ensure_tsfn(env: &Env, st: &EnvState) -> Result<()> {
    if st.shared.tsfn.read().map(|g| g.is_some()).unwrap_or(false) {
        return Ok(());
    }
    let name = env.string_value("reffi:callback")?;
    let mut tsfn = null_mut();
    let data = Arc::into_raw(st.shared.clone()) as *mut c_void;
    // SAFETY: env is live (we are in a native call); all pointers are valid;
    // `data` is reclaimed by `tsfn_finalize`.
    let status = unsafe {
        sys::napi_create_threadsafe_function(
            env.raw(),
            null_mut(),
            null_mut(),
            name,
            0,
            1,
            data,
            Some(tsfn_finalize),
            null_mut(),
            Some(call_js),
            &mut tsfn,
        )
    };
    if status != sys::Status::napi_ok {
        // SAFETY: creation failed, so the finalizer will never run.
        drop(unsafe { Arc::from_raw(data as *const Shared) });
        return Err(Error::internal("could not create the callback thread-safe function"));
    }
    // SAFETY: `tsfn` was just created on this env; unref lets the process
    // exit while callbacks exist.
    unsafe { sys::napi_unref_threadsafe_function(env.raw(), tsfn) };
    if let Ok(mut g) = st.shared.tsfn.write() {
        *g = Some(TsfnHandle(tsfn));
    }
    Ok(())
}

/// Per-environment callback state shared with foreign threads.
struct Hub {
    /// Set by the environment's `process.on('exit')` listener, or when Node
    /// refuses to run JavaScript (a terminating worker): from then on the
    /// JS thread never runs a callback again, so foreign-thread requests get
    /// 0 at once instead of waiting (a waiting thread would also block
    /// process exit, which joins the thread pool, and worker teardown, which
    /// waits for async calls).
    exiting: AtomicBool,
}

thread_local! {
    /// The hub of the environment running on this thread, keyed by its
    /// state's address (one environment per thread in Node).
    static HUB: std::cell::RefCell<Option<(usize, Arc<Hub>)>> = const { std::cell::RefCell::new(None) };
}

fn hub_for(env: &Env, st: &EnvState) -> Arc<Hub> {
    let owner = st as *const EnvState as usize;
    let existing = HUB.with(|h| {
        h.borrow()
            .as_ref()
            .filter(|(o, _)| *o == owner)
            .map(|(_, hub)| hub.clone())
    });
    if let Some(hub) = existing {
        return hub;
    }
    let hub = Arc::new(Hub {
        exiting: AtomicBool::new(false),
    });
    // Best effort: without the hook (no `process.on`, e.g. an embedder),
    // callbacks still work; only exit-time waits are not cut short.
    if hook_exit(env, &hub).is_err() && env.exception_pending() {
        let _ = take_exception(env);
    }
    HUB.with(|h| *h.borrow_mut() = Some((owner, hub.clone())));
    hub
}

/// `process.on('exit', <marks the hub exiting>)`.
fn hook_exit(env: &Env, hub: &Arc<Hub>) -> Result<()> {
    let data = Arc::into_raw(hub.clone()) as *mut c_void;
    let f = match env.function("reffiCallbacksExit", Some(on_exit), data) {
        Ok(f) => f,
        Err(e) => {
            // SAFETY: the function was not created; the Arc is still ours.
            drop(unsafe { Arc::from_raw(data as *const Hub) });
            return Err(e);
        }
    };
    // SAFETY: env is live; `f` is a function of the current scope; the
    // finalizer reclaims `data` when the function is collected.
    let st = unsafe { sys::napi_add_finalizer(env.raw(), f, data, Some(drop_hub), null_mut(), null_mut()) };
    if st != sys::Status::napi_ok {
        // SAFETY: no finalizer was attached; the Arc is still ours.
        drop(unsafe { Arc::from_raw(data as *const Hub) });
        return Err(Error::internal("could not attach the exit hook finalizer"));
    }
    let get = |obj: sys::napi_value, key: &std::ffi::CStr| -> Result<sys::napi_value> {
        let mut v = null_mut();
        // SAFETY: env is live; `obj` is an object of the current scope;
        // `key` is NUL-terminated; `v` is a local out-pointer.
        let st = unsafe { sys::napi_get_named_property(env.raw(), obj, key.as_ptr(), &mut v) };
        if st != sys::Status::napi_ok {
            return Err(Error::internal("could not reach process.on"));
        }
        Ok(v)
    };
    let mut global = null_mut();
    // SAFETY: env is live; `global` is a local out-pointer.
    if unsafe { sys::napi_get_global(env.raw(), &mut global) } != sys::Status::napi_ok {
        return Err(Error::internal("could not reach the global object"));
    }
    let process = get(global, c"process")?;
    let on = get(process, c"on")?;
    let exit = env.string_value("exit")?;
    let mut out = null_mut();
    // SAFETY: env is live; all values belong to the current scope.
    let st = unsafe { sys::napi_call_function(env.raw(), process, on, 2, [exit, f].as_ptr(), &mut out) };
    if st != sys::Status::napi_ok {
        return Err(Error::internal("could not add the process exit hook"));
    }
    Ok(())
}

unsafe extern "C" fn on_exit(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        let mut data = null_mut();
        let mut argc = 0usize;
        // SAFETY: Node calls this function with its live env and info; we
        // ask for no arguments, only the data pointer.
        let st = unsafe { sys::napi_get_cb_info(env, info, &mut argc, null_mut(), null_mut(), &mut data) };
        if st == sys::Status::napi_ok && !data.is_null() {
            // SAFETY: `data` is the Arc<Hub> owned by this function object
            // (reclaimed only by its finalizer, after the last call).
            let hub = unsafe { &*(data as *const Hub) };
            hub.exiting.store(true, Ordering::Release);
        }
    }));
    null_mut()
}

unsafe extern "C" fn drop_hub(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `data` is the Arc<Hub> leaked in `hook_exit`; this
        // finalizer runs once.
        drop(unsafe { Arc::from_raw(data as *const Hub) });
    }));
}

/// A weak reference (count 0) to `f`: the callback's JS object keeps the
/// function alive, so a collected callback lets its function go too.
fn weak_reference(env: &Env, f: sys::napi_value) -> Result<sys::napi_ref> {
    let mut r = null_mut();
    // SAFETY: env is live (native entry on its thread); `f` is a function
    // value of the current scope; `r` is a local out-pointer.
    let st = unsafe { sys::napi_create_reference(env.raw(), f, 0, &mut r) };
    if st != sys::Status::napi_ok {
        return Err(Error::internal("could not reference the callback function"));
    }
    Ok(r)
}

/// The interned signature for `ret` / `args` (descriptor sources), made on
/// first use. `block`: whether callbacks of it use the block protocol (the
/// JS layer decides, from the same types, and generates the matching
/// wrapper); refused if a type cannot travel through the block.
fn signature(st: &EnvState, ret_src: &str, args_src: &str, block: bool) -> Result<Arc<CallbackSig>> {
    /// Beyond this many distinct signatures, new ones are not interned.
    const MAX_INTERNED: usize = 4096;
    let key = format!("{}|{ret_src}|{args_src}", block as u8);
    if let Some(sig) = st.callback_sigs.borrow().get(&key) {
        return Ok(sig.clone());
    }
    let ret = TypeDesc::parse(ret_src)?;
    let args = args_src
        .split(' ')
        .filter(|p| !p.is_empty())
        .map(TypeDesc::parse)
        .collect::<Result<Vec<_>>>()?;
    if args.len() > MAX_ARGS {
        return Err(Error::unsupported(&format!(
            "a callback takes at most {MAX_ARGS} arguments"
        )));
    }
    let mut ffi_args = Vec::with_capacity(args.len());
    for (i, a) in args.iter().enumerate() {
        if matches!(a, TypeDesc::Void | TypeDesc::Array { .. }) {
            return Err(Error::invalid_type(&format!("callback argument {i} cannot be {a:?}")));
        }
        ffi_args.push(a.to_ffi()?);
    }
    let block = if block {
        let arg_slots = args
            .iter()
            .map(|a| BlockScalar::of(a).filter(|_| !matches!(a, TypeDesc::CString)))
            .collect::<Option<Vec<_>>>();
        let ret_slot = match ret {
            TypeDesc::Void => Some(None),
            ref t => BlockScalar::of(t).map(Some),
        };
        match (arg_slots, ret_slot) {
            (Some(a), Some(r)) if a.len() <= CB_BLOCK_MAX_ARGS => Some(BlockSig { args: a, ret: r }),
            _ => return Err(Error::internal("callback signature cannot use the block protocol")),
        }
    } else {
        None
    };
    let ret_size = ret.layout()?.size;
    let regs = if ret == TypeDesc::Void || BlockScalar::of(&ret).is_some() {
        crate::trampoline::register_map(
            args.iter()
                .map(|a| BlockScalar::of(a).map(|_| matches!(a, TypeDesc::F32 | TypeDesc::F64))),
        )
    } else {
        None
    };
    let cif = Cif::try_new(ffi_args, ret.to_ffi()?)
        .map_err(|e| Error::unsupported(&format!("libffi cannot prepare the callback: {e:?}")))?;
    let sig = Arc::new(CallbackSig {
        args,
        ret,
        ret_size,
        block,
        regs,
        cif,
        tombstones: Mutex::new(VecDeque::new()),
    });
    let mut sigs = st.callback_sigs.borrow_mut();
    if sigs.len() < MAX_INTERNED {
        sigs.insert(key, sig.clone());
    }
    Ok(sig)
}

/// Creates a callback for JS function `f` (the wrapper `lib/ffi.js` made
/// for the signature: a zero-argument one for the block protocol). Returns
/// its core.
pub fn create(
    env: &Env,
    st: &EnvState,
    ret_src: &str,
    args_src: &str,
    block: bool,
    f: sys::napi_value,
) -> Result<Arc<CallbackCore>> {
    let sig = signature(st, ret_src, args_src, block)?;
    ensure_tsfn(env, st)?;
    let hub = hub_for(env, st);
    if let Some(core) = recycle(st, &sig) {
        let js = weak_reference(env, f)?;
        let mut slab = st.callbacks.borrow_mut();
        core.id.store(slab.next_id(), Ordering::Relaxed);
        let old = core.js.swap(js, Ordering::AcqRel);
        if !old.is_null() {
            env.delete_reference(old);
        }
        core.fn_epoch.store(0, Ordering::Relaxed);
        core.alive.store(true, Ordering::Release);
        let id = slab.insert(core.clone());
        debug_assert_eq!(id, core.id());
        return Ok(core);
    }
    let js = weak_reference(env, f)?;
    let mut slab = st.callbacks.borrow_mut();
    let core = Arc::new_cyclic(|me| {
        // The core's final address: a stub's data, libffi's user data.
        let data = me.as_ptr() as *const c_void;
        let stub = sig
            .regs
            .as_ref()
            // SAFETY: `data` is this core (its signature has a register map),
            // which is never freed: the C entry's strong reference below is
            // never given back.
            .and_then(|_| unsafe { crate::trampoline::allocate(data) })
            .map(|code| Native {
                closure: null_mut(),
                code,
            });
        let native = stub.unwrap_or_else(|| {
            let (closure, code) = libffi::low::closure_alloc();
            Native {
                closure,
                code: code.0 as usize,
            }
        });
        CallbackCore {
            id: AtomicU32::new(slab.next_id()),
            alive: AtomicBool::new(true),
            shared: st.shared.clone(),
            hub,
            owner: st as *const EnvState as usize,
            // (`create` runs on the environment's thread)
            owner_thread: crate::trampoline::thread_id(),
            raw_env: st.raw_env as usize,
            sig,
            js: AtomicPtr::new(js),
            fn_cache: AtomicPtr::new(null_mut()),
            fn_epoch: AtomicU64::new(0),
            native,
        }
    });
    if core.native.code == 0 {
        core.release(env);
        return Err(Error::internal("libffi could not allocate a closure"));
    }
    // The C entry's reference, never given back (the tombstone rule).
    let user = Arc::into_raw(core.clone()) as *mut c_void;
    if !core.native.closure.is_null() {
        // SAFETY: `closure` was just allocated for `code`; the cif lives in
        // the signature, which the core holds, and `user` keeps the core
        // alive forever, so both outlive every call of the code.
        let status = unsafe {
            libffi::raw::ffi_prep_closure_loc(
                core.native.closure,
                core.sig.cif.as_raw_ptr(),
                Some(trampoline),
                user,
                core.native.code as *mut c_void,
            )
        };
        if status != libffi::raw::ffi_status_FFI_OK {
            core.release(env);
            return Err(Error::internal("libffi could not prepare the closure"));
        }
    }
    let id = slab.insert(core.clone());
    debug_assert_eq!(id, core.id());
    Ok(core)
}

/// The C entry of callbacks with our own stubs (`trampoline.rs`): the
/// argument registers are saved in `regs`, the result goes to `regs.ret`.
///
/// # Safety
/// `data` must be a callback core given to `trampoline::allocate` (never
/// freed) whose signature has a register map.
pub unsafe fn invoke_from_stub(data: *const c_void, regs: &mut crate::trampoline::RegFile) {
    // SAFETY: the caller's contract.
    let core = unsafe { &*(data as *const CallbackCore) };
    let Some(map) = core.sig.regs.as_deref() else { return };
    let ret = (&mut regs.ret as *mut u64).cast::<c_void>();
    // The saved registers in order (gpr then xmm: `RegFile` is repr(C)), so
    // a register map entry indexes them directly.
    let saved = (regs as *const crate::trampoline::RegFile).cast::<u64>();
    // (`saved`: the live `RegFile`'s 14 registers; `map`: the signature's
    // register map)
    let lean = core.lean_call(ret, ArgSource::Registers(saved, map));
    if lean {
        // (`BlockScalar::store` wrote the whole register already)
        return;
    }
    let mut argp = [null_mut(); 14];
    crate::trampoline::arg_pointers(regs, map, &mut argp);
    core.dispatch(ret, argp.as_mut_ptr());
    // As libffi's closure entry does: a small integer result is returned
    // extended to the whole register.
    if let TypeDesc::Int { bytes, signed } = core.sig.ret {
        if bytes < 8 {
            let shift = 64 - 8 * u32::from(bytes);
            let v = regs.ret << shift;
            regs.ret = if signed {
                ((v as i64) >> shift) as u64
            } else {
                v >> shift
            };
        }
    } else if core.sig.ret == TypeDesc::Bool {
        regs.ret &= 0xff;
    }
}

/// Where a callback invocation's C arguments are.
#[derive(Clone, Copy)]
enum ArgSource<'a> {
    /// libffi's `void **args`: one pointer per argument.
    Libffi(*mut *mut c_void),
    /// A stub's saved registers (the 14 of a live `RegFile`) and the
    /// signature's register map.
    Registers(*const u64, &'a [u8]),
}

/// Block protocol from a stub: writes each argument's saved register into
/// the callback region of the block.
///
/// # Safety
/// `saved` must point to the 14 saved registers of a live `RegFile` and
/// `map` be the register map of the signature `b` was made from.
#[inline(always)]
unsafe fn write_args_from_registers(b: &BlockSig, block: &BlockRef, saved: *const u64, map: &[u8]) {
    for ((i, s), &m) in b.args.iter().enumerate().zip(map) {
        // SAFETY: `m < 14` (a register map entry) indexes the saved
        // registers; the register holds a value of argument `i`'s type (the
        // map is the signature's).
        block.write(SLOT_CB_ARG0 + i, unsafe { s.load(saved.add(usize::from(m)).cast()) });
    }
}

/// Takes the oldest tombstone of signature `sig` if it holds more than
/// [`TOMBSTONE_QUARANTINE`] of them.
fn recycle(_st: &EnvState, sig: &Arc<CallbackSig>) -> Option<Arc<CallbackCore>> {
    let mut t = sig.tombstones.lock().ok()?;
    if t.len() <= TOMBSTONE_QUARANTINE {
        return None;
    }
    t.pop_front()
}

/// Releases callback `id` (explicitly or because JavaScript collected it):
/// it becomes a tombstone, recycled later (see [`TOMBSTONE_QUARANTINE`]).
pub fn release(env: &Env, st: &EnvState, id: u32) {
    let core = st.callbacks.borrow_mut().remove(id);
    if let Some(c) = core {
        c.release(env);
        let sig = c.sig.clone();
        let queued = match sig.tombstones.lock() {
            Ok(mut t) => {
                t.push_back(c);
                true
            }
            Err(_) => false,
        };
        debug_assert!(queued);
    }
}
