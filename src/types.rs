//! Type descriptors and C layouts.
//!
//! The JavaScript layer lowers every ref-style type object to a compact
//! descriptor string once, when a function, struct or callback is defined.
//! This module parses that string, computes C layouts (size, alignment,
//! field offsets) following the platform C ABI, and lowers descriptors to
//! libffi types. Nothing here is unsafe.
//!
//! Grammar (whitespace is not allowed):
//! ```text
//! desc    := scalar | struct | packed | union | array | opaque
//! scalar  := "v" | "b" | "i8" | "u8" | "i16" | "u16" | "i32" | "u32"
//!          | "i64" | "u64" | "f32" | "f64" | "p" | "s"
//! struct  := "{" desc ("," desc)* "}"        natural C layout
//! packed  := "!{" desc ("," desc)* "}"       #pragma pack(1)
//! union   := "<" desc ("," desc)* ">"
//! array   := "[" desc ";" N "]"              fixed array (inside aggregates)
//! opaque  := "o" SIZE ":" ALIGN              a custom type known only by size
//! ```
#![deny(unsafe_code)]

use libffi::middle::Type;

use crate::error::{Error, Result};

/// A C type as the engine sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeDesc {
    Void,
    Bool,
    Int {
        bytes: u8,
        signed: bool,
    },
    F32,
    F64,
    /// `void *` and every pointer type.
    Pointer,
    /// `char *` converted to and from JS strings at the boundary.
    CString,
    Struct {
        fields: Vec<TypeDesc>,
        packed: bool,
    },
    Union {
        fields: Vec<TypeDesc>,
    },
    Array {
        elem: Box<TypeDesc>,
        len: usize,
    },
    Opaque {
        size: usize,
        align: usize,
    },
}

/// Size, alignment and field offsets of a type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub size: usize,
    pub align: usize,
    pub offsets: Vec<usize>,
}

const PTR: usize = std::mem::size_of::<usize>();

/// Largest struct/union passed by value (bytes).
pub const MAX_BY_VALUE: usize = 1 << 20;

impl TypeDesc {
    /// Parses a whole descriptor string.
    pub fn parse(src: &str) -> Result<TypeDesc> {
        let mut p = Parser {
            s: src.as_bytes(),
            i: 0,
        };
        let d = p.desc()?;
        if p.i != p.s.len() {
            return Err(p.err("trailing characters"));
        }
        Ok(d)
    }

    pub fn is_aggregate(&self) -> bool {
        matches!(
            self,
            TypeDesc::Struct { .. } | TypeDesc::Union { .. } | TypeDesc::Array { .. }
        ) || matches!(self, TypeDesc::Opaque { size, align } if !is_int_like(*size, *align))
    }

    pub fn is_float(&self) -> bool {
        matches!(self, TypeDesc::F32 | TypeDesc::F64)
    }

    /// Size, alignment and (for aggregates) field offsets.
    pub fn layout(&self) -> Result<Layout> {
        let scalar = |n: usize| Layout {
            size: n,
            align: n,
            offsets: Vec::new(),
        };
        Ok(match self {
            TypeDesc::Void => Layout {
                size: 0,
                align: 1,
                offsets: Vec::new(),
            },
            TypeDesc::Bool => scalar(1),
            TypeDesc::Int { bytes, .. } => scalar(*bytes as usize),
            TypeDesc::F32 => scalar(4),
            TypeDesc::F64 => scalar(8),
            TypeDesc::Pointer | TypeDesc::CString => scalar(PTR),
            TypeDesc::Opaque { size, align } => Layout {
                size: *size,
                align: (*align).max(1),
                offsets: Vec::new(),
            },
            TypeDesc::Array { elem, len } => {
                let l = elem.layout()?;
                let size = l
                    .size
                    .checked_mul(*len)
                    .ok_or_else(|| Error::invalid_type("array too large"))?;
                Layout {
                    size,
                    align: l.align,
                    offsets: Vec::new(),
                }
            }
            TypeDesc::Struct { fields, packed } => {
                let mut off = 0usize;
                let mut align = 1usize;
                let mut offsets = Vec::with_capacity(fields.len());
                for f in fields {
                    if matches!(f, TypeDesc::Void) {
                        return Err(Error::invalid_type("a struct field cannot be void"));
                    }
                    let l = f.layout()?;
                    let a = if *packed { 1 } else { l.align };
                    off = round_up(off, a);
                    offsets.push(off);
                    off = off
                        .checked_add(l.size)
                        .ok_or_else(|| Error::invalid_type("struct too large"))?;
                    align = align.max(a);
                }
                Layout {
                    size: round_up(off, align),
                    align,
                    offsets,
                }
            }
            TypeDesc::Union { fields } => {
                let mut size = 0usize;
                let mut align = 1usize;
                for f in fields {
                    if matches!(f, TypeDesc::Void) {
                        return Err(Error::invalid_type("a union field cannot be void"));
                    }
                    let l = f.layout()?;
                    size = size.max(l.size);
                    align = align.max(l.align);
                }
                Layout {
                    size: round_up(size, align),
                    align,
                    offsets: vec![0; fields.len()],
                }
            }
        })
    }

