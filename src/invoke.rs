//! The raw call: the one place that jumps into foreign code.
//!
//! Two paths share one contract — `args[i]` is the 8-byte slot of argument
//! `i` (a scalar stored little-endian from the slot start, or for a struct or
//! union passed by value the address of its bytes), and the return value
//! comes back normalised into a `u64` (see [`normalize`]):
//! - the **register thunk** (x86-64 System V): the signature was proven by
//!   [`crate::plan::fast_map`] to travel entirely in registers, so the target
//!   is called as a function of 6 integer and 8 SSE registers;
//! - the **generic path**: libffi's `ffi_call` with the prepared `Cif`.

use std::ffi::c_void;

use crate::plan::{Plan, RetMode, MAX_ARGS};
use crate::types::TypeDesc;

/// Calls the plan's function with `args` (one slot per argument).
/// `ret_dest` is where a struct/union return is written (ignored otherwise).
/// Returns the normalised scalar result and whether the fast path ran.
///
/// # Safety
/// - `plan.fn_ptr` must be a function with the plan's signature (the user's
///   declaration; C cannot check it).
/// - `args.len()` equals the plan's argument count; every pointer-typed slot
///   (including aggregate addresses) must be valid for what the callee does.
/// - for an aggregate return, `ret_dest` must be writable for the size of
///   the return type rounded up to 16 bytes.
pub unsafe fn call(plan: &Plan, args: &[u64], ret_dest: *mut c_void) -> (u64, bool) {
    #[cfg(all(target_arch = "x86_64", unix))]
    if let Some(m) = &plan.fast {
        // SAFETY: forwarded from this function's contract; `fast_map` proved
        // the signature fits the register thunk.
        let raw = unsafe { fast::call(m, plan.fn_ptr, args) };
        return (normalize(&plan.ret, raw), true);
    }
    // SAFETY: forwarded from this function's contract.
    let raw = unsafe { call_generic(plan, args, ret_dest) };
    (normalize(&plan.ret, raw), false)
}

/// # Safety
/// As for [`call`].
unsafe fn call_generic(plan: &Plan, args: &[u64], ret_dest: *mut c_void) -> u64 {
    let n = args.len().min(MAX_ARGS);
    let mut vals = [0u64; MAX_ARGS];
    vals[..n].copy_from_slice(&args[..n]);
    let base = vals.as_mut_ptr();
    let mut ptrs = [std::ptr::null_mut::<c_void>(); MAX_ARGS];
    for (i, p) in ptrs.iter_mut().enumerate().take(n) {
        *p = if plan.aggregate_arg[i] {
            vals[i] as usize as *mut c_void
        } else {
            // SAFETY: i < n <= MAX_ARGS, inside `vals`.
            unsafe { base.add(i) }.cast()
        };
    }
    // libffi writes at least a full register (ffi_arg) for scalar returns.
    let mut ret = [0u64; 4];
    let rp: *mut c_void = match plan.ret_mode {
        RetMode::Aggregate(_) => ret_dest,
        _ => ret.as_mut_ptr().cast(),
    };
    // SAFETY: the fn pointer is non-null (checked in `Plan::new`) and has the
    // declared signature per the caller's contract; transmuting a non-null
    // data address to a code pointer is how dlsym results are called.
    let f: unsafe extern "C" fn() = unsafe { std::mem::transmute::<usize, unsafe extern "C" fn()>(plan.fn_ptr) };
    // SAFETY: the cif was prepared for exactly these argument types; `ptrs`
    // holds one valid pointer per argument (slots in `vals`, or aggregate
    // addresses the caller vouched for); `rp` is large enough (32 bytes for
    // scalars, caller's buffer for aggregates).
    unsafe {
        libffi::raw::ffi_call(plan.cif.as_raw_ptr(), Some(f), rp, ptrs.as_mut_ptr());
    }
    ret[0]
}

/// [`normalize`] reduced to a code, for the hot path's flat table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Norm {
    Bool,
    I8,
    U8,
    I16,
    U16,
    Low32,
    F32,
    Raw,
}

impl Norm {
    pub fn of(ret: &TypeDesc) -> Norm {
        match ret {
            TypeDesc::Bool => Norm::Bool,
            TypeDesc::Int { bytes: 1, signed: true } => Norm::I8,
            TypeDesc::Int {
                bytes: 1,
                signed: false,
            } => Norm::U8,
            TypeDesc::Int { bytes: 2, signed: true } => Norm::I16,
            TypeDesc::Int {
                bytes: 2,
                signed: false,
            } => Norm::U16,
            TypeDesc::Int { bytes: 4, .. } => Norm::Low32,
            TypeDesc::F32 => Norm::F32,
            _ => Norm::Raw,
        }
    }

