//! The Node-API surface: the functions `lib/internal/native.js` sees.
//!
//! Module setup goes through napi-rs (`#[module_exports]`). The entries are
//! raw Node-API callbacks: the hot `call` entry takes no JS arguments at all
//! (they are in the argument block) and finds its state from the `napi_env`
//! it is given (`EnvState::for_env`), so a call costs one native transition
//! and no Node-API conversion. Every entry catches panics and turns errors into JS
//! exceptions carrying a stable `code`.

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::null_mut;

use napi::sys;
use napi::sys::napi_value;
use napi::{JsObject, NapiRaw};

use crate::env::{self, EnvState, SLOT_ARG0, SLOT_ID, SLOT_RET};
use crate::error::{Error, Result};
use crate::invoke::Norm;
use crate::library::LoadedLib;
use crate::napi_env::Env;
use crate::plan::{Plan, RetMode, MAX_ARGS};
use crate::types::TypeDesc;

fn finish(env: &Env, r: std::thread::Result<Result<napi_value>>) -> napi_value {
    match r {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            env.throw(&e);
            null_mut()
        }
        Err(_) => {
            env.throw(&Error::internal("reffi panicked; this is a bug"));
            null_mut()
        }
    }
}

macro_rules! entry {
    ($name:ident, $n:literal, |$env:ident, $st:ident, $a:ident| $body:block) => {
        unsafe extern "C" fn $name(raw: sys::napi_env, info: sys::napi_callback_info) -> napi_value {
            // SAFETY: Node calls an entry with its live env, on its thread.
            let $env = unsafe { Env::from_raw(raw) };
            let r = catch_unwind(AssertUnwindSafe(|| -> Result<napi_value> {
                let ($a, _argc) = $env.args::<$n>(info)?;
                EnvState::with(|$st| $body)
            }));
            finish(&$env, r)
        }
    };
}

/// Converts a finished call's result for JavaScript: scalars go to the
/// block's return slot (JS reads them from there), and so do pointers
/// (JS wraps the address); strings become JS strings.
pub fn ret_value(env: &Env, st: &EnvState, plan: &Plan, r: u64) -> Result<napi_value> {
    match plan.ret_mode {
        RetMode::Scalar => {
            st.block.write(SLOT_RET, r);
            Ok(null_mut())
        }
        RetMode::Void | RetMode::Aggregate(_) => Ok(null_mut()),
        // Pointers too: JS wraps the address (it caches the ArrayBuffers
        // over foreign memory by address; creating one costs microseconds).
        RetMode::Pointer(_) => {
            st.block.write(SLOT_RET, r);
            Ok(null_mut())
        }
        RetMode::CString => {
            if r == 0 {
                Ok(env.null())
            } else {
                // SAFETY: the function was declared to return `char *` and
                // returned a non-null pointer.
                env.string_value(&unsafe { crate::memory::read_cstring(r as usize) })
            }
        }
    }
}

fn closed_error(plan: &Plan, lib: &LoadedLib) -> Error {
    Error::library_closed(format!(
        "cannot call \"{}\": its library {} was closed",
        plan.name,
        lib.display()
    ))
}

/// The hot entries: the plan id and arguments are already in the block.
/// Register-thunk signatures returning a scalar take the short path of
/// [`hot_call`]; everything else (and every error) goes through
/// `call_general`. `call` leaves the return register as it is: the wrapper
/// reads 32-bit integers from the low half, and 64-bit values, pointers and
/// doubles are whole. `callNorm` normalises it first (`invoke::Norm`: 8- and
/// 16-bit integers, bool, float); `lib/internal/codegen.js` picks the entry
/// by return type. Two entries instead of a `Norm` dispatch in one: the
/// dispatch's jump table cost 3 ns of a ~30 ns call here.
unsafe extern "C" fn js_call(raw: sys::napi_env, info: sys::napi_callback_info) -> napi_value {
    // SAFETY: forwarded: Node's live env and callback info.
    unsafe { hot_call::<false>(raw, info) }
}