    /// Lowers the descriptor to a libffi type, for passing by value.
    /// Aggregates above [`MAX_BY_VALUE`] bytes are refused: libffi describes
    /// them element by element, and nothing that large is passed by value.
    pub fn to_ffi(&self) -> Result<Type> {
        if self.is_aggregate() && self.layout()?.size > MAX_BY_VALUE {
            return Err(Error::unsupported(&format!(
                "a {}-byte aggregate cannot be passed by value (at most {MAX_BY_VALUE} bytes); pass it by pointer",
                self.layout()?.size
            )));
        }
        self.to_ffi_unchecked()
    }

    fn to_ffi_unchecked(&self) -> Result<Type> {
        Ok(match self {
            TypeDesc::Void => Type::void(),
            TypeDesc::Bool => Type::u8(),
            TypeDesc::Int { bytes: 1, signed: true } => Type::i8(),
            TypeDesc::Int {
                bytes: 1,
                signed: false,
            } => Type::u8(),
            TypeDesc::Int { bytes: 2, signed: true } => Type::i16(),
            TypeDesc::Int {
                bytes: 2,
                signed: false,
            } => Type::u16(),
            TypeDesc::Int { bytes: 4, signed: true } => Type::i32(),
            TypeDesc::Int {
                bytes: 4,
                signed: false,
            } => Type::u32(),
            TypeDesc::Int { signed: true, .. } => Type::i64(),
            TypeDesc::Int { signed: false, .. } => Type::u64(),
            TypeDesc::F32 => Type::f32(),
            TypeDesc::F64 => Type::f64(),
            TypeDesc::Pointer | TypeDesc::CString => Type::pointer(),
            TypeDesc::Opaque { size, align } if is_int_like(*size, *align) => int_of(*size),
            TypeDesc::Opaque { size, .. } => Type::structure((0..*size).map(|_| Type::u8())),
            TypeDesc::Array { .. } => {
                // A C array is never passed by value on its own; inside an
                // aggregate it is expanded by `push_elements`.
                let mut v = Vec::new();
                self.push_elements(&mut v)?;
                Type::structure(v)
            }
            TypeDesc::Struct { fields, packed } => {
                if *packed && !self.packed_is_natural()? {
                    return Err(Error::unsupported(
                        "a packed struct whose fields are not naturally aligned cannot be passed by value; pass it by pointer",
                    ));
                }
                let mut v = Vec::new();
                for f in fields {
                    f.push_elements(&mut v)?;
                }
                if v.is_empty() {
                    return Err(Error::invalid_type("an empty struct cannot be passed by value"));
                }
                Type::structure(v)
            }
            TypeDesc::Union { .. } => self.union_ffi()?,
        })
    }

    fn push_elements(&self, out: &mut Vec<Type>) -> Result<()> {
        match self {
            TypeDesc::Array { elem, len } => {
                for _ in 0..*len {
                    elem.push_elements(out)?;
                }
                Ok(())
            }
            other => {
                out.push(other.to_ffi_unchecked()?);
                Ok(())
            }
        }
    }

    /// A packed struct whose every field already sits at its natural
    /// alignment has the same ABI as the unpacked struct.
    fn packed_is_natural(&self) -> Result<bool> {
        if let TypeDesc::Struct { fields, .. } = self {
            let natural = TypeDesc::Struct {
                fields: fields.clone(),
                packed: false,
            }
            .layout()?;
            let packed = self.layout()?;
            return Ok(natural
                == Layout {
                    align: natural.align,
                    ..packed
                });
        }
        Ok(true)
    }

