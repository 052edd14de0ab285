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
//!   for the result. If that environment's thread is itself blocked inside a
//!   synchronous foreign call it cannot service the request; the invocation
//!   is then abandoned (C receives zero) and the blocked call throws
//!   `ERR_REFFI_CALLBACK_THREAD_BLOCKED` when it returns — never a silent
//!   deadlock.
//!
//! Lifetime: a released (or garbage-collected) callback keeps its code and
//! a small tombstone forever, so C calling a stale pointer gets a clear
//! error and a zero result instead of a jump into freed memory.

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::null_mut;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use libffi::middle::Cif;
use libffi::raw::{ffi_cif, ffi_closure};
use napi::sys;

use crate::env::{EnvState, Shared, TsfnHandle};
use crate::error::{Error, Result};
use crate::napi_env::Env;
use crate::plan::MAX_ARGS;
use crate::types::TypeDesc;

/// The immutable libffi parts of a callback.
struct Native {
    cif: Cif,
    _closure: *mut ffi_closure,
    code: usize,
}
// SAFETY: the cif and closure are written once in `create` and only read
// afterwards (by libffi, from whichever thread calls the code pointer).
unsafe impl Send for Native {}
// SAFETY: see above: immutable after construction.
unsafe impl Sync for Native {}

pub struct CallbackCore {
    pub id: u32,
    alive: AtomicBool,
    shared: Arc<Shared>,
    owner: usize,
    raw_env: usize,
    args: Vec<TypeDesc>,
    ret: TypeDesc,
    ret_size: usize,
    /// Strong reference to the JS function; touched only on the owner thread.
    js: AtomicPtr<sys::napi_ref__>,
    native: Native,
}

impl CallbackCore {
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
        let r = self.js.swap(null_mut(), Ordering::AcqRel);
        if !r.is_null() {
            env.delete_reference(r);
        }
    }

    fn dispatch(&self, ret: *mut c_void, args: *mut *mut c_void) {
        zero_ret(ret, self.ret_size);
        if !self.shared.alive.load(Ordering::Acquire) {
            return;
        }
        let on_owner = EnvState::current_ptr() as usize == self.owner;
        if !self.alive.load(Ordering::Acquire) {
            let e = Error::callback_released(format!(
                "callback #{} was called by C after it was released or garbage-collected; C received 0",
                self.id
            ));
            if on_owner {
                // SAFETY: on the owner thread the environment is alive
                // (checked above) and we are inside a native call from it.
                unsafe { Env::from_raw(self.raw_env as sys::napi_env) }.throw(&e);
            } else {
                eprintln!("reffi: {}", e);
            }
            return;
        }
        if on_owner {
            // SAFETY: we are on the environment's own thread, inside a foreign
            // call it made, so its napi_env is valid here.
            let env = unsafe { Env::from_raw(self.raw_env as sys::napi_env) };
            self.invoke_js(&env, ret, args, false);
        } else {
            self.via_event_loop(ret, args);
        }
    }

    fn via_event_loop(&self, ret: *mut c_void, args: *mut *mut c_void) {
        let blocked = || {
            self.shared.set_pending(Error::callback_thread(format!(
                "callback #{} was called from another thread while its JavaScript thread was blocked in a synchronous foreign call; C received 0. Use .async() for calls that invoke callbacks from other threads and wait for them.",
                self.id
            )));
        };
        if self.shared.sync_depth.load(Ordering::Acquire) > 0 {
            blocked();
            return;
        }
        let waiter = Arc::new(Waiter {
            core: self as *const CallbackCore,
            ret,
            args,
            state: Mutex::new(WaitState::Pending),
            cv: Condvar::new(),
        });
        {
            let Ok(guard) = self.shared.tsfn.read() else { return };
            let Some(h) = *guard else { return };
            let data = Arc::into_raw(waiter.clone()) as *mut c_void;
            // SAFETY: the handle is live while the read lock is held (its
            // finalizer clears it under the write lock); `data` is an owned
            // Arc that `call_js` reclaims.
            let st =
                unsafe { sys::napi_call_threadsafe_function(h.0, data, sys::ThreadsafeFunctionCallMode::blocking) };
            if st != sys::Status::napi_ok {
                // SAFETY: the queue refused the item, so ownership is still ours.
                drop(unsafe { Arc::from_raw(data as *const Waiter) });
                return;
            }
        }
        let Ok(mut s) = waiter.state.lock() else { return };
        loop {
            match *s {
                WaitState::Done => return,
                WaitState::Pending if self.shared.sync_depth.load(Ordering::Acquire) > 0 => {
                    *s = WaitState::Cancelled;
                    blocked();
                    return;
                }
                _ => {}
            }
            s = match waiter.cv.wait_timeout(s, Duration::from_millis(20)) {
                Ok((g, _)) => g,
                Err(_) => return,
            };
        }
    }

    /// Runs the JS function with the C arguments and writes its result.
    fn invoke_js(&self, env: &Env, ret: *mut c_void, args: *mut *mut c_void, foreign: bool) {
        let Ok(scope) = env.open_scope() else { return };
        let r = self.invoke_inner(env, ret, args);
        if let Err(e) = r {
            zero_ret(ret, self.ret_size);
            if foreign {
                if env.exception_pending() {
                    env.report_pending_as_uncaught();
                } else if let Ok(v) = env.error_value(&e) {
                    // SAFETY: env is live (we are in its thread-safe-function
                    // callback); `v` is a value of this scope.
                    unsafe { sys::napi_fatal_exception(env.raw(), v) };
                }
            } else {
                env.throw(&e);
            }
        }
        env.close_scope(scope);
    }

    fn invoke_inner(&self, env: &Env, ret: *mut c_void, args: *mut *mut c_void) -> Result<()> {
        let r = self.js.load(Ordering::Acquire);
        if r.is_null() {
            return Err(Error::callback_released(format!("callback #{} was released", self.id)));
        }
        let f = env.deref(r)?;
        let mut argv = [null_mut(); MAX_ARGS];
        for (i, t) in self.args.iter().enumerate() {
            // SAFETY: libffi passes one valid pointer per declared argument.
            let p = unsafe { *args.add(i) } as usize;
            argv[i] = crate::raw_values::c_to_js(env, t, p)?;
        }
        let out = env.call(f, &argv[..self.args.len()])?;
        crate::raw_values::js_to_c(env, &self.ret, out, ret as usize, self.ret_size)
    }
}

