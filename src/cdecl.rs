//! C declarations as strings: parses prototypes and header blocks with the
//! `lang-c` parser and hands JavaScript (`lib/cdecl.js`) a small description
//! of what they declare, as a JSON string.
//!
//! The JS layer owns the type registry (typedef names, struct tags, enum
//! constants declared by earlier calls). It passes the names the parser must
//! know to be type names, and the enum constants earlier calls defined; the
//! typedef names are registered in lang-c's parser environment through a
//! prelude of `typedef` declarations parsed before the user's text (lang-c
//! keeps its environment private), and every position is reported relative
//! to the user's text.
//!
//! Output (one JSON object):
//! ```text
//! {"decls":[decl...]}  |  {"type":ty}  |  {"error":{"code","message","line","column"}}
//! decl := {"d":"typedef","name","type"} | {"d":"func","name","symbol","type":fn,"at"}
//!       | {"d":"tag","type"} | {"d":"var","name","type"}
//! ty   := {"k":"prim","n":"int"...} | {"k":"name","n","at"} | {"k":"ptr","to"}
//!       | {"k":"array","of","n":N|null} | fn | {"k":"struct"|"union","id","tag","fields":[{"name","type"}]|null,"at"}
//!       | {"k":"enum","id","tag","items":[[name,value]...]|null,"at"}
//! fn   := {"k":"fn","ret","params":[{"name","type"}],"variadic"}
//! ```
//! Nothing here is unsafe.
#![deny(unsafe_code)]

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

use lang_c::ast::*;
use lang_c::driver::{parse_preprocessed, Config, Flavor};
use lang_c::span::{Node, Span};
use serde_json::{json, Value};

pub const ERR_SYNTAX: &str = "ERR_REFFI_CDECL_SYNTAX";
pub const ERR_UNSUPPORTED: &str = "ERR_REFFI_CDECL_UNSUPPORTED";
pub const ERR_UNKNOWN_TYPE: &str = "ERR_REFFI_UNKNOWN_TYPE";
pub const ERR_CONSTANT: &str = "ERR_REFFI_CDECL_CONSTANT";

/// A declaration error with its place in the user's text (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CdeclError {
    pub code: &'static str,
    pub message: String,
    pub line: usize,
    pub column: usize,
}

/// What the caller parses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A block of declarations (`ffi.cdef`).
    Decls,
    /// A block where declarations reffi cannot map (valid C such as
    /// `static inline` bodies or `long double` functions) are skipped and
    /// listed, instead of failing the whole block.
    Lenient,
    /// One prototype; a missing final `;` is added.
    Proto,
    /// One type name such as `unsigned long` or `int (*)(int)`.
    Type,
}