unsafe extern "C" fn js_call_norm(raw: sys::napi_env, info: sys::napi_callback_info) -> napi_value {
    // SAFETY: forwarded: Node's live env and callback info.
    unsafe { hot_call::<true>(raw, info) }
}

/// What [`hot_call`]'s fast path left to do.
enum Hot {
    Done,
    /// The call ran; the outermost call's bookkeeping or a pending error
    /// remains ([`after_hot_call`]).
    After,
    /// Not a fast-path call (or not this path's to report): `call_general`.
    General,
}

/// # Safety
/// `raw` and `info` must be the live env and callback info of the running
/// native entry.
#[inline(always)]
unsafe fn hot_call<const NORM: bool>(raw: sys::napi_env, info: sys::napi_callback_info) -> napi_value {
    #[cfg(all(target_arch = "x86_64", unix))]
    {
        // Nothing in this closure can panic (so the compiler drops the
        // unwinding edge); what can is in `after_hot_call`.
        let status = catch_unwind(AssertUnwindSafe(|| {
            let p = EnvState::for_env(raw);
            if p.is_null() {
                return Hot::General;
            }
            // SAFETY: a non-null state is this thread's live state (see
            // `EnvState::for_env`).
            let st = unsafe { &*p };
            let Some(e) = st.fast_entry(st.block.read(SLOT_ID) as u32) else {
                return Hot::General;
            };
            // (A closed library's plans are retired at once, so their ids
            // miss the table: `EnvState::close_plans_of`.)
            let depth = st.enter_sync();
            let norm = if NORM { e.norm } else { Norm::Raw };
            // SAFETY: as in `call_general`: the generated JS wrapper checked
            // and wrote one slot per declared argument; `e` describes a
            // register-thunk plan.
            let r = unsafe {
                crate::invoke::call_registers(e.fn_ptr, e.float_ret, e.xmm, norm, st.block.slot_ptr(SLOT_ARG0))
            };
            st.capture_errno();
            let finish = st.leave_sync_deferred(depth);
            st.fast_calls.set(st.fast_calls.get() + 1);
            st.block.write(SLOT_RET, r);
            if finish || st.has_pending() {
                Hot::After
            } else {
                Hot::Done
            }
        }));
        match status {
            Ok(Hot::Done) => return null_mut(),
            // SAFETY: forwarded: Node's live env.
            Ok(Hot::After) => return unsafe { after_hot_call(raw) },
            Ok(Hot::General) | Err(_) => {}
        }
    }
    // SAFETY: forwarded: Node's live env and callback info.
    unsafe { call_general(raw, info) }
}

/// The rest of a fast-path call: the outermost call's bookkeeping
/// (`EnvState::finish_outermost`) and an error another thread left for
/// this call to throw.
///
/// # Safety
/// `raw` must be the live env of the running native entry.
#[cold]
#[inline(never)]
unsafe fn after_hot_call(raw: sys::napi_env) -> napi_value {
    let r = catch_unwind(AssertUnwindSafe(|| {
        let p = EnvState::for_env(raw);
        if p.is_null() {
            return;
        }
        // SAFETY: as in `hot_call`.
        let st = unsafe { &*p };
        if st.sync_depth() == 0 {
            st.finish_outermost();
        }
        if let Some(err) = st.shared.take_pending() {
            // SAFETY: live env of this entry.
            unsafe { Env::from_raw(raw) }.throw(&err);
        }
    }));
    if r.is_err() {
        // SAFETY: live env of this entry.
        unsafe { Env::from_raw(raw) }.throw(&Error::internal("reffi panicked; this is a bug"));
    }
    null_mut()
}

