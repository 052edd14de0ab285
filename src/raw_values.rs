//! Conversions between C values in memory and JS values, for callback
//! arguments and results (the synchronous call path never converts here:
//! JavaScript reads and writes the argument block directly).
//!
//! Pointers become ArrayBuffers over the foreign memory (the JS layer wraps
//! them as Buffers), `char *` becomes a string, structs and unions by value
//! become Buffers holding a copy. The JS callback wrapper has already
//! validated and normalised a result: a Number (or BigInt for 64-bit
//! integers), an address Number for pointers, a Buffer for aggregates.
#![allow(clippy::not_unsafe_ptr_arg_deref)] // napi_value: opaque handles, see napi_env.rs

use napi::sys::napi_value;

use crate::error::{Error, Result};
use crate::napi_env::{Env, JsType};
use crate::types::TypeDesc;

/// Converts the C value at address `p` (of type `t`) to JS.
pub fn c_to_js(env: &Env, t: &TypeDesc, p: usize) -> Result<napi_value> {
    macro_rules! rd {
        ($ty:ty) => {
            // SAFETY: `p` points to a value of the declared type `t` (libffi
            // passes one pointer per argument of the prepared cif).
            unsafe { (p as *const $ty).read_unaligned() }
        };
    }
    match t {
        TypeDesc::Void => Ok(env.undefined()),
        TypeDesc::Bool => env.boolean(rd!(u8) != 0),
        TypeDesc::Int { bytes: 1, signed: true } => env.int32(rd!(i8) as i32),
        TypeDesc::Int {
            bytes: 1,
            signed: false,
        } => env.int32(rd!(u8) as i32),
        TypeDesc::Int { bytes: 2, signed: true } => env.int32(rd!(i16) as i32),
        TypeDesc::Int {
            bytes: 2,
            signed: false,
        } => env.int32(rd!(u16) as i32),
        TypeDesc::Int { bytes: 4, signed: true } => env.int32(rd!(i32)),
        TypeDesc::Int {
            bytes: 4,
            signed: false,
        } => env.uint32(rd!(u32)),
        TypeDesc::Int { signed: true, .. } => env.int64(rd!(i64) as i128),
        TypeDesc::Int { signed: false, .. } => env.int64(rd!(u64) as i128),
        TypeDesc::F32 => env.number(rd!(f32) as f64),
        TypeDesc::F64 => env.number(rd!(f64)),
        TypeDesc::Pointer => {
            let a = rd!(usize);
            if a == 0 {
                Ok(env.null())
            } else {
                env.external_arraybuffer(a, 0)
            }
        }
        TypeDesc::CString => {
            let a = rd!(usize);
            if a == 0 {
                Ok(env.null())
            } else {
                // SAFETY: a non-null `char *` argument is a C string by the
                // declared signature.
                env.string_value(&unsafe { crate::memory::read_cstring(a) })
            }
        }
        TypeDesc::Opaque { size, align } if !t.is_aggregate() => {
            let _ = align;
            let v = match size {
                1 => rd!(u8) as u64,
                2 => rd!(u16) as u64,
                4 => rd!(u32) as u64,
                _ => rd!(u64),
            };
            env.int64(v as i128)
        }
        _ => {
            let size = t.layout()?.size;
            // SAFETY: an aggregate argument points to `size` readable bytes.
            let bytes = unsafe { std::slice::from_raw_parts(p as *const u8, size) };
            env.buffer_copy(bytes)
        }
    }
}

/// Writes the JS result `v` as a C value of type `t` at `ret` (libffi's
/// result buffer: at least `max(size, 8)` bytes; integers are widened to a
/// full register as libffi requires).
pub fn js_to_c(env: &Env, t: &TypeDesc, v: napi_value, ret: usize, size: usize) -> Result<()> {
    let number = |what: &str| -> Result<f64> {
        match env.type_of(v) {
            JsType::Number => env.f64(v, what),
            JsType::Boolean => Ok(if env.bool_value(v)? { 1.0 } else { 0.0 }),
            JsType::Undefined | JsType::Null => Ok(0.0),
            _ => Err(Error::arg_type(format!("callback must return {what}"))),
        }
    };
    macro_rules! wr {
        ($ty:ty, $val:expr) => {
            // SAFETY: `ret` is libffi's result buffer, at least 8 bytes and
            // at least the return type's size.
            unsafe { (ret as *mut $ty).write_unaligned($val) }
        };
    }
    match t {
        TypeDesc::Void => Ok(()),
        TypeDesc::Bool | TypeDesc::Int { bytes: 1..=4, .. } => {
            let f = number("a number")?;
            let signed = matches!(t, TypeDesc::Int { signed: true, .. });
            if signed {
                wr!(i64, f as i64);
            } else {
                wr!(u64, f as i64 as u64);
            }
            Ok(())
        }
        TypeDesc::Int { .. } | TypeDesc::Pointer | TypeDesc::CString => {
            let bits = if env.type_of(v) == JsType::BigInt {
                env.bigint_u64(v)?
            } else {
                let f = number("an integer or address")?;
                if f < 0.0 {
                    f as i64 as u64
                } else {
                    f as u64
                }
            };
            wr!(u64, bits);
            Ok(())
        }
        TypeDesc::F32 => {
            wr!(f32, number("a number")? as f32);
            Ok(())
        }
        TypeDesc::F64 => {
            wr!(f64, number("a number")?);
            Ok(())
        }
        _ if !t.is_aggregate() => {
            wr!(u64, number("a number")? as i64 as u64);
            Ok(())
        }
        _ => {
            let (addr, len) = env.memory_of(v)?;
            if len < size {
                return Err(Error::arg_type(format!(
                    "callback returned a buffer of {len} bytes for a {size}-byte struct"
                )));
            }
            // SAFETY: `addr` has `len >= size` bytes (checked); `ret` has
            // `size` bytes; a JS buffer and libffi's result never overlap.
            unsafe { crate::memory::copy(ret, addr, size) };
            Ok(())
        }
    }
}