    #[inline(always)]
    pub fn apply(self, raw: u64) -> u64 {
        match self {
            Norm::Bool => (raw as u8 != 0) as u64,
            Norm::I8 => raw as i8 as i32 as u32 as u64,
            Norm::U8 => raw as u8 as u64,
            Norm::I16 => raw as i16 as i32 as u32 as u64,
            Norm::U16 => raw as u16 as u64,
            Norm::Low32 => raw as u32 as u64,
            Norm::F32 => f64::from(f32::from_bits(raw as u32)).to_bits(),
            Norm::Raw => raw,
        }
    }
}

/// Normalises a raw return register into the form the JS side reads:
/// signed integers up to 32 bits sign-extended into the low 32 bits,
/// unsigned zero-extended, `float` widened to `double` bits.
pub fn normalize(ret: &TypeDesc, raw: u64) -> u64 {
    match ret {
        TypeDesc::Bool => (raw as u8 != 0) as u64,
        TypeDesc::Int { bytes: 1, signed: true } => raw as i8 as i32 as u32 as u64,
        TypeDesc::Int {
            bytes: 1,
            signed: false,
        } => raw as u8 as u64,
        TypeDesc::Int { bytes: 2, signed: true } => raw as i16 as i32 as u32 as u64,
        TypeDesc::Int {
            bytes: 2,
            signed: false,
        } => raw as u16 as u64,
        TypeDesc::Int { bytes: 4, .. } => raw as u32 as u64,
        TypeDesc::F32 => f64::from(f32::from_bits(raw as u32)).to_bits(),
        TypeDesc::Opaque { size, .. } if *size < 8 => raw & ((1u64 << (size * 8)) - 1),
        _ => raw,
    }
}

/// The register-thunk call on arguments written in the register layout
/// (`plan::REG_XMM_BASE`): slots 0..6 go to the integer registers, the first
/// `xmm` of slots 6..14 to the SSE registers, whatever the signature — the
/// callee ignores registers it does not declare. Returns the result
/// normalised by `norm`.
///
/// # Safety
/// `fn_ptr` must be a plan's function whose `fast` map is set and whose
/// return class is SSE exactly when `float_ret`; `xmm` must be
/// `xmm_class` of its SSE-class argument count; `args` must point to 14
/// readable slots written by the JS wrapper in the register layout;
/// otherwise as for [`call`].
#[cfg(all(target_arch = "x86_64", unix))]
#[inline(always)]
pub unsafe fn call_registers(fn_ptr: usize, float_ret: bool, xmm: u8, norm: Norm, args: *const u64) -> u64 {
    // SAFETY: forwarded from this function's contract.
    norm.apply(unsafe { fast::call_registers(fn_ptr, float_ret, xmm, args) })
}

/// How many SSE registers the hot path loads for `nxmm` SSE-class
/// arguments: 0, 4 or 8.
pub fn xmm_class(nxmm: u8) -> u8 {
    match nxmm {
        0 => 0,
        1..=4 => 4,
        _ => 8,
    }
}

#[cfg(all(target_arch = "x86_64", unix))]
mod fast {
    use crate::plan::FastMap;

    use super::xmm_class;

    type I0 = unsafe extern "C" fn(u64, u64, u64, u64, u64, u64) -> u64;
    type F0 = unsafe extern "C" fn(u64, u64, u64, u64, u64, u64) -> f64;
    type I4 = unsafe extern "C" fn(u64, u64, u64, u64, u64, u64, f64, f64, f64, f64) -> u64;
    type F4 = unsafe extern "C" fn(u64, u64, u64, u64, u64, u64, f64, f64, f64, f64) -> f64;
    type I8 = unsafe extern "C" fn(u64, u64, u64, u64, u64, u64, f64, f64, f64, f64, f64, f64, f64, f64) -> u64;
    type F8 = unsafe extern "C" fn(u64, u64, u64, u64, u64, u64, f64, f64, f64, f64, f64, f64, f64, f64) -> f64;

    /// # Safety
    /// `f` must be a non-variadic System V function whose parameters are
    /// exactly the scalars `m` maps (integer class in order to rdi..r9,
    /// SSE class to xmm0..7) and whose return class matches `m.float_ret`.
    /// Loading the unused registers with zeros is harmless: the callee never
    /// reads them, and the caller cleans up (no stack arguments at all).
    pub unsafe fn call(m: &FastMap, f: usize, args: &[u64]) -> u64 {
        // Gather the declaration-ordered slots into the register layout.
        let mut regs = [0u64; super::super::plan::REG_XMM_BASE + 8];
        for (k, &i) in m.gpr[..m.ngpr as usize].iter().enumerate() {
            regs[k] = args[i as usize];
        }
        for (j, &i) in m.xmm[..m.nxmm as usize].iter().enumerate() {
            regs[super::super::plan::REG_XMM_BASE + j] = args[i as usize];
        }
        // SAFETY: `regs` holds the 14 slots; the rest is the caller's contract.
        unsafe { call_registers(f, m.float_ret, xmm_class(m.nxmm), regs.as_ptr()) }
    }