/// `copyString(s)`: writes the UTF-8 bytes of JS string `s` and a NUL into
/// the argument block at the byte offset in the low half of slot
/// `SLOT_SCRATCH_LO`, with room for the byte count in the low half of
/// `SLOT_SCRATCH_HI` (NUL included), and leaves the byte count (without the
/// NUL) in `SLOT_SCRATCH_LO`, or `u32::MAX` if `s` is not a string. The
/// generated wrappers use it for string arguments that are not short ASCII:
/// Node-API's transcoding beats a JavaScript loop past a dozen characters.
/// Those slots are free while a wrapper writes its arguments.
unsafe extern "C" fn js_copy_string(raw: sys::napi_env, info: sys::napi_callback_info) -> napi_value {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        let p = EnvState::for_env(raw);
        if p.is_null() {
            return;
        }
        // SAFETY: a non-null state is this thread's live state (`for_env`).
        let st = unsafe { &*p };
        let off = st.block.read(env::SLOT_SCRATCH_LO) as u32 as usize;
        let cap = st.block.read(env::SLOT_SCRATCH_HI) as u32 as usize;
        st.block.write(env::SLOT_SCRATCH_LO, u64::from(u32::MAX));
        if off < env::SCRATCH_START || cap == 0 || off.checked_add(cap).is_none_or(|end| end > st.block.bytes()) {
            return;
        }
        let mut argc = 1usize;
        let mut argv = [null_mut(); 1];
        let mut len = 0usize;
        // SAFETY: Node's live env and info of this entry; `argv` has room
        // for `argc` values. The destination is `cap` bytes inside the block
        // (checked above), which napi_get_value_string_utf8 never exceeds
        // (it writes at most cap - 1 bytes and a NUL).
        let ok = unsafe {
            sys::napi_get_cb_info(raw, info, &mut argc, argv.as_mut_ptr(), null_mut(), null_mut())
                == sys::Status::napi_ok
                && argc >= 1
                && sys::napi_get_value_string_utf8(
                    raw,
                    argv[0],
                    st.block.as_ptr().cast::<u8>().add(off).cast(),
                    cap,
                    &mut len,
                ) == sys::Status::napi_ok
        };
        if ok {
            st.block.write(env::SLOT_SCRATCH_LO, len as u64);
        }
    }));
    null_mut()
}

/// # Safety
/// `raw` must be the live env of the running native entry.
#[cold]
#[inline(never)]
unsafe fn call_general(raw: sys::napi_env, _info: sys::napi_callback_info) -> napi_value {
    // SAFETY: Node calls an entry with its live env, on its thread.
    let env = unsafe { Env::from_raw(raw) };
    let r = catch_unwind(AssertUnwindSafe(|| {
        EnvState::with(|st| {
            let plan = st.plan(st.block.read(SLOT_ID) as u32)?;
            if let Some(lib) = &plan.lib {
                if lib.is_closed() {
                    return Err(closed_error(&plan, lib));
                }
            }
            let n = plan.args.len();
            let mut args = [0u64; MAX_ARGS];
            st.block.read_into(SLOT_ARG0, &mut args);
            if let Some(m) = &plan.fast {
                args = m.to_declaration_order(&args);
            }
            let dest = st.block.read(SLOT_RET) as usize as *mut c_void;
            let depth = st.enter_sync();
            // SAFETY: the generated JS wrapper wrote one slot per argument,
            // each checked against the declared type (range, kind, buffer
            // size for aggregates); the signature itself is the user's
            // declaration, which C cannot check (documented).
            let (r, fast) = unsafe { crate::invoke::call(&plan, &args[..n], dest) };
            st.capture_errno();
            st.leave_sync(depth);
            if fast {
                st.fast_calls.set(st.fast_calls.get() + 1);
            } else {
                st.generic_calls.set(st.generic_calls.get() + 1);
            }
            if let Some(e) = st.shared.take_pending() {
                return Err(e);
            }
            ret_value(&env, st, &plan, r)
        })
    }));
    finish(&env, r)
}