impl Mode {
    pub fn from_name(s: &str) -> Option<Mode> {
        match s {
            "decls" => Some(Mode::Decls),
            "decls-lenient" => Some(Mode::Lenient),
            "proto" => Some(Mode::Proto),
            "type" => Some(Mode::Type),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Ty {
    Prim(&'static str),
    Name(String, Pos),
    Ptr(Box<Ty>),
    Array(Box<Ty>, Option<u64>),
    Func(Box<FnSig>),
    Record {
        union: bool,
        id: usize,
        tag: Option<String>,
        fields: Option<Vec<(String, Ty)>>,
        at: Pos,
    },
    Enum {
        id: usize,
        tag: Option<String>,
        items: Option<Vec<(String, i128)>>,
        at: Pos,
    },
}

#[derive(Debug, Clone, PartialEq)]
struct FnSig {
    ret: Ty,
    params: Vec<(Option<String>, Ty)>,
    variadic: bool,
}

type Pos = (usize, usize);

#[derive(Debug, Clone, PartialEq)]
enum Decl {
    Typedef(String, Ty),
    Func {
        name: String,
        symbol: Option<String>,
        sig: FnSig,
        at: Pos,
    },
    Tag(Ty),
    Var(String, Ty),
}

const TYPE_PROBE: &str = "__reffi_type__";

/// C keywords (C11 and the GNU spellings lang-c accepts): never candidates
/// for an unknown type name.
const KEYWORDS: &[&str] = &[
    "auto",
    "break",
    "case",
    "char",
    "const",
    "continue",
    "default",
    "do",
    "double",
    "else",
    "enum",
    "extern",
    "float",
    "for",
    "goto",
    "if",
    "inline",
    "int",
    "long",
    "register",
    "restrict",
    "return",
    "short",
    "signed",
    "sizeof",
    "static",
    "struct",
    "switch",
    "typedef",
    "union",
    "unsigned",
    "void",
    "volatile",
    "while",
    "_Alignas",
    "_Alignof",
    "_Atomic",
    "_Bool",
    "_Complex",
    "_Generic",
    "_Imaginary",
    "_Noreturn",
    "_Static_assert",
    "_Thread_local",
    "__attribute__",
    "__attribute",
    "__asm__",
    "__asm",
    "asm",
    "__inline",
    "__inline__",
    "__restrict",
    "__restrict__",
    "__const",
    "__const__",
    "__volatile__",
    "__volatile",
    "__extension__",
    "__signed",
    "__signed__",
    "typeof",
    "__typeof",
    "__typeof__",
    "__alignof__",
    "__alignof",
    "__builtin_va_list",
    "__label__",
    "__thread",
];

/// Parses `source` and returns the JSON description (errors included).
/// `type_names`: space-separated typedef names the parser must know;
/// `constants`: space-separated `NAME=VALUE` enum constants.
pub fn parse_to_json(source: &str, type_names: &str, constants: &str, mode: Mode) -> String {
    let v = match parse(source, type_names, constants, mode) {
        Ok(Output::Decls(decls, skipped)) => json!({
            "decls": decls.iter().map(decl_json).collect::<Vec<_>>(),
            "skipped": skipped.iter().map(error_json).collect::<Vec<_>>(),
        }),
        Ok(Output::Type(t)) => json!({ "type": ty_json(&t) }),
        Err(e) => json!({ "error": error_json(&e) }),
    };
    v.to_string()
}

fn error_json(e: &CdeclError) -> Value {
    json!({ "code": e.code, "message": e.message, "line": e.line, "column": e.column })
}

enum Output {
    Decls(Vec<Decl>, Vec<CdeclError>),
    Type(Ty),
}

fn parse(source: &str, type_names: &str, constants: &str, mode: Mode) -> Result<Output, CdeclError> {
    let names: Vec<&str> = type_names
        .split_whitespace()
        .filter(|n| is_identifier(n) && !KEYWORDS.contains(n))
        .collect();
    let mut consts = HashMap::new();
    for item in constants.split_whitespace() {
        if let Some((k, v)) = item.split_once('=') {
            if let Ok(v) = v.parse::<i128>() {
                consts.insert(k.to_owned(), v);
            }
        }
    }
    let loc = Locator::new(source);
    let mut user = blank_comments_and_directives(source, &loc)?;
    if mode == Mode::Proto && !user.trim_end().ends_with(';') {
        user.push(';');
    }
    let mut prelude = String::new();
    for n in &names {
        let _ = write!(prelude, "typedef int {n}; ");
    }
    let (head, tail) = match mode {
        Mode::Type => (format!("void {TYPE_PROBE}("), ");"),
        _ => (String::new(), ""),
    };
    prelude.push_str(&head);
    let base = prelude.len();
    let text = format!("{prelude}{user}{tail}");
    let unit = match run_parser(&text) {
        Ok(u) => u,
        Err(off) => return Err(syntax_error(&prelude, &user, tail, off, &names, &loc)),
    };
    let mut cx = Cx {
        loc,
        base,
        consts,
        next_id: 0,
        mode,
    };
    let (decls, skipped) = cx.unit(&unit, names.len())?;
    match mode {
        Mode::Type => match decls.as_slice() {
            [Decl::Func { sig, .. }] if sig.params.len() == 1 => Ok(Output::Type(sig.params[0].1.clone())),
            [Decl::Func { sig, .. }] if sig.params.is_empty() => Ok(Output::Type(Ty::Prim("void"))),
            _ => Err(cx.loc.error(ERR_SYNTAX, "expected one type name", 0)),
        },
        _ => Ok(Output::Decls(decls, skipped)),
    }
}

fn run_parser(text: &str) -> Result<TranslationUnit, usize> {
    let config = Config {
        flavor: Flavor::GnuC11,
        ..Config::default()
    };
    parse_preprocessed(&config, text.to_owned())
        .map(|p| p.unit)
        .map_err(|e| e.offset)
}

/// Turns a parse failure into an error. When the failure is an identifier
/// the parser did not know as a type name (re-parsing with it registered gets
/// further), it is reported as an unknown type name.
fn syntax_error(prelude: &str, user: &str, tail: &str, off: usize, names: &[&str], loc: &Locator) -> CdeclError {
    let base = prelude.len();
    let user_off = off.saturating_sub(base).min(user.len());
    let known: HashSet<&str> = names.iter().copied().collect();
    let mut candidates = Vec::new();
    for (start, word) in identifiers(user).into_iter().rev() {
        if start > user_off {
            continue;
        }
        if KEYWORDS.contains(&word) || known.contains(word) || candidates.iter().any(|(_, w)| *w == word) {
            continue;
        }
        candidates.push((start, word));
        if candidates.len() == 6 {
            break;
        }
    }
    for (start, word) in candidates {
        let text = format!("typedef int {word}; {prelude}{user}{tail}");
        let shift = text.len() - prelude.len() - user.len() - tail.len();
        match run_parser(&text) {
            Ok(_) => {}
            Err(o) if o > off + shift => {}
            Err(_) => continue,
        }
        return loc.error(ERR_UNKNOWN_TYPE, &format!("unknown type name '{word}'"), start);
    }
    let rest = if user_off >= loc.src.len() {
        ""
    } else {
        &user[user_off..]
    };
    let what = match rest.chars().next() {
        None => "unexpected end of input".to_owned(),
        Some(c) => {
            let tok: String = if c.is_alphanumeric() || c == '_' {
                rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()
            } else {
                c.to_string()
            };
            format!("unexpected '{tok}'")
        }
    };
    loc.error(ERR_SYNTAX, &format!("syntax error: {what}"), user_off)
}

fn is_identifier(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(f) if f.is_ascii_alphabetic() || f == '_')
        && c.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Identifier-like words and their byte offsets (in text that already had
/// its comments blanked; string and character literals are skipped).
fn identifiers(s: &str) -> Vec<(usize, &str)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'"' || c == b'\'' {
            i += 1;
            while i < b.len() && b[i] != c {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let st = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push((st, &s[st..i]));
        } else if c.is_ascii_digit() {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.') {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    out
}

/// Replaces comments with spaces (keeping newlines, so every offset stays
/// put) and rejects preprocessor directives other than line markers, which
/// are blanked too.
fn blank_comments_and_directives(src: &str, loc: &Locator) -> Result<String, CdeclError> {
    let mut b = src.as_bytes().to_vec();
    let mut i = 0;
    let mut line_start = true;
    while i < b.len() {
        let c = b[i];
        if c == b'"' || c == b'\'' {
            i += 1;
            while i < b.len() && b[i] != c && b[i] != b'\n' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            line_start = false;
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            let st = i;
            let end = src[i + 2..].find("*/").map(|e| i + 2 + e + 2);
            let Some(end) = end else {
                return Err(loc.error(ERR_SYNTAX, "syntax error: unterminated comment", st));
            };
            for x in &mut b[st..end] {
                if *x != b'\n' {
                    *x = b' ';
                }
            }
            i = end;
        } else if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                b[i] = b' ';
                i += 1;
            }
        } else if c == b'#' && line_start {
            let end = src[i..].find('\n').map_or(b.len(), |e| i + e);
            let rest = src[i + 1..end].trim_start();
            let is_marker = rest.starts_with(|c: char| c.is_ascii_digit())
                || rest
                    .strip_prefix("line")
                    .is_some_and(|r| r.starts_with(char::is_whitespace));
            if !is_marker {
                let word: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                return Err(loc.error(
                    ERR_UNSUPPORTED,
                    &format!(
                        "preprocessor directives (#{word}) are not supported: pass declarations as they are after preprocessing"
                    ),
                    i,
                ));
            }
            for x in &mut b[i..end] {
                *x = b' ';
            }
            i = end;
        } else {
            if c == b'\n' {
                line_start = true;
            } else if !c.is_ascii_whitespace() {
                line_start = false;
            }
            i += 1;
        }
    }
    // Only ASCII bytes were replaced (whole comments, multi-byte characters
    // included), so the text is still UTF-8.
    String::from_utf8(b).map_err(|_| loc.error(ERR_SYNTAX, "the declarations are not valid UTF-8", 0))
}

/// Byte offsets in the user's text → 1-based line and column (in chars).
struct Locator {
    src: String,
}

impl Locator {
    fn new(src: &str) -> Locator {
        Locator { src: src.to_owned() }
    }

    fn pos(&self, off: usize) -> Pos {
        let mut off = off.min(self.src.len());
        while !self.src.is_char_boundary(off) {
            off -= 1;
        }
        let before = &self.src[..off];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |p| p + 1);
        (line, before[line_start..].chars().count() + 1)
    }

    fn error(&self, code: &'static str, msg: &str, off: usize) -> CdeclError {
        let (line, column) = self.pos(off);
        CdeclError {
            code,
            message: format!("{msg} (line {line}, column {column})"),
            line,
            column,
        }
    }
}

/// Conversion state: positions, enum constants seen so far, record ids.
struct Cx {
    loc: Locator,
    base: usize,
    consts: HashMap<String, i128>,
    next_id: usize,
    mode: Mode,
}

/// Declaration specifiers, sorted.
struct Specs<'a> {
    typedef: bool,
    types: Vec<&'a Node<TypeSpecifier>>,
    span: Span,
}

impl Cx {
    fn off(&self, span: Span) -> usize {
        if span.is_none() {
            0
        } else {
            span.start.saturating_sub(self.base)
        }
    }

    fn at(&self, span: Span) -> Pos {
        self.loc.pos(self.off(span))
    }

    fn err(&self, code: &'static str, msg: &str, span: Span) -> CdeclError {
        self.loc.error(code, msg, self.off(span))
    }

    fn unsupported(&self, msg: &str, span: Span) -> CdeclError {
        self.err(ERR_UNSUPPORTED, msg, span)
    }

    #[allow(clippy::type_complexity)]
    fn unit(
        &mut self,
        unit: &TranslationUnit,
        prelude_decls: usize,
    ) -> Result<(Vec<Decl>, Vec<CdeclError>), CdeclError> {
        let mut out = Vec::new();
        let mut skipped = Vec::new();
        for ext in unit.0.iter().skip(prelude_decls) {
            let r = match &ext.node {
                ExternalDeclaration::Declaration(d) => self.declaration(d),
                ExternalDeclaration::StaticAssert(_) => Ok(Vec::new()),
                ExternalDeclaration::FunctionDefinition(f) => Err(self.unsupported(
                    "function definitions (bodies, e.g. static inline functions) are not supported; declare the prototype only",
                    f.span,
                )),
            };
            match r {
                Ok(d) => out.extend(d),
                Err(e) if self.mode == Mode::Lenient && e.code == ERR_UNSUPPORTED => skipped.push(e),
                Err(e) => return Err(e),
            }
        }
        Ok((out, skipped))
    }

    fn extensions(&self, exts: &[Node<Extension>], symbol: &mut Option<String>) -> Result<(), CdeclError> {
        for e in exts {
            match &e.node {
                Extension::Attribute(a) => {
                    let n = a.name.node.trim_matches('_');
                    if matches!(n, "packed" | "aligned" | "vector_size" | "mode" | "transparent_union") {
                        return Err(self.unsupported(
                            &format!(
                                "__attribute__(({})) changes the layout and is not supported",
                                a.name.node
                            ),
                            e.span,
                        ));
                    }
                }
                Extension::AsmLabel(s) => {
                    let mut name = String::new();
                    for part in &s.node {
                        name.push_str(part.trim_matches('"'));
                    }
                    *symbol = Some(name);
                }
                Extension::AvailabilityAttribute(_) => {}
            }
        }
        Ok(())
    }

    fn decl_specs<'a>(&self, specs: &'a [Node<DeclarationSpecifier>], span: Span) -> Result<Specs<'a>, CdeclError> {
        let mut s = Specs {
            typedef: false,
            types: Vec::new(),
            span,
        };
        for sp in specs {
            match &sp.node {
                DeclarationSpecifier::StorageClass(sc) => {
                    if sc.node == StorageClassSpecifier::Typedef {
                        s.typedef = true;
                    }
                }
                DeclarationSpecifier::TypeSpecifier(t) => s.types.push(t),
                DeclarationSpecifier::TypeQualifier(q) => self.qualifier(q)?,
                DeclarationSpecifier::Function(_) => {}
                DeclarationSpecifier::Alignment(a) => {
                    return Err(self.unsupported("_Alignas is not supported", a.span));
                }
                DeclarationSpecifier::Extension(e) => self.extensions(e, &mut None)?,
            }
        }
        Ok(s)
    }