    /// Calls `f` with the integer registers loaded from slots 0..6 and
    /// `xmm` SSE registers (0, 4 or 8: [`xmm_class`]) from slots 6...
    /// Loading fewer SSE registers is measurably cheaper (~2 ns of a ~28 ns
    /// call here for the 8 an integer-only signature does not need).
    ///
    /// # Safety
    /// As for [`super::call_registers`].
    #[inline(always)]
    pub unsafe fn call_registers(f: usize, float_ret: bool, xmm: u8, args: *const u64) -> u64 {
        // SAFETY: the caller guarantees 14 readable slots.
        let a = |i: usize| unsafe { args.add(i).read() };
        let x = |i: usize| f64::from_bits(a(super::super::plan::REG_XMM_BASE + i));
        // SAFETY: every call below is a register-only call per the
        // contract: `f` is non-null (Plan::new) and takes at most 6
        // integer-class and `xmm` SSE-class arguments; the registers it does
        // not declare are ignored; the return type matches `float_ret`.
        unsafe {
            if xmm == 0 {
                if float_ret {
                    std::mem::transmute::<usize, F0>(f)(a(0), a(1), a(2), a(3), a(4), a(5)).to_bits()
                } else {
                    std::mem::transmute::<usize, I0>(f)(a(0), a(1), a(2), a(3), a(4), a(5))
                }
            } else if xmm <= 4 {
                if float_ret {
                    std::mem::transmute::<usize, F4>(f)(a(0), a(1), a(2), a(3), a(4), a(5), x(0), x(1), x(2), x(3))
                        .to_bits()
                } else {
                    std::mem::transmute::<usize, I4>(f)(a(0), a(1), a(2), a(3), a(4), a(5), x(0), x(1), x(2), x(3))
                }
            } else if float_ret {
                std::mem::transmute::<usize, F8>(f)(
                    a(0),
                    a(1),
                    a(2),
                    a(3),
                    a(4),
                    a(5),
                    x(0),
                    x(1),
                    x(2),
                    x(3),
                    x(4),
                    x(5),
                    x(6),
                    x(7),
                )
                .to_bits()
            } else {
                std::mem::transmute::<usize, I8>(f)(
                    a(0),
                    a(1),
                    a(2),
                    a(3),
                    a(4),
                    a(5),
                    x(0),
                    x(1),
                    x(2),
                    x(3),
                    x(4),
                    x(5),
                    x(6),
                    x(7),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::TypeDesc;

    extern "C" fn add(a: i32, b: i32) -> i32 {
        a.wrapping_add(b)
    }
    extern "C" fn mix(a: f64, b: i32, c: f32, d: i8) -> f64 {
        a + b as f64 + c as f64 + d as f64
    }
    #[repr(C)]
    struct P {
        x: f64,
        y: f64,
    }
    extern "C" fn swap(p: P, k: i32) -> P {
        P {
            x: p.y * k as f64,
            y: p.x,
        }
    }

    fn d(s: &str) -> TypeDesc {
        TypeDesc::parse(s).unwrap()
    }

    #[test]
    fn both_paths_call_real_functions() {
        let mut p = Plan::new(
            "add".into(),
            add as *const () as usize,
            d("i32"),
            vec![d("i32"), d("i32")],
            None,
            0,
            None,
        )
        .unwrap();
        let args = [(-7i32) as u32 as u64, 3u64];
        // SAFETY: `add` has exactly the declared signature.
        let (r, fast) = unsafe { call(&p, &args, std::ptr::null_mut()) };
        assert_eq!(r as u32 as i32, -4);
        assert_eq!(fast, cfg!(all(target_arch = "x86_64", unix)));
        p.fast = None;
        // SAFETY: as above, through libffi.
        let (r, fast) = unsafe { call(&p, &args, std::ptr::null_mut()) };
        assert_eq!((r as u32 as i32, fast), (-4, false));

        let m = Plan::new(
            "mix".into(),
            mix as *const () as usize,
            d("f64"),
            vec![d("f64"), d("i32"), d("f32"), d("i8")],
            None,
            0,
            None,
        )
        .unwrap();
        // Small integers arrive sign-extended to 32 bits, as the JS layer writes
        // them (Int32Array stores) and as C callers must (LLVM relies on it).
        let args = [1.5f64.to_bits(), 2, 0.25f32.to_bits() as u64, (-1i32) as u32 as u64];
        // SAFETY: `mix` has exactly the declared signature.
        let (r, _) = unsafe { call(&m, &args, std::ptr::null_mut()) };
        assert_eq!(f64::from_bits(r), 2.75);
    }

    extern "C" fn six_doubles(a: f64, b: f64, c: f64, d: f64, e: f64, k: i64) -> f64 {
        a + 2.0 * b + 3.0 * c + 4.0 * d + 5.0 * e + k as f64
    }
    extern "C" fn f_of_i(k: i64) -> f64 {
        k as f64 / 4.0
    }

    /// The fast path loads 0, 4 or 8 SSE registers by signature
    /// (`xmm_class`); each class passes its arguments and returns both kinds
    /// of result.
    #[test]
    fn each_sse_register_class() {
        assert_eq!(
            (xmm_class(0), xmm_class(1), xmm_class(4), xmm_class(5), xmm_class(8)),
            (0, 4, 4, 8, 8)
        );
        /// (name, function, argument types, argument slots, expected result)
        type Case = (&'static str, usize, Vec<&'static str>, Vec<u64>, f64);
        let cases: [Case; 3] = [
            ("f_of_i", f_of_i as *const () as usize, vec!["i64"], vec![10], 2.5),
            (
                "mix",
                mix as *const () as usize,
                vec!["f64", "i32", "f32", "i8"],
                vec![1.5f64.to_bits(), 2, 0.25f32.to_bits() as u64, 1],
                4.75,
            ),
            (
                "six_doubles",
                six_doubles as *const () as usize,
                vec!["f64", "f64", "f64", "f64", "f64", "i64"],
                [1.0f64, 1.0, 1.0, 1.0, 1.0]
                    .iter()
                    .map(|x| x.to_bits())
                    .chain([100])
                    .collect(),
                115.0,
            ),
        ];
        for (name, f, args, values, want) in cases {
            let p = Plan::new(
                name.into(),
                f,
                d("f64"),
                args.iter().map(|a| d(a)).collect(),
                None,
                0,
                None,
            )
            .unwrap();
            // SAFETY: each function has exactly the declared signature.
            let (r, fast) = unsafe { call(&p, &values, std::ptr::null_mut()) };
            assert_eq!(
                (f64::from_bits(r), fast),
                (want, cfg!(all(target_arch = "x86_64", unix))),
                "{name}"
            );
        }
    }

    #[test]
    fn struct_by_value_through_libffi() {
        let s = Plan::new(
            "swap".into(),
            swap as *const () as usize,
            d("{f64,f64}"),
            vec![d("{f64,f64}"), d("i32")],
            None,
            16,
            None,
        )
        .unwrap();
        let input = P { x: 1.0, y: 2.0 };
        let mut out = [0f64; 4];
        let args = [&input as *const P as usize as u64, 3];
        // SAFETY: `swap` matches; `out` has 32 writable bytes.
        unsafe { call(&s, &args, out.as_mut_ptr().cast()) };
        assert_eq!(&out[..2], &[6.0, 1.0]);
    }

    #[repr(C)]
    #[derive(Clone, Copy)]
    union U {
        f: [f32; 3],
        i: i32,
    }
    extern "C" fn union_sum(u: U, k: i32) -> f32 {
        // SAFETY: the caller wrote all three floats.
        let f = unsafe { u.f };
        (f[0] + f[1] + f[2]) * k as f32
    }
    extern "C" fn union_make(a: f32) -> U {
        U {
            f: [a, a * 2.0, a * 3.0],
        }
    }

    #[test]
    fn union_by_value_per_eightbyte() {
        let p = Plan::new(
            "union_sum".into(),
            union_sum as *const () as usize,
            d("f32"),
            vec![d("<[f32;3],i32>"), d("i32")],
            None,
            0,
            None,
        )
        .unwrap();
        let u = U { f: [1.0, 2.0, 4.0] };
        let args = [&u as *const U as usize as u64, 2];
        // SAFETY: `union_sum` matches the declared signature.
        let (r, _) = unsafe { call(&p, &args, std::ptr::null_mut()) };
        assert_eq!(f64::from_bits(r), 14.0);
        let m = Plan::new(
            "union_make".into(),
            union_make as *const () as usize,
            d("<[f32;3],i32>"),
            vec![d("f32")],
            None,
            0,
            None,
        )
        .unwrap();
        let mut out = [0f32; 8];
        let args = [1.5f32.to_bits() as u64];
        // SAFETY: `union_make` matches; `out` has 32 writable bytes.
        unsafe { call(&m, &args, out.as_mut_ptr().cast()) };
        assert_eq!(&out[..3], &[1.5, 3.0, 4.5]);
    }

    #[test]
    fn normalisation() {
        assert_eq!(normalize(&d("i8"), 0xffff_ff80) as u32 as i32, -128);
        assert_eq!(normalize(&d("u16"), 0xdead_ffff), 0xffff);
        assert_eq!(f64::from_bits(normalize(&d("f32"), 1.5f32.to_bits() as u64)), 1.5);
        assert_eq!(normalize(&d("b"), 0x100), 0);
    }
}
