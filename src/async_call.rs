//! `.async()` calls: the foreign function runs on the libuv thread pool.
//!
//! The JS wrapper fills the argument block exactly as for a synchronous call;
//! `start` copies the argument slots and the string bytes the call placed in
//! the block's scratch area out of the block (rebasing pointers into the
//! copy), so JavaScript may make other calls while this one runs. Buffers
//! and structs passed by pointer are kept alive by the JS wrapper until the
//! completion callback runs.

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::null_mut;
use std::rc::Rc;

use napi::sys;

use crate::env::{EnvState, SLOT_ARG0, SLOT_RET, SLOT_SCRATCH_HI, SLOT_SCRATCH_LO};
use crate::error::{Error, Result};
use crate::napi_env::Env;
use crate::plan::{Plan, MAX_ARGS};
use crate::types::TypeDesc;

struct Job {
    plan: Rc<Plan>,
    args: [u64; MAX_ARGS],
    _scratch: Vec<u8>,
    ret_dest: usize,
    result: u64,
    errno: i32,
    fast: bool,
    /// Handed back to `asyncDone` (the JS side's table of pending calls).
    id: u32,
    work: sys::napi_async_work,
}

/// Starts an async call of the plan whose id is in the block; the
/// environment's `asyncDone` (see `EnvState::async_done`) is called with
/// `call_id`, an error or null, and the converted return value (see `RetMode`)
/// once it completes. One JS function for every call, referenced once: a
/// reference per call is a V8 global handle made and destroyed. `name` is
/// the async resource name (a string JavaScript passes, so none is made per
/// call).
pub(crate) fn start(env: &Env, st: &EnvState, call_id: u32, name: sys::napi_value) -> Result<()> {
    if st.async_done.get().is_null() {
        return Err(Error::internal("async calls are not set up (setAsyncDone)"));
    }
    let id = st.block.read(crate::env::SLOT_ID) as u32;
    let plan = st.plan(id)?;
    if let Some(lib) = &plan.lib {
        if lib.is_closed() {
            return Err(Error::library_closed(format!(
                "\"{}\" belongs to library {} which was closed",
                plan.name,
                lib.display()
            )));
        }
    }
    let mut args = [0u64; MAX_ARGS];
    st.block.read_into(SLOT_ARG0, &mut args);
    if let Some(m) = &plan.fast {
        // The JS wrapper wrote the register layout (see plan::REG_XMM_BASE).
        args = m.to_declaration_order(&args);
    }
    let lo = st.block.read(SLOT_SCRATCH_LO) as usize;
    let hi = st.block.read(SLOT_SCRATCH_HI) as usize;
    let scratch = if hi > lo && hi <= st.block.bytes() {
        st.block.copy_bytes(lo, hi - lo)
    } else {
        Vec::new()
    };
    let base = st.block.as_ptr() as u64;
    for (i, t) in plan.args.iter().enumerate() {
        if matches!(t, TypeDesc::Pointer | TypeDesc::CString) {
            let a = args[i];
            if a >= base + lo as u64 && a < base + hi as u64 {
                args[i] = scratch.as_ptr() as u64 + (a - base - lo as u64);
            }
        }
    }
    let ret_dest = st.block.read(SLOT_RET) as usize;
    let job = Box::new(Job {
        plan,
        args,
        _scratch: scratch,
        ret_dest,
        result: 0,
        errno: 0,
        fast: false,
        id: call_id,
        work: null_mut(),
    });
    if let Some(lib) = &job.plan.lib {
        lib.in_flight.set(lib.in_flight.get() + 1);
    }
    let data = Box::into_raw(job);
    let mut work = null_mut();
    // SAFETY: env is live; `name` is a string value of this entry's call
    // (checked by `js_call_async`); `data` is reclaimed in `complete` (or
    // below on failure).
    let s = unsafe {
        sys::napi_create_async_work(
            env.raw(),
            null_mut(),
            name,
            Some(execute),
            Some(complete),
            data.cast(),
            &mut work,
        )
    };
    if s != sys::Status::napi_ok {
        // SAFETY: the work was not created, so `complete` will not run.
        let job = unsafe { Box::from_raw(data) };
        finish_lib(&job.plan);
        return Err(Error::internal("could not create async work"));
    }
    // SAFETY: `data` is live until `complete`; only this thread touches it now.
    unsafe { (*data).work = work };
    // SAFETY: `work` was just created on this env.
    if unsafe { sys::napi_queue_async_work(env.raw(), work) } != sys::Status::napi_ok {
        // SAFETY: the work was never queued, so neither `execute` nor
        // `complete` will run: the job and the work are still ours.
        let job = unsafe { Box::from_raw(data) };
        // SAFETY: `work` belongs to this env and is not queued.
        unsafe { sys::napi_delete_async_work(env.raw(), work) };
        finish_lib(&job.plan);
        return Err(Error::internal("could not queue async work"));
    }
    Ok(())
}