    fn qualifier(&self, q: &Node<TypeQualifier>) -> Result<(), CdeclError> {
        if q.node == TypeQualifier::Atomic {
            return Err(self.unsupported("_Atomic types are not supported", q.span));
        }
        Ok(())
    }

    fn spec_quals<'a>(&self, specs: &'a [Node<SpecifierQualifier>], span: Span) -> Result<Specs<'a>, CdeclError> {
        let mut s = Specs {
            typedef: false,
            types: Vec::new(),
            span,
        };
        for sp in specs {
            match &sp.node {
                SpecifierQualifier::TypeSpecifier(t) => s.types.push(t),
                SpecifierQualifier::TypeQualifier(q) => self.qualifier(q)?,
                SpecifierQualifier::Extension(e) => self.extensions(e, &mut None)?,
            }
        }
        Ok(s)
    }

    /// The type named by a list of type specifiers (`unsigned long int`,
    /// `struct point`, `size_t`, ...).
    fn base_type(&mut self, s: &Specs) -> Result<Ty, CdeclError> {
        let (mut void, mut boolean, mut ch, mut short, mut int, mut long, mut float, mut double) =
            (0, 0, 0, 0, 0, 0, 0, 0);
        let (mut signed, mut unsigned) = (0, 0);
        let mut other: Option<Ty> = None;
        let mut others = 0;
        for t in &s.types {
            match &t.node {
                TypeSpecifier::Void => void += 1,
                TypeSpecifier::Bool => boolean += 1,
                TypeSpecifier::Char => ch += 1,
                TypeSpecifier::Short => short += 1,
                TypeSpecifier::Int => int += 1,
                TypeSpecifier::Long => long += 1,
                TypeSpecifier::Float => float += 1,
                TypeSpecifier::Double => double += 1,
                TypeSpecifier::Signed => signed += 1,
                TypeSpecifier::Unsigned => unsigned += 1,
                TypeSpecifier::Complex => return Err(self.unsupported("_Complex types are not supported", t.span)),
                TypeSpecifier::Atomic(_) => return Err(self.unsupported("_Atomic types are not supported", t.span)),
                TypeSpecifier::TypeOf(_) => return Err(self.unsupported("typeof is not supported", t.span)),
                TypeSpecifier::TS18661Float(_) => {
                    return Err(self.unsupported("_FloatN types are not supported", t.span))
                }
                TypeSpecifier::Struct(st) => {
                    others += 1;
                    other = Some(self.record(st)?);
                }
                TypeSpecifier::Enum(en) => {
                    others += 1;
                    other = Some(self.enumeration(en)?);
                }
                TypeSpecifier::TypedefName(id) => {
                    others += 1;
                    if id.node.name == "__builtin_va_list" {
                        return Err(self.unsupported("va_list is not supported", id.span));
                    }
                    other = Some(Ty::Name(id.node.name.clone(), self.at(id.span)));
                }
            }
        }
        let span = s.types.first().map_or(s.span, |t| t.span);
        let invalid = || self.err(ERR_SYNTAX, "invalid combination of type specifiers", span);
        let sign = signed + unsigned;
        if signed > 1 || unsigned > 1 || sign > 1 {
            return Err(invalid());
        }
        let total = void + boolean + ch + short + int + long + float + double + sign + others;
        if total == 0 {
            return Err(self.err(ERR_SYNTAX, "missing type specifier", s.span));
        }
        let alone = |n: i32| total == n;
        let u = unsigned == 1;
        let prim = if others == 1 {
            if !alone(1) {
                return Err(invalid());
            }
            return Ok(other.unwrap_or(Ty::Prim("int")));
        } else if void == 1 {
            if !alone(1) {
                return Err(invalid());
            }
            "void"
        } else if boolean == 1 {
            if !alone(1) {
                return Err(invalid());
            }
            "bool"
        } else if float == 1 {
            if !alone(1) {
                return Err(invalid());
            }
            "float"
        } else if double == 1 {
            if long == 1 && alone(2) {
                return Err(self.unsupported("long double is not supported", span));
            }
            if !alone(1) {
                return Err(invalid());
            }
            "double"
        } else if ch == 1 {
            if !alone(1 + sign) {
                return Err(invalid());
            }
            match (signed, unsigned) {
                (1, _) => "schar",
                (_, 1) => "uchar",
                _ => "char",
            }
        } else if short == 1 {
            if int > 1 || !alone(1 + int + sign) {
                return Err(invalid());
            }
            if u {
                "ushort"
            } else {
                "short"
            }
        } else if long >= 1 {
            if long > 2 || int > 1 || !alone(long + int + sign) {
                return Err(invalid());
            }
            match (long, u) {
                (1, false) => "long",
                (1, true) => "ulong",
                (_, false) => "longlong",
                (_, true) => "ulonglong",
            }
        } else {
            if int > 1 || !alone(int + sign) {
                return Err(invalid());
            }
            if u {
                "uint"
            } else {
                "int"
            }
        };
        Ok(Ty::Prim(prim))
    }

    fn record(&mut self, st: &Node<StructType>) -> Result<Ty, CdeclError> {
        let union = st.node.kind.node == StructKind::Union;
        let what = if union { "union" } else { "struct" };
        let tag = st.node.identifier.as_ref().map(|i| i.node.name.clone());
        let id = self.next_id;
        self.next_id += 1;
        let fields = match &st.node.declarations {
            None => None,
            Some(decls) => {
                let mut fields: Vec<(String, Ty)> = Vec::new();
                for d in decls {
                    let StructDeclaration::Field(f) = &d.node else { continue };
                    let specs = self.spec_quals(&f.node.specifiers, f.span)?;
                    let base = self.base_type(&specs)?;
                    if f.node.declarators.is_empty() {
                        return Err(self.unsupported(
                            &format!("anonymous members are not supported in {what}s; give the member a name"),
                            f.span,
                        ));
                    }
                    for sd in &f.node.declarators {
                        if let Some(w) = &sd.node.bit_width {
                            return Err(self.unsupported("bit-fields are not supported", w.span));
                        }
                        let Some(decl) = &sd.node.declarator else {
                            return Err(self.unsupported("anonymous members are not supported", sd.span));
                        };
                        let (ty, name, _) = self.declarator(base.clone(), decl)?;
                        let Some((name, nspan)) = name else {
                            return Err(self.err(ERR_SYNTAX, "a member needs a name", sd.span));
                        };
                        match &ty {
                            Ty::Array(_, None) => {
                                return Err(self.unsupported("flexible array members are not supported", nspan))
                            }
                            Ty::Func(_) => {
                                return Err(self.err(
                                    ERR_SYNTAX,
                                    &format!("member '{name}' has a function type; use a function pointer"),
                                    nspan,
                                ))
                            }
                            Ty::Prim("void") => {
                                return Err(self.err(ERR_SYNTAX, &format!("member '{name}' has type void"), nspan))
                            }
                            _ => {}
                        }
                        if fields.iter().any(|(n, _)| *n == name) {
                            return Err(self.err(ERR_SYNTAX, &format!("duplicate member '{name}'"), nspan));
                        }
                        fields.push((name, ty));
                    }
                }
                if fields.is_empty() {
                    return Err(self.unsupported(&format!("empty {what}s are not supported"), st.span));
                }
                Some(fields)
            }
        };
        Ok(Ty::Record {
            union,
            id,
            tag,
            fields,
            at: self.at(st.span),
        })
    }

    fn enumeration(&mut self, en: &Node<EnumType>) -> Result<Ty, CdeclError> {
        let tag = en.node.identifier.as_ref().map(|i| i.node.name.clone());
        let id = self.next_id;
        self.next_id += 1;
        let items = if en.node.enumerators.is_empty() {
            None
        } else {
            let mut items = Vec::new();
            let mut next: i128 = 0;
            for e in &en.node.enumerators {
                let v = match &e.node.expression {
                    Some(x) => self.eval(x)?,
                    None => next,
                };
                let name = e.node.identifier.node.name.clone();
                self.consts.insert(name.clone(), v);
                items.push((name, v));
                next = v
                    .checked_add(1)
                    .ok_or_else(|| self.err(ERR_CONSTANT, "enum value overflows", e.span))?;
            }
            Some(items)
        };
        Ok(Ty::Enum {
            id,
            tag,
            items,
            at: self.at(en.span),
        })
    }

    /// Evaluates an integer constant expression.
    fn eval(&self, e: &Node<Expression>) -> Result<i128, CdeclError> {
        let overflow = || self.err(ERR_CONSTANT, "constant expression overflows", e.span);
        let unsupported = |what: &str| {
            self.unsupported(
                &format!(
                    "{what} in a constant expression is not supported (integer arithmetic and enum constants are)"
                ),
                e.span,
            )
        };
        match &e.node {
            Expression::Identifier(id) => self
                .consts
                .get(&id.node.name)
                .copied()
                .ok_or_else(|| self.err(ERR_CONSTANT, &format!("unknown constant '{}'", id.node.name), id.span)),
            Expression::Constant(c) => match &c.node {
                Constant::Integer(i) => {
                    let radix = match i.base {
                        IntegerBase::Decimal => 10,
                        IntegerBase::Octal => 8,
                        IntegerBase::Hexadecimal => 16,
                        IntegerBase::Binary => 2,
                    };
                    let digits = i.number.trim_start_matches("0x").trim_start_matches("0X");
                    let digits = if digits.is_empty() { "0" } else { digits };
                    i128::from_str_radix(digits, radix).map_err(|_| overflow())
                }
                Constant::Character(s) => char_value(s).ok_or_else(|| unsupported("this character constant")),
                Constant::Float(_) => Err(unsupported("a floating-point value")),
            },
            Expression::UnaryOperator(u) => {
                let v = self.eval(&u.node.operand)?;
                match u.node.operator.node {
                    UnaryOperator::Plus => Ok(v),
                    UnaryOperator::Minus => v.checked_neg().ok_or_else(overflow),
                    UnaryOperator::Complement => Ok(!v),
                    UnaryOperator::Negate => Ok((v == 0) as i128),
                    _ => Err(unsupported("this operator")),
                }
            }
            Expression::BinaryOperator(b) => {
                let l = self.eval(&b.node.lhs)?;
                match b.node.operator.node {
                    BinaryOperator::LogicalAnd if l == 0 => return Ok(0),
                    BinaryOperator::LogicalOr if l != 0 => return Ok(1),
                    _ => {}
                }
                let r = self.eval(&b.node.rhs)?;
                let div0 = || self.err(ERR_CONSTANT, "division by zero in a constant expression", e.span);
                let shift = || {
                    u32::try_from(r)
                        .ok()
                        .filter(|s| *s < 64)
                        .ok_or_else(|| self.err(ERR_CONSTANT, "shift count out of range", e.span))
                };
                match b.node.operator.node {
                    BinaryOperator::Multiply => l.checked_mul(r).ok_or_else(overflow),
                    BinaryOperator::Divide => l.checked_div(r).ok_or_else(div0),
                    BinaryOperator::Modulo => l.checked_rem(r).ok_or_else(div0),
                    BinaryOperator::Plus => l.checked_add(r).ok_or_else(overflow),
                    BinaryOperator::Minus => l.checked_sub(r).ok_or_else(overflow),
                    BinaryOperator::ShiftLeft => l.checked_shl(shift()?).ok_or_else(overflow),
                    BinaryOperator::ShiftRight => Ok(l >> shift()?),
                    BinaryOperator::Less => Ok((l < r) as i128),
                    BinaryOperator::Greater => Ok((l > r) as i128),
                    BinaryOperator::LessOrEqual => Ok((l <= r) as i128),
                    BinaryOperator::GreaterOrEqual => Ok((l >= r) as i128),
                    BinaryOperator::Equals => Ok((l == r) as i128),
                    BinaryOperator::NotEquals => Ok((l != r) as i128),
                    BinaryOperator::BitwiseAnd => Ok(l & r),
                    BinaryOperator::BitwiseXor => Ok(l ^ r),
                    BinaryOperator::BitwiseOr => Ok(l | r),
                    BinaryOperator::LogicalAnd | BinaryOperator::LogicalOr => Ok((r != 0) as i128),
                    _ => Err(unsupported("this operator")),
                }
            }
            Expression::Conditional(c) => {
                if self.eval(&c.node.condition)? != 0 {
                    self.eval(&c.node.then_expression)
                } else {
                    self.eval(&c.node.else_expression)
                }
            }
            // Casts to integer types keep the value (enum values are
            // integers; narrowing casts are not modelled).
            Expression::Cast(c) => self.eval(&c.node.expression),
            Expression::SizeOfTy(_) | Expression::SizeOfVal(_) | Expression::AlignOf(_) => {
                Err(unsupported("sizeof/_Alignof"))
            }
            _ => Err(unsupported("this kind of expression")),
        }
    }

    /// Applies a declarator to its base type: pointers (left to right) bind
    /// looser than array and function suffixes (right to left), then the
    /// parenthesised inner declarator applies to the result.
    #[allow(clippy::type_complexity)]
    fn declarator(
        &mut self,
        base: Ty,
        d: &Node<Declarator>,
    ) -> Result<(Ty, Option<(String, Span)>, Option<String>), CdeclError> {
        let mut symbol = None;
        self.extensions(&d.node.extensions, &mut symbol)?;
        let mut ty = base;
        let mut suffixes = Vec::new();
        for dd in &d.node.derived {
            match &dd.node {
                DerivedDeclarator::Pointer(q) => {
                    for pq in q {
                        match &pq.node {
                            PointerQualifier::TypeQualifier(t) => self.qualifier(t)?,
                            PointerQualifier::Extension(e) => self.extensions(e, &mut None)?,
                        }
                    }
                    ty = Ty::Ptr(Box::new(ty));
                }
                DerivedDeclarator::Block(_) => {
                    return Err(self.unsupported("block pointers are not supported", dd.span))
                }
                _ => suffixes.push(dd),
            }
        }
        for dd in suffixes.into_iter().rev() {
            ty = match &dd.node {
                DerivedDeclarator::Array(a) => {
                    if matches!(ty, Ty::Func(_)) {
                        return Err(self.err(ERR_SYNTAX, "array of functions", dd.span));
                    }
                    let n =
                        match &a.node.size {
                            ArraySize::Unknown => None,
                            ArraySize::VariableUnknown => {
                                return Err(self.unsupported("variable-length arrays are not supported", dd.span))
                            }
                            ArraySize::VariableExpression(x) | ArraySize::StaticExpression(x) => {
                                let v = self.eval(x)?;
                                Some(u64::try_from(v).map_err(|_| {
                                    self.err(ERR_CONSTANT, &format!("invalid array length {v}"), x.span)
                                })?)
                            }
                        };
                    Ty::Array(Box::new(ty), n)
                }
                DerivedDeclarator::Function(f) => {
                    self.check_return(&ty, dd.span)?;
                    let params = self.params(&f.node.parameters)?;
                    Ty::Func(Box::new(FnSig {
                        ret: ty,
                        params,
                        variadic: f.node.ellipsis == Ellipsis::Some,
                    }))
                }
                DerivedDeclarator::KRFunction(ids) => {
                    if let Some(first) = ids.first() {
                        if self.mode == Mode::Type {
                            // `void probe(name)`: the name is no type.
                            let n = &first.node.name;
                            return Err(self.err(ERR_UNKNOWN_TYPE, &format!("unknown type name '{n}'"), first.span));
                        }
                        return Err(self.unsupported(
                            "K&R-style parameter lists are not supported; declare parameter types",
                            first.span,
                        ));
                    }
                    self.check_return(&ty, dd.span)?;
                    // `f()` is taken as `f(void)`, as in C23.
                    Ty::Func(Box::new(FnSig {
                        ret: ty,
                        params: Vec::new(),
                        variadic: false,
                    }))
                }
                _ => unreachable!("pointers were applied above"),
            };
        }
        match &d.node.kind.node {
            DeclaratorKind::Abstract => Ok((ty, None, symbol)),
            DeclaratorKind::Identifier(id) => Ok((ty, Some((id.node.name.clone(), id.span)), symbol)),
            DeclaratorKind::Declarator(inner) => {
                let (t, n, s) = self.declarator(ty, inner)?;
                Ok((t, n, s.or(symbol)))
            }
        }
    }

    fn check_return(&self, ty: &Ty, span: Span) -> Result<(), CdeclError> {
        match ty {
            Ty::Func(_) => Err(self.err(ERR_SYNTAX, "a function cannot return a function", span)),
            Ty::Array(..) => Err(self.err(ERR_SYNTAX, "a function cannot return an array", span)),
            _ => Ok(()),
        }
    }

    fn params(&mut self, ps: &[Node<ParameterDeclaration>]) -> Result<Vec<(Option<String>, Ty)>, CdeclError> {
        if let [p] = ps {
            let is_void = p
                .node
                .declarator
                .as_ref()
                .is_none_or(|d| d.node.derived.is_empty() && matches!(d.node.kind.node, DeclaratorKind::Abstract))
                && p.node.specifiers.iter().any(
                    |s| matches!(&s.node, DeclarationSpecifier::TypeSpecifier(t) if t.node == TypeSpecifier::Void),
                );
            if is_void {
                return Ok(Vec::new());
            }
        }
        let mut out = Vec::new();
        for p in ps {
            self.extensions(&p.node.extensions, &mut None)?;
            let specs = self.decl_specs(&p.node.specifiers, p.span)?;
            let base = self.base_type(&specs)?;
            let (ty, name) = match &p.node.declarator {
                None => (base, None),
                Some(d) => {
                    let (t, n, _) = self.declarator(base, d)?;
                    (t, n.map(|(n, _)| n))
                }
            };
            // Parameter adjustments: arrays and functions become pointers.
            let ty = match ty {
                Ty::Array(elem, _) => Ty::Ptr(elem),
                f @ Ty::Func(_) => Ty::Ptr(Box::new(f)),
                Ty::Prim("void") => {
                    return Err(self.err(ERR_SYNTAX, "a parameter cannot have type void", p.span));
                }
                t => t,
            };
            out.push((name, ty));
        }
        Ok(out)
    }

    fn declaration(&mut self, d: &Node<Declaration>) -> Result<Vec<Decl>, CdeclError> {
        let mut out = Vec::new();
        let specs = self.decl_specs(&d.node.specifiers, d.span)?;
        let base = self.base_type(&specs)?;
        if d.node.declarators.is_empty() {
            if matches!(base, Ty::Record { .. } | Ty::Enum { .. }) {
                out.push(Decl::Tag(base));
            }
            return Ok(out);
        }
        for id in &d.node.declarators {
            let (ty, name, symbol) = self.declarator(base.clone(), &id.node.declarator)?;
            let Some((name, nspan)) = name else {
                return Err(self.err(ERR_SYNTAX, "a declaration needs a name", id.span));
            };
            if specs.typedef {
                out.push(Decl::Typedef(name, ty));
            } else if let Ty::Func(sig) = ty {
                if id.node.initializer.is_some() {
                    return Err(self.err(ERR_SYNTAX, "a function cannot have an initializer", id.span));
                }
                out.push(Decl::Func {
                    name,
                    symbol,
                    sig: *sig,
                    at: self.at(nspan),
                });
            } else {
                out.push(Decl::Var(name, ty));
            }
        }
        Ok(out)
    }
}