// callAsync(id, name): starts the call in the block; `asyncDone(id, err,
// value)` runs when it completes; `name` is the async resource name.
entry!(js_call_async, 2, |env, st, a| {
    let id = env.i32(a[0], "async call id")?;
    if env.type_of(a[1]) != crate::napi_env::JsType::String {
        return Err(Error::arg_type("callAsync needs a resource name"));
    }
    crate::async_call::start(&env, st, id as u32, a[1])?;
    Ok(null_mut())
});

// setAsyncDone(fn): the completion function of this environment's async calls.
entry!(js_set_async_done, 1, |env, st, a| {
    if env.type_of(a[0]) != crate::napi_env::JsType::Function {
        return Err(Error::arg_type("setAsyncDone needs a function"));
    }
    let old = st.async_done.replace(env.reference(a[0])?);
    if !old.is_null() {
        env.delete_reference(old);
    }
    Ok(null_mut())
});

/// Native memory a call plan stands for (CIF, type vectors, tables),
/// reported to V8 so collected functions' plans are freed promptly.
const PLAN_BYTES: i64 = 4096;

fn descs(env: &Env, v: napi_value, what: &str) -> Result<Vec<TypeDesc>> {
    let s = env.string(v, what)?;
    s.split(' ').filter(|p| !p.is_empty()).map(TypeDesc::parse).collect()
}

// prepare(fnAddr, retDesc, argDescs, fixed, libId, retPtrLen, name) -> id
entry!(js_prepare, 7, |env, st, a| {
    let addr = env.usize(a[0], "function address")?;
    let ret = TypeDesc::parse(&env.string(a[1], "return type")?)?;
    let args = descs(&env, a[2], "argument types")?;
    let fixed = env.i32(a[3], "fixed argument count")?;
    let lib_id = env.i32(a[4], "library id")?;
    let ret_len = env.usize(a[5], "return pointer length")?;
    let name = env.string(a[6], "name")?;
    let lib = if lib_id >= 0 {
        Some(st.lib(lib_id as u32)?)
    } else {
        None
    };
    let fixed = if fixed >= 0 { Some(fixed as usize) } else { None };
    let plan = Plan::new(name, addr, ret, args, fixed, ret_len, lib)?;
    let fast = plan.fast.is_some();
    let id = st.add_plan(plan)?;
    env.adjust_external_memory(PLAN_BYTES);
    let idv = env.uint32(id)?;
    let fv = env.boolean(fast)?;
    env.array(&[idv, fv])
});

entry!(js_free_plan, 1, |env, st, a| {
    let id = env.usize(a[0], "id")? as u32;
    let freed = st.free_plan(id);
    env.adjust_external_memory(-PLAN_BYTES * freed as i64);
    Ok(null_mut())
});

entry!(js_dlopen, 2, |env, st, a| {
    let path = env.opt_string(a[0], "library path")?;
    let flags = env.i32(a[1], "flags")?;
    let lib = LoadedLib::open(path.as_deref(), flags)?;
    let id = st.libs.borrow_mut().insert(std::rc::Rc::new(lib));
    env.uint32(id)
});

entry!(js_dlsym, 2, |env, st, a| {
    let id = env.usize(a[0], "library id")? as u32;
    let name = env.string(a[1], "symbol name")?;
    let addr = st.lib(id)?.symbol(&name)?;
    env.number(addr as f64)
});

entry!(js_dlclose, 1, |env, st, a| {
    let id = env.usize(a[0], "library id")? as u32;
    let lib = st.libs.borrow_mut().remove(id);
    if let Some(l) = lib {
        l.mark_closed();
        // The library's functions can no longer run: free their plans now
        // rather than when the GC collects the functions (issue #6).
        let freed = st.close_plans_of(&l);
        env.adjust_external_memory(-PLAN_BYTES * freed as i64);
        // Unmapped now, or once the synchronous call in progress (a callback
        // may be closing the library whose function called it) and the
        // library's async calls are done.
        st.unmap_when_idle(l)?;
    }
    Ok(null_mut())
});

