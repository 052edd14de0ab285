//! Call plans: everything about a foreign function that can be decided
//! once, when it is bound — the libffi call interface, how each argument
//! slot is read and which call path (specialised register thunk or the
//! generic libffi path) runs it.
#![deny(unsafe_code)]

use std::rc::Rc;

use libffi::middle::Cif;

use crate::error::{Error, Result};
use crate::library::LoadedLib;
use crate::types::TypeDesc;

/// Most arguments a function may take (the argument block holds this many slots).
pub const MAX_ARGS: usize = 32;

/// How the register thunk feeds a signature: which argument slot goes to
/// each integer and each SSE register.
#[derive(Debug, Clone, Copy, Default)]
pub struct FastMap {
    pub gpr: [u8; 6],
    pub ngpr: u8,
    pub xmm: [u8; 8],
    pub nxmm: u8,
    pub float_ret: bool,
}

/// In the register layout the JS wrapper writes the k-th integer-class
/// argument to slot k and the j-th SSE-class argument to slot
/// `REG_XMM_BASE + j`, so the hot path loads registers from fixed slots.
pub const REG_XMM_BASE: usize = 6;

impl FastMap {
    /// Converts argument slots written in the register layout back to
    /// declaration order (for the cold paths: errors, async).
    pub fn to_declaration_order(&self, regs: &[u64]) -> [u64; MAX_ARGS] {
        let mut out = [0u64; MAX_ARGS];
        for (k, &i) in self.gpr[..self.ngpr as usize].iter().enumerate() {
            out[i as usize] = regs[k];
        }
        for (j, &i) in self.xmm[..self.nxmm as usize].iter().enumerate() {
            out[i as usize] = regs[REG_XMM_BASE + j];
        }
        out
    }
}

/// What the engine does with a return value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetMode {
    Void,
    /// Integers, bools and floats: normalised into the return slot.
    Scalar,
    /// A pointer: the address goes to the return slot and JS wraps it as a
    /// Buffer of this length (NULL → a NULL Buffer).
    Pointer(usize),
    /// `char *` returned as a JS string (null → JS null).
    CString,
    /// A struct or union written to the address JS put in the return slot.
    Aggregate(usize),
}

pub struct Plan {
    pub name: String,
    pub fn_ptr: usize,
    pub cif: Cif,
    pub args: Vec<TypeDesc>,
    pub aggregate_arg: Vec<bool>,
    pub ret: TypeDesc,
    pub ret_mode: RetMode,
    pub fast: Option<FastMap>,
    pub lib: Option<Rc<LoadedLib>>,
}

impl Plan {
    /// Builds a plan. `fixed` is `Some(n)` for a variadic function with `n`
    /// fixed arguments (the rest are this call's variadic types).
    pub fn new(
        name: String,
        fn_ptr: usize,
        ret: TypeDesc,
        args: Vec<TypeDesc>,
        fixed: Option<usize>,
        ret_ptr_len: usize,
        lib: Option<Rc<LoadedLib>>,
    ) -> Result<Plan> {
        if fn_ptr == 0 {
            return Err(Error::null_pointer(format!(
                "cannot bind \"{name}\": the function pointer is NULL"
            )));
        }
        if args.len() > MAX_ARGS {
            return Err(Error::unsupported(&format!(
                "\"{name}\" takes {} arguments; at most {MAX_ARGS} are supported",
                args.len()
            )));
        }
        let mut ffi_args = Vec::with_capacity(args.len());
        for (i, a) in args.iter().enumerate() {
            if matches!(a, TypeDesc::Void) {
                return Err(Error::invalid_type(&format!(
                    "argument {i} of \"{name}\" cannot be void"
                )));
            }
            if matches!(a, TypeDesc::Array { .. }) {
                return Err(Error::invalid_type(&format!(
                    "argument {i} of \"{name}\": C arrays are passed by pointer"
                )));
            }
            ffi_args.push(a.to_ffi().map_err(|e| prefix(e, &name, i))?);
        }
        let ffi_ret = ret.to_ffi().map_err(|e| prefix(e, &name, usize::MAX))?;
        let cif = match fixed {
            Some(n) => Cif::try_new_variadic(ffi_args, n, ffi_ret),
            None => Cif::try_new(ffi_args, ffi_ret),
        }
        .map_err(|e| Error::unsupported(&format!("libffi cannot prepare \"{name}\": {e:?}")))?;
        let ret_mode = match &ret {
            TypeDesc::Void => RetMode::Void,
            TypeDesc::Pointer => RetMode::Pointer(ret_ptr_len),
            TypeDesc::CString => RetMode::CString,
            t if t.is_aggregate() => RetMode::Aggregate(t.layout()?.size),
            _ => RetMode::Scalar,
        };
        let fast = if fixed.is_none() { fast_map(&args, &ret) } else { None };
        Ok(Plan {
            name,
            fn_ptr,
            cif,
            aggregate_arg: args.iter().map(TypeDesc::is_aggregate).collect(),
            args,
            ret,
            ret_mode,
            fast,
            lib,
        })
    }
}