/// The value of a character constant such as `'a'`, `'\n'` or `'\x41'`.
fn char_value(lit: &str) -> Option<i128> {
    let inner = lit.strip_prefix('\'')?.strip_suffix('\'')?;
    let mut c = inner.chars();
    let first = c.next()?;
    if first != '\\' {
        return if c.next().is_none() { Some(first as i128) } else { None };
    }
    let rest: String = c.collect();
    let simple = match rest.as_str() {
        "n" => Some(10),
        "t" => Some(9),
        "r" => Some(13),
        "0" => Some(0),
        "\\" => Some(92),
        "'" => Some(39),
        "\"" => Some(34),
        "a" => Some(7),
        "b" => Some(8),
        "f" => Some(12),
        "v" => Some(11),
        "?" => Some(63),
        _ => None,
    };
    if simple.is_some() {
        return simple;
    }
    if let Some(hex) = rest.strip_prefix('x') {
        return i128::from_str_radix(hex, 16).ok();
    }
    i128::from_str_radix(&rest, 8).ok()
}

// ---- JSON -------------------------------------------------------------------

/// Values JS Numbers cannot hold exactly go as decimal strings.
fn int_json(v: i128) -> Value {
    if v.unsigned_abs() <= (1u128 << 53) {
        json!(v as i64)
    } else {
        json!(v.to_string())
    }
}

