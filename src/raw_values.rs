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

/// How a scalar callback argument or result travels through the argument
/// block (the block protocol, see `callback.rs`): as the bits of an `f64`
/// (every integer up to 32 bits, bool, floats, and addresses, which are
/// below 2^53), or as raw 64-bit integer bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockScalar {
    Int {
        bytes: u8,
        signed: bool,
    },
    Bool,
    F32,
    F64,
    /// A pointer or `char *` (as an address).
    Addr,
    /// A 64-bit integer, raw bits.
    Bits64,
}

impl BlockScalar {
    /// The block form of type `t`, or `None` if it does not travel that way.
    pub fn of(t: &TypeDesc) -> Option<BlockScalar> {
        Some(match t {
            TypeDesc::Bool => BlockScalar::Bool,
            TypeDesc::Int { bytes: 8, .. } => BlockScalar::Bits64,
            TypeDesc::Int { bytes, signed } if *bytes <= 4 => BlockScalar::Int {
                bytes: *bytes,
                signed: *signed,
            },
            TypeDesc::F32 => BlockScalar::F32,
            TypeDesc::F64 => BlockScalar::F64,
            TypeDesc::Pointer | TypeDesc::CString => BlockScalar::Addr,
            _ => return None,
        })
    }

    /// Reads the C value at `p` as block bits. `int` and `double` are
    /// tested first, with plain branches: a dispatch through a jump table
    /// costs a few ns per callback argument here.
    ///
    /// # Safety
    /// `p` must point to a readable value of the type this was made from.
    #[inline(always)]
    pub unsafe fn load(self, p: *const std::ffi::c_void) -> u64 {
        if self == (BlockScalar::Int { bytes: 4, signed: true }) {
            // SAFETY: the caller guarantees an `int32_t` at `p`.
            return f64::from(unsafe { (p as *const i32).read_unaligned() }).to_bits();
        }
        if self == BlockScalar::F64 {
            // SAFETY: the caller guarantees a `double` at `p`.
            return unsafe { (p as *const u64).read_unaligned() };
        }
        // SAFETY: forwarded.
        unsafe { self.load_other(p) }
    }

    /// [`BlockScalar::load`] for the other kinds.
    ///
    /// # Safety
    /// As for `load`.
    #[inline(never)]
    unsafe fn load_other(self, p: *const std::ffi::c_void) -> u64 {
        macro_rules! rd {
            ($ty:ty) => {
                // SAFETY: the caller guarantees a value of this type at `p`.
                unsafe { (p as *const $ty).read_unaligned() }
            };
        }
        let f = match self {
            BlockScalar::Int { bytes: 1, signed: true } => rd!(i8) as f64,
            BlockScalar::Int {
                bytes: 1,
                signed: false,
            } => rd!(u8) as f64,
            BlockScalar::Int { bytes: 2, signed: true } => rd!(i16) as f64,
            BlockScalar::Int {
                bytes: 2,
                signed: false,
            } => rd!(u16) as f64,
            BlockScalar::Int { signed: true, .. } => rd!(i32) as f64,
            BlockScalar::Int { signed: false, .. } => rd!(u32) as f64,
            BlockScalar::Bool => (rd!(u8) != 0) as u8 as f64,
            BlockScalar::F32 => rd!(f32) as f64,
            BlockScalar::F64 => rd!(f64),
            BlockScalar::Addr => rd!(usize) as f64,
            BlockScalar::Bits64 => return rd!(u64),
        };
        f.to_bits()
    }

    /// Writes block bits as the C result at `ret` (libffi's result buffer,
    /// at least 8 bytes), widened to a full register for small integers as
    /// libffi requires. JavaScript has already checked the value's range
    /// and wrote integers up to 32 bits and bool as a 32-bit integer in the
    /// slot's low half (no float conversion here), 64-bit integers as their
    /// bits, the others as a double.
    ///
    /// # Safety
    /// `ret` must have at least 8 writable bytes.
    #[inline(always)]
    pub unsafe fn store(self, bits: u64, ret: *mut std::ffi::c_void) {
        if self == (BlockScalar::Int { bytes: 4, signed: true }) {
            // (the JS wrapper wrote an Int32 into the low half)
            let v = bits as u32 as i32 as i64 as u64;
            // SAFETY: `ret` has at least 8 writable bytes (contract).
            unsafe { (ret as *mut u64).write_unaligned(v) };
            return;
        }
        // SAFETY: forwarded.
        unsafe { self.store_other(bits, ret) }
    }

    /// [`BlockScalar::store`] for the other kinds.
    ///
    /// # Safety
    /// As for `store`.
    #[inline(never)]
    unsafe fn store_other(self, bits: u64, ret: *mut std::ffi::c_void) {
        let f = f64::from_bits(bits);
        let int = |f: f64| if f < 0.0 { f as i64 as u64 } else { f as u64 };
        let word = match self {
            BlockScalar::Int { bytes, signed } => {
                // (the JS wrapper wrote a 32-bit integer into the low half)
                let shift = 64 - 8 * u32::from(bytes);
                let v = bits as u32 as u64;
                if signed {
                    (((v << shift) as i64) >> shift) as u64
                } else {
                    (v << shift) >> shift
                }
            }
            BlockScalar::Bool => (bits as u32 != 0) as u64,
            BlockScalar::F32 => {
                // SAFETY: `ret` has at least 8 writable bytes (contract).
                unsafe { (ret as *mut u64).write_unaligned(0) };
                // SAFETY: as above.
                unsafe { (ret as *mut f32).write_unaligned(f as f32) };
                return;
            }
            BlockScalar::F64 => bits,
            BlockScalar::Addr => int(f),
            BlockScalar::Bits64 => bits,
        };
        // SAFETY: `ret` has at least 8 writable bytes (contract).
        unsafe { (ret as *mut u64).write_unaligned(word) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(t: &str, bits_in: u64) -> u64 {
        let s = BlockScalar::of(&TypeDesc::parse(t).unwrap()).unwrap();
        let mut out = 0u64;
        // SAFETY: `out` is 8 writable bytes.
        unsafe { s.store(bits_in, (&mut out as *mut u64).cast()) };
        out
    }

    #[test]
    fn block_scalars_load_and_store() {
        let v: i16 = -5;
        let s = BlockScalar::of(&TypeDesc::parse("i16").unwrap()).unwrap();
        // SAFETY: `v` is a live i16.
        assert_eq!(f64::from_bits(unsafe { s.load((&v as *const i16).cast()) }), -5.0);
        // (integers and bool as the JS wrapper writes them: an Int32 in the
        // low half, the high half left as it was)
        let i32_bits = |v: i32| 0xdead_beef_0000_0000 | u64::from(v as u32);
        assert_eq!(round("i8", i32_bits(-1)), u64::MAX);
        assert_eq!(round("u8", i32_bits(255)), 255);
        assert_eq!(round("u32", i32_bits(-1)), 4294967295);
        assert_eq!(round("i32", i32_bits(-2)) as i64, -2);
        assert_eq!(round("i16", i32_bits(-300)) as i64, -300);
        assert_eq!(round("b", i32_bits(1)), 1);
        assert_eq!(round("b", i32_bits(0)), 0);
        assert_eq!(round("p", 4096f64.to_bits()), 4096);
        assert_eq!(round("u64", u64::MAX), u64::MAX);
        assert_eq!(f32::from_bits(round("f32", 1.5f64.to_bits()) as u32), 1.5);
        assert!(BlockScalar::of(&TypeDesc::parse("{i32,i32}").unwrap()).is_none());
    }
}