    /// libffi has no union type. The System V classifier looks at each
    /// eightbyte separately and merges the classes of every member scalar
    /// overlapping it: SSE only when all of them are floating point. An
    /// equivalent struct reproduces that: one element per 4-byte chunk, `f32`
    /// where every overlapping scalar is a float/double, `u32` otherwise
    /// (libffi merges the chunks of an eightbyte the same way), with the same
    /// size as the union. Above 16 bytes the union is passed in memory and
    /// the element classes do not matter.
    fn union_ffi(&self) -> Result<Type> {
        let l = self.layout()?;
        if l.size == 0 {
            return Err(Error::invalid_type("an empty union cannot be passed by value"));
        }
        // Above 16 bytes a union goes in memory whatever its members are: no
        // need to classify (and no quadratic scan of big members).
        let mut leaves = Vec::new();
        if l.size <= 16 {
            self.scalar_leaves(0, &mut leaves)?;
        }
        let mut elems = Vec::new();
        let mut off = 0;
        while off < l.size {
            let chunk = if l.size - off >= 4 {
                4
            } else if l.size - off >= 2 {
                2
            } else {
                1
            };
            let overlapping = leaves.iter().filter(|(o, n, _)| *o < off + chunk && off < o + n);
            let mut any = false;
            let mut all_float = true;
            for (_, _, float) in overlapping {
                any = true;
                all_float &= *float;
            }
            elems.push(if chunk == 4 && any && all_float {
                Type::f32()
            } else {
                int_of(chunk)
            });
            off += chunk;
        }
        Ok(Type::structure(elems))
    }

    /// Every scalar inside the type with its byte offset and size, and
    /// whether it is floating point.
    fn scalar_leaves(&self, base: usize, out: &mut Vec<(usize, usize, bool)>) -> Result<()> {
        match self {
            TypeDesc::Struct { fields, .. } | TypeDesc::Union { fields } => {
                let l = self.layout()?;
                for (f, o) in fields.iter().zip(l.offsets) {
                    f.scalar_leaves(base + o, out)?;
                }
            }
            TypeDesc::Array { elem, len } => {
                let size = elem.layout()?.size;
                for i in 0..*len {
                    elem.scalar_leaves(base + i * size, out)?;
                }
            }
            t => out.push((base, t.layout()?.size, t.is_float())),
        }
        Ok(())
    }
}

fn is_int_like(size: usize, align: usize) -> bool {
    matches!(size, 1 | 2 | 4 | 8) && align == size
}

fn int_of(size: usize) -> Type {
    match size {
        1 => Type::u8(),
        2 => Type::u16(),
        4 => Type::u32(),
        _ => Type::u64(),
    }
}