fn pos_json(p: Pos) -> Value {
    json!([p.0, p.1])
}

fn ty_json(t: &Ty) -> Value {
    match t {
        Ty::Prim(n) => json!({ "k": "prim", "n": n }),
        Ty::Name(n, at) => json!({ "k": "name", "n": n, "at": pos_json(*at) }),
        Ty::Ptr(to) => json!({ "k": "ptr", "to": ty_json(to) }),
        Ty::Array(of, n) => json!({ "k": "array", "of": ty_json(of), "n": n }),
        Ty::Func(sig) => fn_json(sig),
        Ty::Record {
            union,
            id,
            tag,
            fields,
            at,
        } => json!({
            "k": if *union { "union" } else { "struct" },
            "id": id,
            "tag": tag,
            "fields": fields.as_ref().map(|fs| {
                fs.iter().map(|(n, t)| json!({ "name": n, "type": ty_json(t) })).collect::<Vec<_>>()
            }),
            "at": pos_json(*at),
        }),
        Ty::Enum { id, tag, items, at } => json!({
            "k": "enum",
            "id": id,
            "tag": tag,
            "items": items.as_ref().map(|it| it.iter().map(|(n, v)| json!([n, int_json(*v)])).collect::<Vec<_>>()),
            "at": pos_json(*at),
        }),
    }
}