entry!(js_layout, 1, |env, _st, a| {
    let d = TypeDesc::parse(&env.string(a[0], "type descriptor")?)?;
    let l = d.layout()?;
    let mut items = vec![env.number(l.size as f64)?, env.number(l.align as f64)?];
    for o in l.offsets {
        items.push(env.number(o as f64)?);
    }
    env.array(&items)
});

entry!(js_address, 1, |env, _st, a| {
    let (addr, _) = env.memory_of(a[0])?;
    env.number(addr as f64)
});

entry!(js_wrap, 2, |env, _st, a| {
    let addr = env.usize(a[0], "address")?;
    let len = env.usize(a[1], "length")?;
    if addr == 0 {
        return Ok(env.null());
    }
    env.external_arraybuffer(addr, len)
});

entry!(js_read_cstring, 1, |env, _st, a| {
    let addr = env.usize(a[0], "address")?;
    if addr == 0 {
        return Err(Error::null_pointer("cannot read a C string at NULL"));
    }
    // SAFETY: the JS layer passes only addresses of pointer Buffers the user
    // declared as C strings (non-null checked above); C cannot be checked.
    env.string_value(&unsafe { crate::memory::read_cstring(addr) })
});

entry!(js_until_zeros, 2, |env, _st, a| {
    let addr = env.usize(a[0], "address")?;
    let width = env.usize(a[1], "width")?;
    if addr == 0 {
        return Err(Error::null_pointer("cannot scan memory at NULL"));
    }
    // SAFETY: as for C strings: the user asserts the memory is terminated.
    let n = unsafe { crate::memory::until_zeros(addr, width) };
    env.number(n as f64)
});

entry!(js_errno, 0, |env, st, _a| { env.int32(st.errno.get()) });

entry!(js_set_errno, 1, |env, st, a| {
    let v = env.i32(a[0], "errno")?;
    st.errno.set(v);
    crate::memory::set_errno(v);
    Ok(null_mut())
});

entry!(js_stats, 0, |env, st, _a| {
    let items = [
        env.number(st.fast_calls.get() as f64)?,
        env.number(st.generic_calls.get() as f64)?,
        env.number(st.callbacks.borrow().live() as f64)?,
        env.number(st.plans.borrow().live() as f64)?,
        env.number(st.libs.borrow().live() as f64)?,
        env.number(crate::trampoline::used() as f64)?,
    ];
    env.array(&items)
});

// createCallback(retDesc, argDescs, fn, blockProtocol) -> [id, codeAddress]
entry!(js_create_callback, 4, |env, st, a| {
    let ret = env.string(a[0], "return type")?;
    let args = env.string(a[1], "argument types")?;
    if env.type_of(a[2]) != crate::napi_env::JsType::Function {
        return Err(Error::arg_type("ffi.Callback needs a function"));
    }
    let block = env.type_of(a[3]) == crate::napi_env::JsType::Boolean && env.bool_value(a[3])?;
    let core = crate::callback::create(&env, st, &ret, &args, block, a[2])?;
    let id = env.uint32(core.id())?;
    let code = env.number(core.code() as f64)?;
    env.array(&[id, code])
});

entry!(js_release_callback, 1, |env, st, a| {
    let id = env.usize(a[0], "callback id")? as u32;
    crate::callback::release(&env, st, id);
    Ok(null_mut())
});

// cdeclParse(source, typeNames, constants, mode) -> JSON description (see src/cdecl.rs)
entry!(js_cdecl_parse, 4, |env, _st, a| {
    let src = env.string(a[0], "C declarations")?;
    let names = env.string(a[1], "type names")?;
    let consts = env.string(a[2], "constants")?;
    let mode = crate::cdecl::Mode::from_name(&env.string(a[3], "mode")?)
        .ok_or_else(|| Error::internal("cdeclParse: unknown mode"))?;
    env.string_value(&crate::cdecl::parse_to_json(&src, &names, &consts, mode))
});

