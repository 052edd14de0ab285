//! Per-environment state. Node runs each environment (main thread, every
//! worker) on its own thread, so the state of the environment running on
//! this thread is found through a thread-local pointer — the hot call entry
//! needs no Node-API call to find its argument block.

use std::cell::{Cell, RefCell, UnsafeCell};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use napi::sys;

use crate::callback::{CallbackCore, CallbackSig};
use crate::error::{Error, Result};
use crate::invoke::Norm;
use crate::library::LoadedLib;
use crate::memory::Block;
use crate::plan::{Plan, RetMode, MAX_ARGS};

/// What the hot entry needs of a register-thunk plan returning a scalar,
/// copied out of a flat table (one indexed load instead of a chain of
/// pointers). The `lib_closed` flag lives in the plan's `Rc<LoadedLib>`,
/// which the plan keeps alive while its entry exists.
/// An entry with `fn_ptr == 0` is not on the fast path.
#[derive(Clone, Copy)]
pub struct FastEntry {
    pub fn_ptr: usize,
    pub lib_closed: *const Cell<bool>,
    pub float_ret: bool,
    pub norm: Norm,
}

const NOT_FAST: FastEntry = FastEntry {
    fn_ptr: 0,
    lib_closed: std::ptr::null(),
    float_ret: false,
    norm: Norm::Raw,
};

/// Block layout, in 8-byte slots. JavaScript (`lib/internal/engine.js`)
/// mirrors these numbers.
pub const SLOT_ID: usize = 0;
pub const SLOT_RET: usize = 1;
pub const SLOT_ARG0: usize = 2;
pub const SLOT_SCRATCH_LO: usize = SLOT_ARG0 + MAX_ARGS;
pub const SLOT_SCRATCH_HI: usize = SLOT_SCRATCH_LO + 1;
/// Callbacks using the block protocol (see `callback.rs`): the result slot
/// and the first argument slot; the region ends where the scratch begins.
pub const SLOT_CB_RET: usize = SLOT_SCRATCH_HI + 1;
pub const SLOT_CB_ARG0: usize = SLOT_CB_RET + 1;
pub const CB_BLOCK_MAX_ARGS: usize = SCRATCH_START / 8 - SLOT_CB_ARG0;
/// Bytes from here to the end of the block hold argument strings.
pub const SCRATCH_START: usize = 512;
pub const BLOCK_BYTES: usize = 64 * 1024;

