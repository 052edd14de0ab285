//! Library loading: dlopen/dlsym/dlclose through `libloading`.
//!
//! A `LoadedLib` owns its handle; closing marks it closed so that every
//! call plan bound to one of its symbols refuses to run afterwards instead
//! of jumping into unmapped memory. The handle itself is released (and the
//! code unmapped) only once none of the library's code can be running:
//! after the synchronous call in progress returns (a callback may close the
//! library whose function called it) and after its async calls complete.

use std::cell::{Cell, RefCell};

use libloading::os::unix::Library;

use crate::error::{Error, Result};

pub struct LoadedLib {
    pub path: Option<String>,
    handle: RefCell<Option<Library>>,
    closed: Cell<bool>,
    /// Async calls into this library still running on the thread pool.
    pub in_flight: Cell<u32>,
    /// Ids of the live call plans bound to this library's symbols, so that
    /// closing the library frees them at once (`EnvState::close_plans_of`)
    /// instead of when the GC collects their JS functions.
    plan_ids: RefCell<Vec<u32>>,
}

impl LoadedLib {
    /// Opens `path` (or the running process for `None`) with RTLD flags.
    pub fn open(path: Option<&str>, flags: i32) -> Result<LoadedLib> {
        let lib = match path {
            None => Ok(Library::this()),
            // SAFETY: dlopen runs the library's initialisers. Loading a
            // library is the documented purpose of this call and the user
            // names the library; there is no Rust-side invariant to uphold
            // beyond passing a valid C string, which libloading builds.
            Some(p) => unsafe { Library::open(Some(p), flags) },
        };
        match lib {
            Ok(l) => Ok(LoadedLib {
                path: path.map(str::to_owned),
                handle: RefCell::new(Some(l)),
                closed: Cell::new(false),
                in_flight: Cell::new(0),
                plan_ids: RefCell::new(Vec::new()),
            }),
            Err(e) => Err(Error::library_load(format!("{}", e))),
        }
    }

    pub fn is_closed(&self) -> bool {
        self.closed.get()
    }

    /// Whether the handle was released (dlclose), see `close_if_idle`.
    pub fn is_unmapped(&self) -> bool {
        self.handle.borrow().is_none()
    }

    /// Records that plan `id` calls into this library.
    pub fn add_plan_id(&self, id: u32) {
        self.plan_ids.borrow_mut().push(id);
    }

    /// Forgets plan `id` (it was freed).
    pub fn remove_plan_id(&self, id: u32) {
        let mut ids = self.plan_ids.borrow_mut();
        if let Some(i) = ids.iter().rposition(|&x| x == id) {
            ids.swap_remove(i);
        }
    }

    /// The ids of the plans bound to this library, leaving none recorded.
    pub fn take_plan_ids(&self) -> Vec<u32> {
        std::mem::take(&mut *self.plan_ids.borrow_mut())
    }

    /// Looks a symbol up. Returns its address.
    pub fn symbol(&self, name: &str) -> Result<usize> {
        let h = self.handle.borrow();
        let lib = h.as_ref().ok_or_else(|| {
            Error::library_closed(format!(
                "library {} is closed; cannot look up \"{}\"",
                self.display(),
                name
            ))
        })?;
        // SAFETY: the symbol is read as an opaque address (`*mut c_void`),
        // never called or dereferenced here; libloading builds the C string.
        let sym = unsafe { lib.get::<*mut std::ffi::c_void>(name.as_bytes()) };
        match sym {
            Ok(s) => Ok(*s as usize),
            Err(e) => Err(Error::symbol_not_found(format!(
                "symbol \"{}\" not found in {}: {}",
                name,
                self.display(),
                e
            ))),
        }
    }

    /// Marks the library closed: calls through its plans refuse to run from
    /// now on. Its code stays mapped until `close_if_idle` unmaps it, which
    /// `EnvState::unmap_when_idle` calls once no synchronous call is
    /// running (one of this library's functions may be on the stack, in a
    /// callback that closed it).
    pub fn mark_closed(&self) {
        self.closed.set(true);
    }

    /// Unmaps (dlclose) a closed library unless async calls into it still
    /// run on the thread pool (the last one to complete calls this again).
    /// Callers make sure no synchronous call is running on this thread:
    /// `EnvState::unmap_when_idle`.
    pub fn close_if_idle(&self) -> Result<()> {
        if !self.closed.get() || self.in_flight.get() > 0 {
            return Ok(());
        }
        if let Some(l) = self.handle.borrow_mut().take() {
            l.close().map_err(|e| Error::internal(format!("dlclose failed: {e}")))?;
        }
        Ok(())
    }

    pub fn display(&self) -> String {
        match &self.path {
            Some(p) => format!("\"{p}\""),
            None => "the current process".to_owned(),
        }
    }
}