fn round_up(n: usize, a: usize) -> usize {
    n.div_ceil(a) * a
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn err(&self, what: &str) -> Error {
        Error::invalid_type(&format!(
            "bad type descriptor {:?} at {}: {}",
            String::from_utf8_lossy(self.s),
            self.i,
            what
        ))
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> Result<()> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.err(&format!("expected '{}'", c as char)))
        }
    }

    fn number(&mut self) -> Result<usize> {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        std::str::from_utf8(&self.s[start..self.i])
            .ok()
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| self.err("expected a number"))
    }

    fn list(&mut self, close: u8) -> Result<Vec<TypeDesc>> {
        let mut v = vec![self.desc()?];
        while self.peek() == Some(b',') {
            self.i += 1;
            v.push(self.desc()?);
        }
        self.eat(close)?;
        Ok(v)
    }

    fn desc(&mut self) -> Result<TypeDesc> {
        let c = self.peek().ok_or_else(|| self.err("unexpected end"))?;
        self.i += 1;
        Ok(match c {
            b'v' => TypeDesc::Void,
            b'b' => TypeDesc::Bool,
            b'p' => TypeDesc::Pointer,
            b's' => TypeDesc::CString,
            b'i' | b'u' => {
                let bits = self.number()?;
                if !matches!(bits, 8 | 16 | 32 | 64) {
                    return Err(self.err("integer width must be 8, 16, 32 or 64"));
                }
                TypeDesc::Int {
                    bytes: (bits / 8) as u8,
                    signed: c == b'i',
                }
            }
            b'f' => match self.number()? {
                32 => TypeDesc::F32,
                64 => TypeDesc::F64,
                _ => return Err(self.err("float width must be 32 or 64")),
            },
            b'{' => TypeDesc::Struct {
                fields: self.list(b'}')?,
                packed: false,
            },
            b'!' => {
                self.eat(b'{')?;
                TypeDesc::Struct {
                    fields: self.list(b'}')?,
                    packed: true,
                }
            }
            b'<' => TypeDesc::Union {
                fields: self.list(b'>')?,
            },
            b'[' => {
                let elem = self.desc()?;
                self.eat(b';')?;
                let len = self.number()?;
                self.eat(b']')?;
                TypeDesc::Array {
                    elem: Box::new(elem),
                    len,
                }
            }
            b'o' => {
                let size = self.number()?;
                self.eat(b':')?;
                let align = self.number()?;
                if align == 0 || !align.is_power_of_two() {
                    return Err(self.err("alignment must be a power of two"));
                }
                TypeDesc::Opaque { size, align }
            }
            _ => {
                self.i -= 1;
                return Err(self.err("unknown type code"));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{align_of, offset_of, size_of};

    fn lay(s: &str) -> Layout {
        TypeDesc::parse(s).unwrap().layout().unwrap()
    }

    #[test]
    fn parses_scalars_and_nesting() {
        assert_eq!(
            TypeDesc::parse("i32").unwrap(),
            TypeDesc::Int { bytes: 4, signed: true }
        );
        assert_eq!(
            TypeDesc::parse("u8").unwrap(),
            TypeDesc::Int {
                bytes: 1,
                signed: false
            }
        );
        let d = TypeDesc::parse("{i8,[f32;3],<i32,f64>,!{u8,p}}").unwrap();
        match d {
            TypeDesc::Struct { fields, packed: false } => assert_eq!(fields.len(), 4),
            _ => panic!("not a struct"),
        }
    }

    #[test]
    fn rejects_malformed() {
        for bad in ["", "i7", "f16", "{i32", "{}", "[i32;]", "x", "i32,", "o3:3", "{i32,}"] {
            assert!(TypeDesc::parse(bad).is_err(), "{bad} should not parse");
        }
    }

    #[repr(C)]
    struct Mixed {
        a: u8,
        b: f64,
        c: u16,
        d: i32,
        e: u8,
    }

    #[test]
    fn struct_layout_matches_repr_c() {
        let l = lay("{u8,f64,u16,i32,u8}");
        assert_eq!(l.size, size_of::<Mixed>());
        assert_eq!(l.align, align_of::<Mixed>());
        assert_eq!(
            l.offsets,
            vec![
                offset_of!(Mixed, a),
                offset_of!(Mixed, b),
                offset_of!(Mixed, c),
                offset_of!(Mixed, d),
                offset_of!(Mixed, e)
            ]
        );
    }

    #[repr(C)]
    struct WithArray {
        a: u8,
        b: [f32; 3],
        c: *const u8,
    }

    #[test]
    fn arrays_and_pointers() {
        let l = lay("{u8,[f32;3],p}");
        assert_eq!(l.size, size_of::<WithArray>());
        assert_eq!(l.offsets[1], offset_of!(WithArray, b));
        assert_eq!(l.offsets[2], offset_of!(WithArray, c));
    }

    #[repr(C, packed)]
    struct Packed {
        a: u8,
        b: u32,
        c: u16,
    }

    #[test]
    fn packed_layout() {
        let l = lay("!{u8,u32,u16}");
        assert_eq!(l.size, size_of::<Packed>());
        assert_eq!(l.align, 1);
        assert_eq!(l.offsets, vec![0, 1, 5]);
    }

    #[test]
    fn union_layout() {
        let l = lay("<u8,f64,[u16;7]>");
        assert_eq!(l.size, 16);
        assert_eq!(l.align, 8);
    }

    #[test]
    fn lowering() {
        assert!(TypeDesc::parse("{f32,f32,f32}").unwrap().to_ffi().is_ok());
        assert!(TypeDesc::parse("<f32,f64>").unwrap().to_ffi().is_ok());
        // union { float f[3]; int i; }: 12 bytes, align 4
        assert!(TypeDesc::parse("<[f32;3],i32>").unwrap().to_ffi().is_ok());
        assert!(TypeDesc::parse("!{u8,u32}").unwrap().to_ffi().is_err());
        assert!(TypeDesc::parse("!{u32,u32}").unwrap().to_ffi().is_ok());
        assert!(TypeDesc::parse("{v}").unwrap().layout().is_err());
        // huge by-value aggregates are refused with a code, not expanded
        let e = TypeDesc::parse("<o1099511627776:8,i32>").unwrap().to_ffi().unwrap_err();
        assert_eq!(e.code, "ERR_REFFI_UNSUPPORTED");
        assert!(TypeDesc::parse("{[u8;2000000]}").unwrap().to_ffi().is_err());
        assert!(TypeDesc::parse("<[u8;64000],f64>").unwrap().to_ffi().is_ok());
    }
}
