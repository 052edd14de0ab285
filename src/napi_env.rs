//! A thin, checked wrapper over the raw Node-API calls the engine uses.
//!
//! `Env` can only be made (unsafely) from the `napi_env` handed to a native
//! entry, a finalizer or a thread-safe-function call; while such a callback
//! runs the environment is alive and on this thread, so the methods below
//! are safe to call. Values are plain `napi_value` handles valid for the
//! current handle scope.
//!
//! `napi_value` is a raw pointer type, but it is an opaque handle: this
//! module never dereferences one, it only hands them back to Node-API, and
//! every handle the engine holds came from Node-API in the current scope.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

use std::ffi::{c_void, CString};
use std::ptr::null_mut;

use napi::sys;
use napi::sys::{napi_env, napi_value};

use crate::error::{Error, JsClass, Result};

#[derive(Clone, Copy)]
pub struct Env {
    raw: napi_env,
}

#[inline(always)]
fn check(status: sys::napi_status, what: &str) -> Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        failed(status, what)
    }
}

/// The error of a Node-API call that did not return `napi_ok` (out of the
/// callers' way: `check` inlines to one comparison).
#[cold]
#[inline(never)]
fn failed(status: sys::napi_status, what: &str) -> Result<()> {
    if status == sys::Status::napi_pending_exception {
        Err(Error::new(
            "ERR_REFFI_PENDING_EXCEPTION",
            JsClass::Error,
            what.to_owned(),
        ))
    } else {
        Err(Error::internal(format!(
            "Node-API call failed ({what}, status {status})"
        )))
    }
}