fn fn_json(sig: &FnSig) -> Value {
    json!({
        "k": "fn",
        "ret": ty_json(&sig.ret),
        "params": sig.params.iter().map(|(n, t)| json!({ "name": n, "type": ty_json(t) })).collect::<Vec<_>>(),
        "variadic": sig.variadic,
    })
}

fn decl_json(d: &Decl) -> Value {
    match d {
        Decl::Typedef(n, t) => json!({ "d": "typedef", "name": n, "type": ty_json(t) }),
        Decl::Func { name, symbol, sig, at } => json!({
            "d": "func",
            "name": name,
            "symbol": symbol,
            "type": fn_json(sig),
            "at": pos_json(*at),
        }),
        Decl::Tag(t) => json!({ "d": "tag", "type": ty_json(t) }),
        Decl::Var(n, t) => json!({ "d": "var", "name": n, "type": ty_json(t) }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decls(src: &str, names: &str) -> Vec<Decl> {
        match parse(src, names, "", Mode::Decls) {
            Ok(Output::Decls(d, _)) => d,
            Ok(Output::Type(_)) => panic!("type"),
            Err(e) => panic!("{e:?}"),
        }
    }

    fn err(src: &str, names: &str, mode: Mode) -> CdeclError {
        match parse(src, names, "", mode) {
            Err(e) => e,
            Ok(_) => panic!("parsed: {src}"),
        }
    }

    fn ptr(t: Ty) -> Ty {
        Ty::Ptr(Box::new(t))
    }

    #[test]
    fn prototype_with_pointers_and_typedef_names() {
        let d = decls("size_t strlen(const char *s);", "size_t");
        let Decl::Func { name, sig, at, .. } = &d[0] else {
            panic!()
        };
        assert_eq!(name, "strlen");
        assert_eq!(*at, (1, 8));
        assert!(matches!(&sig.ret, Ty::Name(n, _) if n == "size_t"));
        assert_eq!(sig.params, vec![(Some("s".into()), ptr(Ty::Prim("char")))]);
        assert!(!sig.variadic);
    }

    #[test]
    fn declarator_precedence() {
        let d = decls("int *a[3]; int (*b)[3]; int c[2][3]; int *(*f)(int, ...);", "");
        let ty = |i: usize| match &d[i] {
            Decl::Var(_, t) => t.clone(),
            _ => panic!(),
        };
        assert_eq!(ty(0), Ty::Array(Box::new(ptr(Ty::Prim("int"))), Some(3)));
        assert_eq!(ty(1), ptr(Ty::Array(Box::new(Ty::Prim("int")), Some(3))));
        assert_eq!(
            ty(2),
            Ty::Array(Box::new(Ty::Array(Box::new(Ty::Prim("int")), Some(3))), Some(2))
        );
        let Ty::Ptr(f) = ty(3) else { panic!() };
        let Ty::Func(sig) = *f else { panic!() };
        assert_eq!(sig.ret, ptr(Ty::Prim("int")));
        assert!(sig.variadic);
    }

    #[test]
    fn integer_specifiers() {
        let d = decls(
            "unsigned long long a; long int b; unsigned c; signed char d; short unsigned int e; _Bool f; long long g;",
            "",
        );
        let got: Vec<Ty> = d
            .into_iter()
            .map(|x| match x {
                Decl::Var(_, t) => t,
                _ => panic!(),
            })
            .collect();
        let want = ["ulonglong", "long", "uint", "schar", "ushort", "bool", "longlong"];
        assert_eq!(got, want.iter().map(|w| Ty::Prim(w)).collect::<Vec<_>>());
    }

    #[test]
    fn void_params_arrays_and_functions_adjust() {
        let d = decls("int f(void); int g(int a[4], int cb(int));", "");
        let Decl::Func { sig, .. } = &d[0] else { panic!() };
        assert!(sig.params.is_empty());
        let Decl::Func { sig, .. } = &d[1] else { panic!() };
        assert_eq!(sig.params[0].1, ptr(Ty::Prim("int")));
        assert!(matches!(&sig.params[1].1, Ty::Ptr(f) if matches!(**f, Ty::Func(_))));
    }

    #[test]
    fn enums_are_evaluated() {
        let d = decls(
            "enum e { A = 1 << 3, B = A + 1, C, D = (B * 2) | 1, E = 'a', F = -1, G = C > 5 ? 7 : 8 };",
            "",
        );
        let Decl::Tag(Ty::Enum { items: Some(items), .. }) = &d[0] else {
            panic!()
        };
        let vals: Vec<i128> = items.iter().map(|i| i.1).collect();
        assert_eq!(vals, vec![8, 9, 10, 19, 97, -1, 7]);
        let e = err("enum e2 { X = Y + 1 };", "", Mode::Decls);
        assert_eq!(e.code, ERR_CONSTANT);
        let d = parse("int v[N * 2];", "", "N=3", Mode::Decls).ok().unwrap();
        let Output::Decls(d, _) = d else { panic!() };
        assert_eq!(
            d[0],
            Decl::Var("v".into(), Ty::Array(Box::new(Ty::Prim("int")), Some(6)))
        );
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = err("int f(int a,\n  int b;", "", Mode::Decls);
        assert_eq!(e.code, ERR_SYNTAX);
        assert_eq!((e.line, e.column), (2, 8));
        let e = err("int f(int x) /* fine */ ) ;", "", Mode::Decls);
        assert_eq!((e.line, e.column), (1, 25));
    }

    #[test]
    fn unknown_type_names_are_found() {
        let e = err("int f(int a, foo_t b);", "", Mode::Proto);
        assert_eq!(e.code, ERR_UNKNOWN_TYPE);
        assert!(e.message.contains("'foo_t'"), "{}", e.message);
        assert_eq!((e.line, e.column), (1, 14));
        let e = err("bar_t g(void)", "", Mode::Proto);
        assert_eq!(e.code, ERR_UNKNOWN_TYPE);
        assert_eq!((e.line, e.column), (1, 1));
        let e = err("int h(baz_t, int)", "", Mode::Proto);
        assert_eq!(e.code, ERR_UNKNOWN_TYPE);
        let e = err("qux_t", "", Mode::Type);
        assert_eq!(e.code, ERR_UNKNOWN_TYPE);
        assert_eq!((e.line, e.column), (1, 1));
        let e = err("int f(int x", "", Mode::Proto);
        assert_eq!(e.code, ERR_SYNTAX);
        assert!(e.message.contains("end of input"), "{}", e.message);
    }

    #[test]
    fn unsupported_constructs() {
        for (src, what) in [
            ("struct s { int a : 3; };", "bit-fields"),
            ("int f(a, b) int a; int b; { return 0; }", "function definitions"),
            ("int f(a, b);", "K&R"),
            ("static inline int f(void) { return 1; }", "function definitions"),
            ("long double f(void);", "long double"),
            ("#define X 1\nint f(void);", "preprocessor"),
            ("struct s { int n; int d[]; };", "flexible"),
            ("struct s { int a; } __attribute__((packed));", "packed"),
            ("int f(__builtin_va_list ap);", "va_list"),
        ] {
            let e = err(src, "", Mode::Decls);
            assert_eq!(e.code, ERR_UNSUPPORTED, "{src}: {e:?}");
            assert!(e.message.contains(what), "{src}: {}", e.message);
        }
    }

    #[test]
    fn type_mode_and_json() {
        let j = parse_to_json("int (*)(const char *, ...)", "", "", Mode::Type);
        assert_eq!(
            j,
            "{\"type\":{\"k\":\"ptr\",\"to\":{\"k\":\"fn\",\"ret\":{\"k\":\"prim\",\"n\":\"int\"},\"params\":[{\"name\":null,\"type\":{\"k\":\"ptr\",\"to\":{\"k\":\"prim\",\"n\":\"char\"}}}],\"variadic\":true}}}"
        );
        let j = parse_to_json("int f(\"x", "", "", Mode::Proto);
        assert!(j.starts_with("{\"error\":{\"code\":\"ERR_REFFI_CDECL_SYNTAX\""), "{j}");
        let j = parse_to_json(
            "static inline int f(void) { return 1; }\nlong double g(void);\nint h(void);",
            "",
            "",
            Mode::Lenient,
        );
        assert!(j.contains("\"name\":\"h\""), "{j}");
        assert!(j.contains("\"line\":1,\"column\":1}"), "{j}");
        assert!(j.contains("\"line\":2,\"column\":1}"), "{j}");
        let j = parse_to_json("int x __asm__(\"real\");", "", "", Mode::Decls);
        assert!(j.contains("\"d\":\"var\""), "{j}");
        let j = parse_to_json("int f(void) __asm__(\"\" \"real_f\");", "", "", Mode::Decls);
        assert!(j.contains("\"symbol\":\"real_f\""), "{j}");
    }
}