fn zero_ret(ret: *mut c_void, size: usize) {
    if !ret.is_null() {
        // SAFETY: libffi's result buffer holds at least max(size, ffi_arg).
        unsafe { std::ptr::write_bytes(ret.cast::<u8>(), 0, size.max(8)) };
    }
}

#[derive(PartialEq, Eq)]
enum WaitState {
    Pending,
    Running,
    Done,
    Cancelled,
}

struct Waiter {
    core: *const CallbackCore,
    ret: *mut c_void,
    args: *mut *mut c_void,
    state: Mutex<WaitState>,
    cv: Condvar,
}

// SAFETY: the raw pointers are only dereferenced on the environment's thread
// while the waiting thread is blocked in `via_event_loop` (state Running),
// which keeps its C frame (`ret`, `args`) alive; `core` is a never-freed
// tombstone-or-live core. All other fields are Sync.
unsafe impl Send for Waiter {}
// SAFETY: see the Send impl above; shared access goes through the Mutex.
unsafe impl Sync for Waiter {}

impl Waiter {
    fn finish(&self) {
        if let Ok(mut s) = self.state.lock() {
            *s = WaitState::Done;
        }
        self.cv.notify_all();
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
        // SAFETY: `data` is the Arc leaked in `via_event_loop`.
        let w = unsafe { Arc::from_raw(data as *const Waiter) };
        if env.is_null() {
            w.finish();
            return;
        }
        {
            let Ok(mut s) = w.state.lock() else { return };
            if *s != WaitState::Pending {
                return;
            }
            *s = WaitState::Running;
        }
        // SAFETY: the waiting thread keeps its C frame (ret/args) alive until
        // `finish`; `core` is a leaked tombstone-or-live core, never freed.
        let core = unsafe { &*w.core };
        if core.alive.load(Ordering::Acquire) {
            // SAFETY: Node passes a live env to a thread-safe-function callback.
            let e = unsafe { Env::from_raw(env) };
            core.invoke_js(&e, w.ret, w.args, true);
        }
        w.finish();
    }));
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

/// Creates a callback for JS function `f`. Returns its core.
pub fn create(
    env: &Env,
    st: &EnvState,
    ret: TypeDesc,
    args: Vec<TypeDesc>,
    f: sys::napi_value,
) -> Result<Arc<CallbackCore>> {
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
    let ret_size = ret.layout()?.size;
    let cif = Cif::try_new(ffi_args, ret.to_ffi()?)
        .map_err(|e| Error::unsupported(&format!("libffi cannot prepare the callback: {e:?}")))?;
    ensure_tsfn(env, st)?;
    let (closure, code) = libffi::low::closure_alloc();
    if closure.is_null() {
        return Err(Error::internal("libffi could not allocate a closure"));
    }
    let js = env.reference(f)?;
    let mut slab = st.callbacks.borrow_mut();
    let core = Arc::new(CallbackCore {
        id: slab.next_id(),
        alive: AtomicBool::new(true),
        shared: st.shared.clone(),
        owner: st as *const EnvState as usize,
        raw_env: st.raw_env as usize,
        args,
        ret,
        ret_size,
        js: AtomicPtr::new(js),
        native: Native {
            cif,
            _closure: closure,
            code: code.0 as usize,
        },
    });
    let user = Arc::into_raw(core.clone()) as *mut c_void;
    // SAFETY: `closure` was just allocated for `code`; the cif lives inside
    // the core, which `user` keeps alive forever (the tombstone rule), so
    // both outlive every call of the code pointer.
    let status = unsafe {
        libffi::raw::ffi_prep_closure_loc(closure, core.native.cif.as_raw_ptr(), Some(trampoline), user, code.0)
    };
    if status != libffi::raw::ffi_status_FFI_OK {
        return Err(Error::internal("libffi could not prepare the closure"));
    }
    let id = slab.insert(core.clone());
    debug_assert_eq!(id, core.id);
    Ok(core)
}