macro_rules! napi {
    ($what:literal, $f:ident ( $($a:expr),* )) => {
        // SAFETY: `self.raw` is a live environment on the current thread
        // (the invariant of `Env`); every pointer argument points to a local
        // or to memory the caller keeps alive for the duration of the call.
        check(unsafe { sys::$f($($a),*) }, $what)
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsType {
    Undefined,
    Null,
    Boolean,
    Number,
    String,
    Object,
    Function,
    BigInt,
    Other,
}

impl Env {
    /// # Safety
    /// `raw` must be the environment of the native callback currently running
    /// on this thread.
    pub unsafe fn from_raw(raw: napi_env) -> Env {
        Env { raw }
    }

    pub fn raw(&self) -> napi_env {
        self.raw
    }

    /// The arguments of the current call (missing ones are `undefined`).
    pub fn args<const N: usize>(&self, info: sys::napi_callback_info) -> Result<([napi_value; N], usize)> {
        let mut argv = [null_mut(); N];
        let mut argc = N;
        napi!(
            "get_cb_info",
            napi_get_cb_info(self.raw, info, &mut argc, argv.as_mut_ptr(), null_mut(), null_mut())
        )?;
        let u = self.undefined();
        for a in argv.iter_mut().skip(argc.min(N)) {
            *a = u;
        }
        Ok((argv, argc))
    }

    pub fn type_of(&self, v: napi_value) -> JsType {
        let mut t = 0;
        if napi!("typeof", napi_typeof(self.raw, v, &mut t)).is_err() {
            return JsType::Other;
        }
        match t {
            sys::ValueType::napi_undefined => JsType::Undefined,
            sys::ValueType::napi_null => JsType::Null,
            sys::ValueType::napi_boolean => JsType::Boolean,
            sys::ValueType::napi_number => JsType::Number,
            sys::ValueType::napi_string => JsType::String,
            sys::ValueType::napi_object => JsType::Object,
            sys::ValueType::napi_function => JsType::Function,
            sys::ValueType::napi_bigint => JsType::BigInt,
            _ => JsType::Other,
        }
    }

    pub fn is_nullish(&self, v: napi_value) -> bool {
        matches!(self.type_of(v), JsType::Undefined | JsType::Null)
    }

    pub fn f64(&self, v: napi_value, what: &str) -> Result<f64> {
        let mut out = 0f64;
        napi!("get_value_double", napi_get_value_double(self.raw, v, &mut out))
            .map_err(|_| Error::arg_type(format!("{what} must be a number")))?;
        Ok(out)
    }

    /// A non-negative integer below 2^53 (ids, lengths, addresses).
    pub fn usize(&self, v: napi_value, what: &str) -> Result<usize> {
        let f = self.f64(v, what)?;
        if f.fract() != 0.0 || !(0.0..9007199254740992.0).contains(&f) {
            return Err(Error::new(
                "ERR_REFFI_ARG_RANGE",
                JsClass::RangeError,
                format!("{what} must be a non-negative integer, got {f}"),
            ));
        }
        Ok(f as usize)
    }

    pub fn i32(&self, v: napi_value, what: &str) -> Result<i32> {
        let f = self.f64(v, what)?;
        if f.fract() != 0.0 || f < i32::MIN as f64 || f > i32::MAX as f64 {
            return Err(Error::new(
                "ERR_REFFI_ARG_RANGE",
                JsClass::RangeError,
                format!("{what} must be an int32"),
            ));
        }
        Ok(f as i32)
    }

    pub fn bigint_u64(&self, v: napi_value) -> Result<u64> {
        let mut out = 0u64;
        let mut lossless = false;
        napi!(
            "get_value_bigint_uint64",
            napi_get_value_bigint_uint64(self.raw, v, &mut out, &mut lossless)
        )?;
        Ok(out)
    }

    pub fn string(&self, v: napi_value, what: &str) -> Result<String> {
        let mut len = 0usize;
        napi!(
            "get_value_string_utf8",
            napi_get_value_string_utf8(self.raw, v, null_mut(), 0, &mut len)
        )
        .map_err(|_| Error::arg_type(format!("{what} must be a string")))?;
        let mut buf = vec![0u8; len + 1];
        napi!(
            "get_value_string_utf8",
            napi_get_value_string_utf8(self.raw, v, buf.as_mut_ptr().cast(), len + 1, &mut len)
        )?;
        buf.truncate(len);
        String::from_utf8(buf).map_err(|_| Error::arg_type(format!("{what} is not valid UTF-8")))
    }

    pub fn opt_string(&self, v: napi_value, what: &str) -> Result<Option<String>> {
        if self.is_nullish(v) {
            Ok(None)
        } else {
            self.string(v, what).map(Some)
        }
    }

    pub fn undefined(&self) -> napi_value {
        let mut v = null_mut();
        let _ = napi!("get_undefined", napi_get_undefined(self.raw, &mut v));
        v
    }

    pub fn null(&self) -> napi_value {
        let mut v = null_mut();
        let _ = napi!("get_null", napi_get_null(self.raw, &mut v));
        v
    }

    pub fn boolean(&self, b: bool) -> Result<napi_value> {
        let mut v = null_mut();
        napi!("get_boolean", napi_get_boolean(self.raw, b, &mut v))?;
        Ok(v)
    }

    pub fn number(&self, f: f64) -> Result<napi_value> {
        let mut v = null_mut();
        napi!("create_double", napi_create_double(self.raw, f, &mut v))?;
        Ok(v)
    }

    pub fn bool_value(&self, v: napi_value) -> Result<bool> {
        let mut b = false;
        napi!("get_value_bool", napi_get_value_bool(self.raw, v, &mut b))?;
        Ok(b)
    }

    pub fn int32(&self, i: i32) -> Result<napi_value> {
        let mut v = null_mut();
        napi!("create_int32", napi_create_int32(self.raw, i, &mut v))?;
        Ok(v)
    }

    pub fn uint32(&self, i: u32) -> Result<napi_value> {
        let mut v = null_mut();
        napi!("create_uint32", napi_create_uint32(self.raw, i, &mut v))?;
        Ok(v)
    }

    /// A 64-bit integer as ref-napi returns it: a Number when exactly
    /// representable, otherwise a decimal string.
    pub fn int64(&self, i: i128) -> Result<napi_value> {
        if i.unsigned_abs() <= (1u128 << 53) {
            self.number(i as f64)
        } else {
            self.string_value(&i.to_string())
        }
    }

    pub fn string_value(&self, s: &str) -> Result<napi_value> {
        let mut v = null_mut();
        napi!(
            "create_string_utf8",
            napi_create_string_utf8(self.raw, s.as_ptr().cast(), s.len(), &mut v)
        )?;
        Ok(v)
    }

    pub fn array(&self, items: &[napi_value]) -> Result<napi_value> {
        let mut arr = null_mut();
        napi!(
            "create_array",
            napi_create_array_with_length(self.raw, items.len(), &mut arr)
        )?;
        for (i, it) in items.iter().enumerate() {
            napi!("set_element", napi_set_element(self.raw, arr, i as u32, *it))?;
        }
        Ok(arr)
    }

    /// An ArrayBuffer over foreign memory `[addr, addr + max(len, 1))`, no
    /// finalizer: the memory belongs to C. The one-byte minimum keeps the
    /// address observable through a zero-length view.
    pub fn external_arraybuffer(&self, addr: usize, len: usize) -> Result<napi_value> {
        let mut v = null_mut();
        napi!(
            "create_external_arraybuffer",
            napi_create_external_arraybuffer(self.raw, addr as *mut c_void, len.max(1), None, null_mut(), &mut v)
        )?;
        Ok(v)
    }

    /// A new Buffer holding a copy of `bytes`.
    pub fn buffer_copy(&self, bytes: &[u8]) -> Result<napi_value> {
        let mut v = null_mut();
        let mut data = null_mut();
        napi!(
            "create_buffer_copy",
            napi_create_buffer_copy(self.raw, bytes.len(), bytes.as_ptr().cast(), &mut data, &mut v)
        )?;
        Ok(v)
    }

    /// Data address and byte length of a TypedArray (Buffer), DataView or
    /// ArrayBuffer.
    pub fn memory_of(&self, v: napi_value) -> Result<(usize, usize)> {
        let mut yes = false;
        napi!("is_typedarray", napi_is_typedarray(self.raw, v, &mut yes))?;
        if yes {
            let (mut t, mut len, mut data, mut ab, mut off) = (0, 0usize, null_mut(), null_mut(), 0usize);
            napi!(
                "get_typedarray_info",
                napi_get_typedarray_info(self.raw, v, &mut t, &mut len, &mut data, &mut ab, &mut off)
            )?;
            let elem = match t {
                sys::TypedarrayType::int16_array | sys::TypedarrayType::uint16_array => 2,
                sys::TypedarrayType::int32_array
                | sys::TypedarrayType::uint32_array
                | sys::TypedarrayType::float32_array => 4,
                sys::TypedarrayType::float64_array
                | sys::TypedarrayType::bigint64_array
                | sys::TypedarrayType::biguint64_array => 8,
                _ => 1,
            };
            return Ok((data as usize, len * elem));
        }
        napi!("is_arraybuffer", napi_is_arraybuffer(self.raw, v, &mut yes))?;
        if yes {
            let (mut data, mut len) = (null_mut(), 0usize);
            napi!(
                "get_arraybuffer_info",
                napi_get_arraybuffer_info(self.raw, v, &mut data, &mut len)
            )?;
            return Ok((data as usize, len));
        }
        napi!("is_dataview", napi_is_dataview(self.raw, v, &mut yes))?;
        if yes {
            let (mut len, mut data, mut ab, mut off) = (0usize, null_mut(), null_mut(), 0usize);
            napi!(
                "get_dataview_info",
                napi_get_dataview_info(self.raw, v, &mut len, &mut data, &mut ab, &mut off)
            )?;
            return Ok((data as usize, len));
        }
        Err(Error::arg_type("expected a Buffer, TypedArray or ArrayBuffer"))
    }

    pub fn function(&self, name: &str, cb: sys::napi_callback, data: *mut c_void) -> Result<napi_value> {
        let mut v = null_mut();
        napi!(
            "create_function",
            napi_create_function(self.raw, name.as_ptr().cast(), name.len(), cb, data, &mut v)
        )?;
        Ok(v)
    }

    pub fn set(&self, obj: napi_value, key: &str, val: napi_value) -> Result<()> {
        let k = CString::new(key).map_err(|_| Error::internal("NUL in a property name"))?;
        napi!(
            "set_named_property",
            napi_set_named_property(self.raw, obj, k.as_ptr(), val)
        )
    }

    pub fn reference(&self, v: napi_value) -> Result<sys::napi_ref> {
        let mut r = null_mut();
        napi!("create_reference", napi_create_reference(self.raw, v, 1, &mut r))?;
        Ok(r)
    }

    pub fn deref(&self, r: sys::napi_ref) -> Result<napi_value> {
        let mut v = null_mut();
        napi!("get_reference_value", napi_get_reference_value(self.raw, r, &mut v))?;
        if v.is_null() {
            return Err(Error::internal("a reference was collected"));
        }
        Ok(v)
    }

    /// Tells V8 about native memory held on behalf of JS objects, so the
    /// garbage collector (and the finalizers that free it) runs in time.
    pub fn adjust_external_memory(&self, bytes: i64) {
        let mut total = 0i64;
        let _ = napi!(
            "adjust_external_memory",
            napi_adjust_external_memory(self.raw, bytes, &mut total)
        );
    }

    pub fn delete_reference(&self, r: sys::napi_ref) {
        let _ = napi!("delete_reference", napi_delete_reference(self.raw, r));
    }

    /// Calls `f` with `args` and `this = undefined`. An exception stays
    /// pending in the environment and is reported as `Err`.
    /// Calls `f` with `f` itself as `this` (for functions that do not use
    /// `this`: saves fetching `undefined` on the callback hot path).
    #[inline(always)]
    pub fn call_self(&self, f: napi_value, args: &[napi_value]) -> Result<napi_value> {
        let mut out = null_mut();
        napi!(
            "call_function",
            napi_call_function(self.raw, f, f, args.len(), args.as_ptr(), &mut out)
        )?;
        Ok(out)
    }

    pub fn call(&self, f: napi_value, args: &[napi_value]) -> Result<napi_value> {
        let mut out = null_mut();
        let recv = self.undefined();
        napi!(
            "call_function",
            napi_call_function(self.raw, recv, f, args.len(), args.as_ptr(), &mut out)
        )?;
        Ok(out)
    }

    pub fn exception_pending(&self) -> bool {
        let mut yes = false;
        let _ = napi!("is_exception_pending", napi_is_exception_pending(self.raw, &mut yes));
        yes
    }

    /// Takes the pending exception (if any) and reports it as uncaught.
    pub fn report_pending_as_uncaught(&self) {
        if self.exception_pending() {
            let mut e = null_mut();
            if napi!(
                "get_and_clear_last_exception",
                napi_get_and_clear_last_exception(self.raw, &mut e)
            )
            .is_ok()
            {
                let _ = napi!("fatal_exception", napi_fatal_exception(self.raw, e));
            }
        }
    }

    /// Makes a JS error object for `e` (with `code`).
    pub fn error_value(&self, e: &Error) -> Result<napi_value> {
        let code = self.string_value(e.code)?;
        let msg = self.string_value(&e.message)?;
        let mut v = null_mut();
        match e.class {
            JsClass::TypeError => napi!("create_type_error", napi_create_type_error(self.raw, code, msg, &mut v))?,
            JsClass::RangeError => napi!(
                "create_range_error",
                napi_create_range_error(self.raw, code, msg, &mut v)
            )?,
            JsClass::Error => napi!("create_error", napi_create_error(self.raw, code, msg, &mut v))?,
        }
        Ok(v)
    }

    /// Throws `e` unless an exception is already pending.
    pub fn throw(&self, e: &Error) {
        if self.exception_pending() {
            return;
        }
        if let Ok(v) = self.error_value(e) {
            let _ = napi!("throw", napi_throw(self.raw, v));
        }
    }

    pub fn open_scope(&self) -> Result<sys::napi_handle_scope> {
        let mut s = null_mut();
        napi!("open_handle_scope", napi_open_handle_scope(self.raw, &mut s))?;
        Ok(s)
    }

    pub fn close_scope(&self, s: sys::napi_handle_scope) {
        let _ = napi!("close_handle_scope", napi_close_handle_scope(self.raw, s));
    }
}
