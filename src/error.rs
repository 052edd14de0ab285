//! Errors: one type, each with a stable `code` and the JS class it is
//! thrown as. The binding layer turns them into JS exceptions.
#![deny(unsafe_code)]

use std::fmt;

/// The JS constructor an error is thrown with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsClass {
    Error,
    TypeError,
    RangeError,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: &'static str,
    pub class: JsClass,
    pub message: String,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(code: &'static str, class: JsClass, message: impl Into<String>) -> Self {
        Error {
            code,
            class,
            message: message.into(),
        }
    }
    pub fn invalid_type(msg: &str) -> Self {
        Error::new("ERR_REFFI_INVALID_TYPE", JsClass::TypeError, msg)
    }
    pub fn unsupported(msg: &str) -> Self {
        Error::new("ERR_REFFI_UNSUPPORTED", JsClass::TypeError, msg)
    }
    pub fn arg_type(msg: impl Into<String>) -> Self {
        Error::new("ERR_REFFI_ARG_TYPE", JsClass::TypeError, msg)
    }
    pub fn library_load(msg: impl Into<String>) -> Self {
        Error::new("ERR_REFFI_LIBRARY_NOT_FOUND", JsClass::Error, msg)
    }
    pub fn symbol_not_found(msg: impl Into<String>) -> Self {
        Error::new("ERR_REFFI_SYMBOL_NOT_FOUND", JsClass::Error, msg)
    }
    pub fn library_closed(msg: impl Into<String>) -> Self {
        Error::new("ERR_REFFI_LIBRARY_CLOSED", JsClass::Error, msg)
    }
    pub fn null_pointer(msg: impl Into<String>) -> Self {
        Error::new("ERR_REFFI_NULL_POINTER", JsClass::Error, msg)
    }
    pub fn out_of_bounds(msg: impl Into<String>) -> Self {
        Error::new("ERR_REFFI_OUT_OF_BOUNDS", JsClass::RangeError, msg)
    }
    pub fn callback_released(msg: impl Into<String>) -> Self {
        Error::new("ERR_REFFI_CALLBACK_RELEASED", JsClass::Error, msg)
    }
    pub fn callback_thread(msg: impl Into<String>) -> Self {
        Error::new("ERR_REFFI_CALLBACK_THREAD_BLOCKED", JsClass::Error, msg)
    }
    pub fn internal(msg: impl Into<String>) -> Self {
        Error::new("ERR_REFFI_INTERNAL", JsClass::Error, msg)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}