/// A vector with stable ids and reuse of freed ids.
pub struct Slab<T> {
    items: Vec<Option<T>>,
    free: Vec<u32>,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab {
            items: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T> Slab<T> {
    pub fn insert(&mut self, v: T) -> u32 {
        if let Some(id) = self.free.pop() {
            self.items[id as usize] = Some(v);
            id
        } else {
            self.items.push(Some(v));
            (self.items.len() - 1) as u32
        }
    }
    /// The id the next `insert` returns.
    pub fn next_id(&self) -> u32 {
        self.free.last().copied().unwrap_or(self.items.len() as u32)
    }
    pub fn get(&self, id: u32) -> Option<&T> {
        self.items.get(id as usize).and_then(Option::as_ref)
    }
    pub fn remove(&mut self, id: u32) -> Option<T> {
        let v = self.items.get_mut(id as usize).and_then(Option::take);
        if v.is_some() {
            self.free.push(id);
        }
        v
    }
    pub fn live(&self) -> usize {
        self.items.len() - self.free.len()
    }
}

/// The part of an environment's state that other threads may touch.
pub struct Shared {
    pub alive: AtomicBool,
    /// How many synchronous foreign calls the environment's thread is inside.
    /// Written only by that thread (plain load/store), read by others.
    pub sync_depth: AtomicU32,
    /// The environment-wide thread-safe function that carries callback
    /// invocations from foreign threads; `None` once Node tears it down.
    pub tsfn: RwLock<Option<TsfnHandle>>,
    /// An error raised on a foreign thread, thrown by the next synchronous
    /// call to return on the environment's thread.
    pub pending: Mutex<Option<Error>>,
    pub has_pending: AtomicBool,
}

#[derive(Clone, Copy)]
pub struct TsfnHandle(pub sys::napi_threadsafe_function);
// SAFETY: a napi_threadsafe_function is designed to be used from any thread
// (napi_call_threadsafe_function); it is only reached through `Shared::tsfn`,
// whose lock is cleared by the function's own finalizer.
unsafe impl Send for TsfnHandle {}
// SAFETY: see above; the handle is an opaque token, shared read-only.
unsafe impl Sync for TsfnHandle {}

impl Shared {
    pub fn set_pending(&self, e: Error) {
        if let Ok(mut p) = self.pending.lock() {
            if p.is_none() {
                *p = Some(e);
            }
        }
        self.has_pending.store(true, Ordering::Release);
    }

    pub fn take_pending(&self) -> Option<Error> {
        if !self.has_pending.load(Ordering::Acquire) {
            return None;
        }
        self.has_pending.store(false, Ordering::Release);
        self.pending.lock().ok().and_then(|mut p| p.take())
    }
}

pub struct EnvState {
    pub raw_env: sys::napi_env,
    pub block: Block,
    pub plans: RefCell<Slab<Rc<Plan>>>,
    /// Plans whose JS function was collected while a synchronous call was
    /// running; freed when no call is running (see `free_plan`).
    pub deferred_frees: RefCell<Vec<u32>>,
    /// Flat table indexed by plan id; only written by `add_plan`/`free_plan`.
    fast: UnsafeCell<Vec<FastEntry>>,
    pub libs: RefCell<Slab<Rc<LoadedLib>>>,
    pub callbacks: RefCell<Slab<Arc<CallbackCore>>>,
    /// Callback signatures (libffi cif, types, block layout) shared by every
    /// callback of the same signature, so a released callback's tombstone
    /// is small (see `callback::create`).
    pub callback_sigs: RefCell<std::collections::HashMap<String, Arc<CallbackSig>>>,
    /// Callbacks run on this thread since the outermost synchronous call
    /// began (see `callback::CallbackCore::invoke_sync`).
    pub callbacks_in_call: Cell<u32>,
    pub fast_calls: Cell<u64>,
    pub generic_calls: Cell<u64>,
    pub errno: Cell<i32>,
    pub shared: Arc<Shared>,
}

thread_local! {
    static CURRENT: Cell<*const EnvState> = const { Cell::new(std::ptr::null()) };
}

impl EnvState {
    pub fn new(raw_env: sys::napi_env) -> EnvState {
        EnvState {
            raw_env,
            block: Block::new(BLOCK_BYTES / 8),
            plans: RefCell::default(),
            deferred_frees: RefCell::default(),
            fast: UnsafeCell::new(Vec::new()),
            libs: RefCell::default(),
            callbacks: RefCell::default(),
            callback_sigs: RefCell::default(),
            callbacks_in_call: Cell::new(0),
            fast_calls: Cell::new(0),
            generic_calls: Cell::new(0),
            errno: Cell::new(0),
            shared: Arc::new(Shared {
                alive: AtomicBool::new(true),
                sync_depth: AtomicU32::new(0),
                tsfn: RwLock::new(None),
                pending: Mutex::new(None),
                has_pending: AtomicBool::new(false),
            }),
        }
    }

    /// Makes `state` this thread's environment. The box is leaked here and
    /// reclaimed by [`EnvState::uninstall`] from the environment's cleanup.
    pub fn install(state: Box<EnvState>) -> *mut EnvState {
        let p = Box::into_raw(state);
        CURRENT.with(|c| c.set(p));
        p
    }

    /// # Safety
    /// `p` must come from [`EnvState::install`] and not be used afterwards.
    pub unsafe fn uninstall(p: *mut EnvState) {
        CURRENT.with(|c| {
            if std::ptr::eq(c.get(), p) {
                c.set(std::ptr::null());
            }
        });
        // SAFETY: `p` came from `Box::into_raw` in `install` (caller contract).
        let st = unsafe { Box::from_raw(p) };
        st.shared.alive.store(false, Ordering::Release);
        for cb in st.callbacks.borrow().items.iter().flatten() {
            cb.kill();
        }
    }

    pub fn current_ptr() -> *const EnvState {
        CURRENT.with(|c| c.get())
    }

    /// Runs `f` with this thread's environment state.
    pub fn with<R>(f: impl FnOnce(&EnvState) -> Result<R>) -> Result<R> {
        let p = Self::current_ptr();
        if p.is_null() {
            return Err(Error::internal("reffi is not initialised on this thread"));
        }
        // SAFETY: a non-null CURRENT was set by `install` on this thread and
        // is cleared by `uninstall` before the box is freed; the state is
        // only ever shared immutably (interior mutability via Cell/RefCell).
        f(unsafe { &*p })
    }

    pub fn plan(&self, id: u32) -> Result<Rc<Plan>> {
        self.plans
            .borrow()
            .get(id)
            .cloned()
            .ok_or_else(|| Error::internal(format!("no function with id {id}")))
    }

    /// The hot path's entry for plan `id`, copied out of the flat table.
    #[inline(always)]
    pub fn fast_entry(&self, id: u32) -> Option<FastEntry> {
        // SAFETY: the table is only mutated by `add_plan`/`free_plan` on this
        // thread, never while this read is in progress (single-threaded, and
        // the entry is copied out before any foreign code runs).
        let t = unsafe { &*self.fast.get() };
        match t.get(id as usize) {
            Some(e) if e.fn_ptr != 0 => Some(*e),
            _ => None,
        }
    }

    fn set_fast(&self, id: u32, e: Option<FastEntry>) {
        // SAFETY: see `fast_entry`: no reference into the table is alive
        // across calls; this is the only writer, on the owning thread.
        let t = unsafe { &mut *self.fast.get() };
        if t.len() <= id as usize {
            t.resize(id as usize + 1, NOT_FAST);
        }
        t[id as usize] = e.unwrap_or(NOT_FAST);
    }

    pub fn add_plan(&self, plan: Plan) -> u32 {
        let plan = Rc::new(plan);
        let entry = match (&plan.fast, &plan.ret_mode) {
            (Some(m), RetMode::Scalar | RetMode::Void | RetMode::Pointer(_)) => Some(FastEntry {
                fn_ptr: plan.fn_ptr,
                float_ret: m.float_ret,
                norm: Norm::of(&plan.ret),
                lib_closed: plan.lib.as_ref().map_or(std::ptr::null(), |l| l.closed_flag()),
            }),
            _ => None,
        };
        let lib = plan.lib.clone();
        let id = self.plans.borrow_mut().insert(plan);
        self.set_fast(id, entry);
        if let Some(l) = lib {
            l.add_plan_id(id);
        }
        id
    }

    /// Frees plan `id` (its JS function was collected), or defers that while
    /// a synchronous call runs. Returns how many plans were freed.
    pub fn free_plan(&self, id: u32) -> usize {
        if self.shared.sync_depth.load(Ordering::Relaxed) > 0 {
            self.deferred_frees.borrow_mut().push(id);
            return 0;
        }
        let mut ids: Vec<u32> = self.deferred_frees.borrow_mut().drain(..).collect();
        ids.push(id);
        let mut plans = self.plans.borrow_mut();
        let mut n = 0;
        for d in ids {
            self.set_fast(d, None);
            if let Some(p) = plans.remove(d) {
                if let Some(l) = &p.lib {
                    l.remove_plan_id(d);
                }
                n += 1;
            }
        }
        n
    }

    /// Frees the plans bound to `lib`, which was just closed, and their ids,
    /// without waiting for the GC to collect their JS functions: a program
    /// that opens and closes libraries in a loop does not yield to the event
    /// loop, so FinalizationRegistry callbacks (`free_plan`) would only run
    /// after the loop, and every plan of every iteration would pile up until
    /// then. The JS layer (`DynamicLibrary.close`, lib/ffi.js) first disarms
    /// those functions' wrappers so that they never write their id again
    /// (it may be reused at once) and drops their FinalizationRegistry
    /// entries (no `free_plan` follows). Returns the ids freed.
    pub fn close_plans_of(&self, lib: &Rc<LoadedLib>) -> Vec<u32> {
        let mut ids = lib.take_plan_ids();
        let mut plans = self.plans.borrow_mut();
        ids.retain(|&id| {
            if !matches!(plans.get(id), Some(p) if p.lib.as_ref().is_some_and(|l| Rc::ptr_eq(l, lib))) {
                return false;
            }
            self.set_fast(id, None);
            // Dropping the plan only releases its reference to `lib`, which
            // the caller still holds: nothing re-enters the table meanwhile.
            plans.remove(id);
            // A free deferred during a running call must not later free the
            // plan that reuses this id.
            let mut deferred = self.deferred_frees.borrow_mut();
            if !deferred.is_empty() {
                deferred.retain(|&d| d != id);
            }
            true
        });
        ids
    }

    pub fn lib(&self, id: u32) -> Result<Rc<LoadedLib>> {
        self.libs
            .borrow()
            .get(id)
            .cloned()
            .ok_or_else(|| Error::library_closed(format!("no open library with id {id}")))
    }

    pub fn enter_sync(&self) {
        let d = &self.shared.sync_depth;
        let depth = d.load(Ordering::Relaxed);
        if depth == 0 {
            self.callbacks_in_call.set(0);
        }
        d.store(depth + 1, Ordering::Release);
    }

    pub fn leave_sync(&self) {
        let d = &self.shared.sync_depth;
        d.store(d.load(Ordering::Relaxed).saturating_sub(1), Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slab_reuses_ids() {
        let mut s = Slab::default();
        let a = s.insert("a");
        let b = s.insert("b");
        assert_eq!(s.remove(a), Some("a"));
        assert_eq!(s.get(a), None);
        let c = s.insert("c");
        assert_eq!(c, a);
        assert_eq!(s.get(b), Some(&"b"));
        assert_eq!(s.live(), 2);
    }
}