unsafe extern "C" fn cleanup(arg: *mut c_void) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        let st = arg.cast::<EnvState>();
        // SAFETY: `arg` is the pointer `install` returned in `init`, live
        // until `uninstall` below; the env is still usable for deleting its
        // references in a cleanup hook.
        unsafe {
            let done = (*st).async_done.replace(null_mut());
            if !done.is_null() {
                sys::napi_delete_reference((*st).raw_env, done);
            }
        }
        // SAFETY: as above; Node runs this hook once, at environment teardown.
        unsafe { EnvState::uninstall(st) };
    }));
}

#[napi_derive::module_exports]
fn init(exports: JsObject, env: napi::Env) -> napi::Result<()> {
    // SAFETY: module init runs with the live env on its thread.
    let e = unsafe { Env::from_raw(env.raw()) };
    // SAFETY: `exports` belongs to this env.
    let exports = unsafe { exports.raw() };
    let st = EnvState::install(Box::new(EnvState::new(env.raw())));
    // SAFETY: the hook runs once at teardown and frees `st`.
    unsafe { sys::napi_add_env_cleanup_hook(env.raw(), Some(cleanup), st.cast()) };
    let r = (|| -> Result<()> {
        let fns: [(&str, sys::napi_callback); 22] = [
            ("call", Some(js_call)),
            ("callNorm", Some(js_call_norm)),
            ("callAsync", Some(js_call_async)),
            ("setAsyncDone", Some(js_set_async_done)),
            ("copyString", Some(js_copy_string)),
            ("prepare", Some(js_prepare)),
            ("freePlan", Some(js_free_plan)),
            ("dlopen", Some(js_dlopen)),
            ("dlsym", Some(js_dlsym)),
            ("dlclose", Some(js_dlclose)),
            ("layout", Some(js_layout)),
            ("address", Some(js_address)),
            ("wrap", Some(js_wrap)),
            ("readCString", Some(js_read_cstring)),
            ("untilZeros", Some(js_until_zeros)),
            ("errno", Some(js_errno)),
            ("setErrno", Some(js_set_errno)),
            ("stats", Some(js_stats)),
            ("createCallback", Some(js_create_callback)),
            ("releaseCallback", Some(js_release_callback)),
            ("cdeclParse", Some(js_cdecl_parse)),
            ("pointerSize", None),
        ];
        for (name, f) in fns {
            if f.is_some() {
                let v = e.function(name, f, null_mut())?;
                e.set(exports, name, v)?;
            }
        }
        // SAFETY: `st` was just installed and lives until the cleanup hook.
        let block = unsafe { &(*st).block };
        let ab = e.external_arraybuffer(block.as_ptr() as usize, block.bytes())?;
        e.set(exports, "block", ab)?;
        let consts = [
            ("SLOT_ID", SLOT_ID),
            ("SLOT_RET", SLOT_RET),
            ("SLOT_ARG0", SLOT_ARG0),
            ("SLOT_SCRATCH_LO", env::SLOT_SCRATCH_LO),
            ("SLOT_SCRATCH_HI", env::SLOT_SCRATCH_HI),
            ("SCRATCH_START", env::SCRATCH_START),
            ("SLOT_CB_RET", env::SLOT_CB_RET),
            ("SLOT_CB_ARG0", env::SLOT_CB_ARG0),
            ("CB_BLOCK_MAX_ARGS", env::CB_BLOCK_MAX_ARGS),
            ("BLOCK_BYTES", env::BLOCK_BYTES),
            ("MAX_ARGS", MAX_ARGS),
            ("POINTER_SIZE", std::mem::size_of::<usize>()),
        ];
        for (k, v) in consts {
            e.set(exports, k, e.number(v as f64)?)?;
        }
        Ok(())
    })();
    r.map_err(|err| napi::Error::from_reason(err.to_string()))
}