/// The async call of `plan` is over: its library, if closed meanwhile, may
/// be unmapped now (through `unmap_when_idle`: not while a synchronous call
/// runs on this thread).
fn finish_lib(plan: &Plan) {
    if let Some(lib) = &plan.lib {
        lib.in_flight.set(lib.in_flight.get().saturating_sub(1));
        if !lib.is_closed() || lib.in_flight.get() > 0 {
            return;
        }
        if EnvState::current_ptr().is_null() {
            // No environment on this thread any more: no call can run.
            let _ = lib.close_if_idle();
        } else {
            let _ = EnvState::with(|st| st.unmap_when_idle(lib.clone()));
        }
    }
}

unsafe extern "C" fn execute(_env: sys::napi_env, data: *mut c_void) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `data` is the Job boxed in `start`; the main thread does not
        // touch it until `complete`, so this is the only access. The plan is
        // only read here (its Rc count is touched on the main thread only).
        let job = unsafe { &mut *(data as *mut Job) };
        let n = job.plan.args.len();
        let plan: &Plan = &job.plan;
        // SAFETY: argument slots were validated by the JS wrapper as for a
        // synchronous call; strings were copied into the job; buffers are
        // kept alive by the JS wrapper until completion.
        let (r, fast) = unsafe { crate::invoke::call(plan, &job.args[..n], job.ret_dest as *mut c_void) };
        job.errno = crate::memory::errno();
        job.result = r;
        job.fast = fast;
    }));
}

unsafe extern "C" fn complete(env: sys::napi_env, status: sys::napi_status, data: *mut c_void) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `data` is the Job boxed in `start`; completion runs once.
        let job = unsafe { Box::from_raw(data as *mut Job) };
        // SAFETY: Node passes the live env that queued the work.
        let env = unsafe { Env::from_raw(env) };
        // SAFETY: `work` belongs to this env and has finished.
        unsafe { sys::napi_delete_async_work(env.raw(), job.work) };
        finish_lib(&job.plan);
        let _ = EnvState::with(|st| {
            st.errno.set(job.errno);
            if job.fast {
                st.fast_calls.set(st.fast_calls.get() + 1);
            } else {
                st.generic_calls.set(st.generic_calls.get() + 1);
            }
            // (Node runs this inside a handle scope of its own.)
            let r = (|| -> Result<()> {
                let done = env.deref(st.async_done.get())?;
                let ok = status == sys::Status::napi_ok;
                let err = if ok {
                    env.null()
                } else {
                    env.error_value(&Error::internal("the async call was cancelled"))?
                };
                let value = if ok {
                    crate::binding::ret_value(&env, st, &job.plan, job.result)?
                } else {
                    null_mut()
                };
                // Scalars travel through the block's return slot (null handle).
                let value = if value.is_null() { env.undefined() } else { value };
                // (an exception thrown by `asyncDone` makes this an error)
                env.call(done, &[env.uint32(job.id)?, err, value])?;
                Ok(())
            })();
            if r.is_err() {
                env.report_pending_as_uncaught();
            }
            Ok(())
        });
    }));
}