fn prefix(e: Error, name: &str, i: usize) -> Error {
    let what = if i == usize::MAX {
        "return type".to_owned()
    } else {
        format!("argument {i}")
    };
    Error {
        message: format!("{what} of \"{name}\": {}", e.message),
        ..e
    }
}

/// The specialised path covers every System V x86-64 signature whose
/// arguments all travel in registers: at most 6 integer/pointer and 8
/// floating-point scalars, returning a scalar or nothing.
pub fn fast_map(args: &[TypeDesc], ret: &TypeDesc) -> Option<FastMap> {
    if !cfg!(all(target_arch = "x86_64", unix)) || ret.is_aggregate() {
        return None;
    }
    let mut m = FastMap {
        float_ret: ret.is_float(),
        ..FastMap::default()
    };
    for (i, a) in args.iter().enumerate() {
        if a.is_aggregate() {
            return None;
        }
        if a.is_float() {
            if m.nxmm as usize == m.xmm.len() {
                return None;
            }
            m.xmm[m.nxmm as usize] = i as u8;
            m.nxmm += 1;
        } else {
            if m.ngpr as usize == m.gpr.len() {
                return None;
            }
            m.gpr[m.ngpr as usize] = i as u8;
            m.ngpr += 1;
        }
    }
    Some(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> TypeDesc {
        TypeDesc::parse(s).unwrap()
    }

    #[test]
    fn fast_path_selection() {
        let ints: Vec<_> = (0..6).map(|_| d("i32")).collect();
        assert!(fast_map(&ints, &d("i32")).is_some());
        let seven: Vec<_> = (0..7).map(|_| d("i64")).collect();
        assert!(fast_map(&seven, &d("i32")).is_none());
        let m = fast_map(&[d("f64"), d("i32"), d("f32"), d("p")], &d("f64")).unwrap();
        assert_eq!((m.ngpr, m.nxmm, m.float_ret), (2, 2, true));
        assert_eq!(&m.gpr[..2], &[1, 3]);
        assert_eq!(&m.xmm[..2], &[0, 2]);
        assert!(fast_map(&[d("{f64,f64}")], &d("v")).is_none());
        assert!(fast_map(&[], &d("{i32}")).is_none());
    }

    #[test]
    fn register_layout_roundtrip() {
        let m = fast_map(&[d("f64"), d("i32"), d("f32"), d("p")], &d("f64")).unwrap();
        let mut regs = [0u64; MAX_ARGS];
        regs[0] = 11; // i32 (arg 1)
        regs[1] = 33; // p (arg 3)
        regs[REG_XMM_BASE] = 100; // f64 (arg 0)
        regs[REG_XMM_BASE + 1] = 222; // f32 (arg 2)
        assert_eq!(&m.to_declaration_order(&regs)[..4], &[100, 11, 222, 33]);
    }

    #[test]
    fn plan_rejects_bad_signatures() {
        assert!(Plan::new("f".into(), 0, d("v"), vec![], None, 0, None).is_err());
        assert!(Plan::new("f".into(), 1, d("v"), vec![d("v")], None, 0, None).is_err());
        let too_many: Vec<_> = (0..MAX_ARGS + 1).map(|_| d("i32")).collect();
        assert!(Plan::new("f".into(), 1, d("v"), too_many, None, 0, None).is_err());
        let p = Plan::new("f".into(), 1, d("{f64,f64}"), vec![d("i32")], None, 0, None).unwrap();
        assert_eq!(p.ret_mode, RetMode::Aggregate(16));
        assert!(p.fast.is_none());
    }
}
