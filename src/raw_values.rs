//! Conversions between C values in memory and JS values, for callback
//! arguments and results (the synchronous call path never converts here:
//! JavaScript reads and writes the argument block directly).
//!
//! Pointers become their address as a Number (or `null`; the JS layer wraps
//! them as Buffers of the length the declared type implies), `char *`
//! becomes a string, structs and unions by value become Buffers holding a
//! copy, 64-bit integers a Number when exact and a decimal string otherwise
//! (as ref-napi reads them). The JS callback wrapper (`lib/ffi.js`) has
//! already validated and normalised a result: a Number or BigInt for
//! integers, floats and addresses, a Buffer for aggregates; `undefined` and
//! `null` mean zero.
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
                // Addresses are below 2^53 on every supported platform
                // (47/48-bit user address spaces), so a Number is exact.
                env.number(a as f64)
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
        if let Ok(f) = env.f64(v, what) {
            return Ok(f); // the common case: one Node-API call
        }
        match env.type_of(v) {
            JsType::Number => env.f64(v, what),
            JsType::BigInt => Ok(env.bigint_u64(v)? as i64 as f64),
            JsType::Boolean => Ok(if env.bool_value(v)? { 1.0 } else { 0.0 }),
            JsType::Undefined | JsType::Null => Ok(0.0),
            _ => Err(Error::arg_type(format!("callback must return {what}"))),
        }
    };
    // Integer bits: a BigInt exactly (two's complement), a Number truncated.
    let int_bits = |what: &str| -> Result<u64> {
        if env.type_of(v) == JsType::BigInt {
            return env.bigint_u64(v);
        }
        let f = number(what)?;
        Ok(if f < 0.0 { f as i64 as u64 } else { f as u64 })
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
        TypeDesc::Bool => {
            wr!(u64, (int_bits("a boolean")? != 0) as u64);
            Ok(())
        }
        TypeDesc::Int {
            bytes: bytes @ 1..=4,
            signed,
        } => {
            // Widened to a full register as libffi expects for small returns.
            let bits = int_bits("a number")?;
            let shift = 64 - 8 * u32::from(*bytes);
            let v = if *signed {
                (((bits << shift) as i64) >> shift) as u64
            } else {
                (bits << shift) >> shift
            };
            wr!(u64, v);
            Ok(())
        }
        TypeDesc::Int { .. } | TypeDesc::Pointer | TypeDesc::CString => {
            wr!(u64, int_bits("an integer or address")?);
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
            // An integer-like opaque type (a custom type known by size).
            let bits = int_bits("a number")?;
            let size = t.layout()?.size;
            wr!(
                u64,
                if size >= 8 {
                    bits
                } else {
                    bits & ((1u64 << (size * 8)) - 1)
                }
            );
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
