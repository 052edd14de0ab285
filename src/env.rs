//! Per-environment state. Node runs each environment (main thread, every
//! worker) on its own thread, and passes its `napi_env` to every entry: the
//! hot call entry finds the state by comparing it with a static (the first
//! environment) or a static table (workers), with a thread-local pointer as
//! the fallback (`EnvState::for_env`) — no Node-API call to find its
//! argument block.

use std::cell::{Cell, RefCell, UnsafeCell};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use napi::sys;

use crate::callback::{CallbackCore, CallbackSig};
use crate::error::{Error, Result};
use crate::invoke::Norm;
use crate::library::LoadedLib;
use crate::memory::{Block, BlockRef, Ctrl};
use crate::plan::{Plan, RetMode, MAX_ARGS};

/// What the hot entry needs of a register-thunk plan returning a scalar,
/// copied out of a flat table (one indexed load instead of a chain of
/// pointers). Closing a library retires its plans' entries at once
/// (`close_plans_of`), so the hot path needs no "library closed" check.
/// The table is indexed by the plan id's slot index; an entry serves only
/// the id it was made for (`id`, which holds the generation too), so a stale
/// id of a freed plan misses it. `NOT_FAST` entries hold `u32::MAX`, never
/// an id (ids are below 2^30: see `PLAN_INDEX_BITS`).
#[derive(Clone, Copy)]
pub struct FastEntry {
    pub id: u32,
    pub fn_ptr: usize,
    pub float_ret: bool,
    /// SSE registers to load (`invoke::xmm_class`).
    pub xmm: u8,
    pub norm: Norm,
}

const NOT_FAST: FastEntry = FastEntry {
    id: u32::MAX,
    fn_ptr: 0,
    float_ret: false,
    xmm: 8,
    norm: Norm::Raw,
};

/// Plan ids are `generation << PLAN_INDEX_BITS | slot index`. Closing a
/// library frees its functions' plans at once (`EnvState::close_plans_of`),
/// while their JS wrappers, which write the id into the argument block
/// before every call, may live on: the slot's generation is bumped, so those
/// stale ids miss the plan that reuses the slot and their calls throw
/// ERR_REFFI_LIBRARY_CLOSED. Ids stay below 2^30, small integers in V8
/// (the wrapper writes its id as one constant Int32Array store: no cost on
/// the hot path), so up to 2^20 - 1 plans are live at once.
pub const PLAN_INDEX_BITS: u32 = 20;
const PLAN_INDEX_MASK: u32 = (1 << PLAN_INDEX_BITS) - 1;
/// Generations of a slot; a slot whose generations are used up is retired
/// (never reused: an old wrapper could still hold any of its ids). That
/// costs one slot (~40 bytes) per 1,024 plans freed by closing libraries,
/// and binding fails (ERR_REFFI_UNSUPPORTED) once about 2^30 plans have
/// been freed that way in one environment.
const PLAN_GENERATIONS: u32 = 1 << (30 - PLAN_INDEX_BITS);
/// The names of this many most recently closed functions are remembered
/// for the error their stale wrappers throw.
const CLOSED_NAMES: usize = 4096;

#[inline(always)]
fn plan_index(id: u32) -> usize {
    (id & PLAN_INDEX_MASK) as usize
}

/// The call plans, by id (see `PLAN_INDEX_BITS`).
#[derive(Default)]
pub struct PlanTable {
    /// (generation, plan) per slot.
    slots: Vec<(u32, Option<Rc<Plan>>)>,
    /// Free slot indices, reused oldest first.
    free: std::collections::VecDeque<u32>,
    live: usize,
}

impl PlanTable {
    /// Stores `p`; returns its id, or `None` when every slot is taken.
    pub fn insert(&mut self, p: Rc<Plan>) -> Option<u32> {
        let index = match self.free.pop_front() {
            Some(i) => i,
            None => {
                let i = self.slots.len() as u32;
                if i > PLAN_INDEX_MASK {
                    return None;
                }
                self.slots.push((0, None));
                i
            }
        };
        let slot = &mut self.slots[index as usize];
        slot.1 = Some(p);
        self.live += 1;
        Some(slot.0 << PLAN_INDEX_BITS | index)
    }

    pub fn get(&self, id: u32) -> Option<&Rc<Plan>> {
        match self.slots.get(plan_index(id)) {
            Some((gen, Some(p))) if *gen == id >> PLAN_INDEX_BITS => Some(p),
            _ => None,
        }
    }

    /// Removes plan `id` (nothing for a stale id). With `new_generation`,
    /// the slot's next plan gets a new id: required when JS functions may
    /// still hold this one; a plan freed because its JS function was
    /// collected leaves no holder.
    pub fn remove(&mut self, id: u32, new_generation: bool) -> Option<Rc<Plan>> {
        let index = id & PLAN_INDEX_MASK;
        let slot = self.slots.get_mut(index as usize)?;
        if slot.0 != id >> PLAN_INDEX_BITS || slot.1.is_none() {
            return None;
        }
        let p = slot.1.take();
        self.live -= 1;
        if new_generation {
            slot.0 += 1;
        }
        if slot.0 < PLAN_GENERATIONS {
            self.free.push_back(index);
        }
        p
    }

    /// Whether `id` was freed with a new generation (its library was closed).
    pub fn was_closed(&self, id: u32) -> bool {
        matches!(self.slots.get(plan_index(id)), Some((gen, _)) if *gen > id >> PLAN_INDEX_BITS)
    }

    pub fn live(&self) -> usize {
        self.live
    }
}

/// A function freed by closing its library, remembered for error messages.
struct ClosedName {
    id: u32,
    name: Box<str>,
    lib: Rc<str>,
}

/// Block layout, in 8-byte slots. JavaScript (`lib/internal/engine.js`)
/// mirrors these numbers.
pub const SLOT_ID: usize = 0;
pub const SLOT_RET: usize = 1;
pub const SLOT_ARG0: usize = 2;
pub const SLOT_SCRATCH_LO: usize = SLOT_ARG0 + MAX_ARGS;
pub const SLOT_SCRATCH_HI: usize = SLOT_SCRATCH_LO + 1;
/// The engine's control words (`memory::Ctrl`); JavaScript never writes it.
pub use crate::memory::SLOT_CTRL;
const _: () = assert!(SLOT_CTRL == SLOT_SCRATCH_HI + 1);
/// Callbacks using the block protocol (see `callback.rs`): the result slot
/// and the first argument slot; the region ends where the scratch begins.
pub const SLOT_CB_RET: usize = SLOT_CTRL + 1;
pub const SLOT_CB_ARG0: usize = SLOT_CB_RET + 1;
pub const CB_BLOCK_MAX_ARGS: usize = SCRATCH_START / 8 - SLOT_CB_ARG0;
/// Bytes from here to the end of the block hold argument strings.
pub const SCRATCH_START: usize = 512;
pub use crate::memory::BLOCK_BYTES;

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
    /// The argument block. Other threads use only its control words: the
    /// number of synchronous foreign calls the environment's thread is inside
    /// (written only by that thread, plain load/store; see
    /// `EnvState::enter_sync`) and the pending-error flag. They sit in the
    /// block because the hot entry has its address at hand.
    pub block: Block,
    /// The environment-wide thread-safe function that carries callback
    /// invocations from foreign threads; `None` once Node tears it down.
    pub tsfn: RwLock<Option<TsfnHandle>>,
    /// An error raised on a foreign thread, thrown by the next synchronous
    /// call to return on the environment's thread.
    pub pending: Mutex<Option<Error>>,
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
        self.block.ctrl(Ctrl::Pending).store(1, Ordering::Release);
    }

    pub fn take_pending(&self) -> Option<Error> {
        let flag = self.block.ctrl(Ctrl::Pending);
        if flag.load(Ordering::Acquire) == 0 {
            return None;
        }
        flag.store(0, Ordering::Release);
        self.pending.lock().ok().and_then(|mut p| p.take())
    }

    /// How many synchronous foreign calls the environment's thread is inside.
    pub fn sync_depth(&self) -> u32 {
        self.block.ctrl(Ctrl::Depth).load(Ordering::Acquire)
    }
}

pub struct EnvState {
    pub raw_env: sys::napi_env,
    /// `shared.block`, for this thread (no `Arc` to follow on the hot path).
    pub block: BlockRef,
    pub plans: RefCell<PlanTable>,
    /// The most recently closed functions, oldest first (see `CLOSED_NAMES`).
    closed_names: RefCell<std::collections::VecDeque<ClosedName>>,
    /// Plans whose JS function was collected while a synchronous call was
    /// running; freed when no call is running (see `free_plan`).
    pub deferred_frees: RefCell<Vec<u32>>,
    /// Flat table indexed by plan id; only written by `add_plan`/`free_plan`.
    fast: UnsafeCell<Vec<FastEntry>>,
    pub libs: RefCell<Slab<Rc<LoadedLib>>>,
    /// Libraries closed while a synchronous call was running, unmapped when
    /// the outermost one returns (see `unmap_when_idle`); `unmaps_pending`
    /// is the flag `leave_sync` checks.
    pending_unmaps: RefCell<Vec<Rc<LoadedLib>>>,
    unmaps_pending: Cell<bool>,
    /// Set when the outermost synchronous call has work to finish when it
    /// returns (see `leave_sync`).
    outer_work: Cell<bool>,
    pub callbacks: RefCell<Slab<Arc<CallbackCore>>>,
    /// Callback signatures (libffi cif, types, block layout) shared by every
    /// callback of the same signature, so a released callback's tombstone
    /// is small (see `callback::create`).
    pub callback_sigs: RefCell<std::collections::HashMap<String, Arc<CallbackSig>>>,
    /// Callbacks run on this thread inside the current outermost
    /// synchronous call (see `callback::CallbackCore::invoke_sync`).
    pub callbacks_in_call: Cell<u32>,
    /// Changes after every outermost synchronous call in which callbacks
    /// ran (never 0; see `callback::FnCache`).
    pub sync_epoch: Cell<u64>,
    pub fast_calls: Cell<u64>,
    pub generic_calls: Cell<u64>,
    pub errno: Cell<i32>,
    /// The JS function that completes `.async()` calls (`asyncDone` in
    /// `lib/internal/codegen.js`), referenced once per environment
    /// (`setAsyncDone`) instead of a new closure once per call.
    pub async_done: Cell<sys::napi_ref>,
    /// `errno` of this environment's thread (`__errno_location` is constant
    /// per thread; calling it on every foreign call cost ~1.5 ns).
    errno_loc: *const i32,
    pub shared: Arc<Shared>,
}

/// The first environment's state and its napi_env (see `EnvState::for_env`).
static FIRST: AtomicPtr<EnvState> = AtomicPtr::new(std::ptr::null_mut());
static FIRST_ENV: AtomicUsize = AtomicUsize::new(0);

/// Worker environments' states and their napi_envs (see `for_env`): a slot
/// is written by its environment's own thread only (`install`: state, then
/// key; `uninstall`: key, then state), so a key a thread finds equal to its
/// own env is its own. Past `ENV_SLOTS` workers alive at once, the others
/// use the thread-local.
const ENV_SLOTS: usize = 16;
static ENV_KEYS: [AtomicUsize; ENV_SLOTS] = [const { AtomicUsize::new(0) }; ENV_SLOTS];
static ENV_STATES: [AtomicPtr<EnvState>; ENV_SLOTS] = [const { AtomicPtr::new(std::ptr::null_mut()) }; ENV_SLOTS];

thread_local! {
    static CURRENT: Cell<*const EnvState> = const { Cell::new(std::ptr::null()) };
}

impl EnvState {
    pub fn new(raw_env: sys::napi_env) -> EnvState {
        let shared = Arc::new(Shared {
            alive: AtomicBool::new(true),
            block: Block::new(),
            tsfn: RwLock::new(None),
            pending: Mutex::new(None),
        });
        EnvState {
            raw_env,
            // SAFETY: the state holds `shared`, which owns the block, for as
            // long as it lives (the field below).
            block: unsafe { shared.block.view() },
            plans: RefCell::default(),
            closed_names: RefCell::default(),
            deferred_frees: RefCell::default(),
            fast: UnsafeCell::new(Vec::new()),
            libs: RefCell::default(),
            pending_unmaps: RefCell::default(),
            unmaps_pending: Cell::new(false),
            outer_work: Cell::new(false),
            callbacks: RefCell::default(),
            callback_sigs: RefCell::default(),
            callbacks_in_call: Cell::new(0),
            sync_epoch: Cell::new(0),
            fast_calls: Cell::new(0),
            generic_calls: Cell::new(0),
            errno: Cell::new(0),
            async_done: Cell::new(std::ptr::null_mut()),
            errno_loc: crate::memory::errno_location(),
            shared,
        }
    }

    /// Makes `state` this thread's environment. The box is leaked here and
    /// reclaimed by [`EnvState::uninstall`] from the environment's cleanup.
    pub fn install(state: Box<EnvState>) -> *mut EnvState {
        let raw = state.raw_env as usize;
        let p = Box::into_raw(state);
        CURRENT.with(|c| c.set(p));
        // The first environment (normally the main thread's) is also found
        // without a thread-local lookup (see `for_env`): state first, then
        // its env, the key readers compare with.
        if FIRST
            .compare_exchange(std::ptr::null_mut(), p, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            FIRST_ENV.store(raw, Ordering::Release);
        } else {
            // Workers: the first free slot of the table, the same way.
            for (key, state) in ENV_KEYS.iter().zip(&ENV_STATES) {
                if state
                    .compare_exchange(std::ptr::null_mut(), p, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
                {
                    key.store(raw, Ordering::Release);
                    break;
                }
            }
        }
        p
    }

    /// The state of environment `raw`, the env Node passed to the running
    /// native entry (so the environment of this thread): the first
    /// environment's straight from a static, a worker's from the static
    /// table (`ENV_KEYS`), and past its size through the thread-local (a
    /// `__tls_get_addr` call in a loaded library: ~3 ns of a ~25 ns call,
    /// measured).
    #[inline(always)]
    pub fn for_env(raw: sys::napi_env) -> *const EnvState {
        let raw = raw as usize;
        if raw == FIRST_ENV.load(Ordering::Acquire) {
            return FIRST.load(Ordering::Acquire);
        }
        Self::worker_state(raw)
    }

    #[inline(never)]
    fn worker_state(raw: usize) -> *const EnvState {
        for (key, state) in ENV_KEYS.iter().zip(&ENV_STATES) {
            if key.load(Ordering::Acquire) == raw {
                return state.load(Ordering::Acquire);
            }
        }
        Self::current_ptr()
    }

    /// # Safety
    /// `p` must come from [`EnvState::install`] and not be used afterwards.
    pub unsafe fn uninstall(p: *mut EnvState) {
        if FIRST.load(Ordering::Acquire) == p {
            // The key first: no reader on another thread can match it then
            // (and this environment's own thread is the one running this).
            FIRST_ENV.store(0, Ordering::Release);
            FIRST.store(std::ptr::null_mut(), Ordering::Release);
        }
        for (key, state) in ENV_KEYS.iter().zip(&ENV_STATES) {
            if state.load(Ordering::Acquire) == p {
                key.store(0, Ordering::Release);
                state.store(std::ptr::null_mut(), Ordering::Release);
            }
        }
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
        CURRENT.try_with(|c| c.get()).unwrap_or(std::ptr::null())
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
        let plans = self.plans.borrow();
        if let Some(p) = plans.get(id) {
            return Ok(p.clone());
        }
        if !plans.was_closed(id) {
            return Err(Error::internal(format!("no function with id {id}")));
        }
        let names = self.closed_names.borrow();
        Err(Error::library_closed(match names.iter().rev().find(|c| c.id == id) {
            Some(c) => format!("cannot call \"{}\": its library {} was closed", c.name, c.lib),
            None => "cannot call this function: its library was closed".to_owned(),
        }))
    }

    /// The hot path's entry for plan `id`, copied out of the flat table.
    #[inline(always)]
    pub fn fast_entry(&self, id: u32) -> Option<FastEntry> {
        // SAFETY: the table is only mutated by `add_plan`/`free_plan`/
        // `close_plans_of` on this thread, never while this read is in
        // progress (single-threaded, and the entry is copied out before any
        // foreign code runs).
        let t = unsafe { &*self.fast.get() };
        match t.get(plan_index(id)) {
            Some(e) if e.id == id => Some(*e),
            _ => None,
        }
    }

    fn set_fast(&self, id: u32, e: Option<FastEntry>) {
        let i = plan_index(id);
        // SAFETY: see `fast_entry`: no reference into the table is alive
        // across calls; this is the only writer, on the owning thread.
        let t = unsafe { &mut *self.fast.get() };
        if t.len() <= i {
            t.resize(i + 1, NOT_FAST);
        }
        t[i] = e.unwrap_or(NOT_FAST);
    }

    pub fn add_plan(&self, plan: Plan) -> Result<u32> {
        let plan = Rc::new(plan);
        let entry = match (&plan.fast, &plan.ret_mode) {
            (Some(m), RetMode::Scalar | RetMode::Void | RetMode::Pointer(_)) => Some(FastEntry {
                id: 0, // set below
                fn_ptr: plan.fn_ptr,
                float_ret: m.float_ret,
                xmm: crate::invoke::xmm_class(m.nxmm),
                norm: Norm::of(&plan.ret),
            }),
            _ => None,
        };
        let lib = plan.lib.clone();
        let id = self.plans.borrow_mut().insert(plan).ok_or_else(|| {
            Error::unsupported(&format!(
                "no function id left: {} functions are bound (or their slots were retired)",
                PLAN_INDEX_MASK + 1
            ))
        })?;
        self.set_fast(id, entry.map(|e| FastEntry { id, ..e }));
        if let Some(l) = lib {
            l.add_plan_id(id);
        }
        Ok(id)
    }

    /// Frees plan `id` (its JS function was collected), or defers that while
    /// a synchronous call runs. Returns how many plans were freed.
    pub fn free_plan(&self, id: u32) -> usize {
        if self.sync_depth() > 0 {
            self.deferred_frees.borrow_mut().push(id);
            return 0;
        }
        let mut ids: Vec<u32> = self.deferred_frees.borrow_mut().drain(..).collect();
        ids.push(id);
        let mut plans = self.plans.borrow_mut();
        let mut n = 0;
        for d in ids {
            // A stale id (its library was closed: `close_plans_of` freed the
            // plan) frees nothing.
            if let Some(p) = plans.remove(d, false) {
                self.set_fast(d, None);
                if let Some(l) = &p.lib {
                    l.remove_plan_id(d);
                }
                n += 1;
            }
        }
        n
    }

    /// Frees the plans bound to `lib`, which was just closed, without
    /// waiting for the GC to collect their JS functions: a program that opens
    /// and closes libraries in a loop does not yield to the event loop, so
    /// FinalizationRegistry callbacks (`free_plan`) would only run after the
    /// loop, and every plan of every iteration would pile up until then
    /// (issue #6). The slots get a new generation: the functions' wrappers
    /// may live on and keep writing the old ids (see `PLAN_INDEX_BITS`).
    /// Returns how many plans were freed.
    pub fn close_plans_of(&self, lib: &Rc<LoadedLib>) -> usize {
        let ids = lib.take_plan_ids();
        if ids.is_empty() {
            return 0;
        }
        let shown: Rc<str> = match self.closed_names.borrow().back() {
            // Consecutive closes of the same library share the string.
            Some(c) if *c.lib == *lib.display() => c.lib.clone(),
            _ => lib.display().into(),
        };
        let mut plans = self.plans.borrow_mut();
        let mut names = self.closed_names.borrow_mut();
        let mut n = 0;
        for id in ids {
            let Some(p) = plans.get(id) else { continue };
            if !p.lib.as_ref().is_some_and(|l| Rc::ptr_eq(l, lib)) {
                continue;
            }
            if names.len() == CLOSED_NAMES {
                names.pop_front();
            }
            names.push_back(ClosedName {
                id,
                name: p.name.as_str().into(),
                lib: shown.clone(),
            });
            self.set_fast(id, None);
            // Dropping the plan only releases its reference to `lib`, which
            // the caller still holds: nothing re-enters the table meanwhile.
            plans.remove(id, true);
            n += 1;
        }
        n
    }

    pub fn lib(&self, id: u32) -> Result<Rc<LoadedLib>> {
        self.libs
            .borrow()
            .get(id)
            .cloned()
            .ok_or_else(|| Error::library_closed(format!("no open library with id {id}")))
    }

    /// How many synchronous foreign calls this thread is inside.
    #[inline(always)]
    pub fn sync_depth(&self) -> u32 {
        self.block.ctrl(Ctrl::Depth).load(Ordering::Relaxed)
    }

    /// Whether another thread left an error for the next call to throw
    /// (see `Shared::take_pending`).
    #[inline(always)]
    pub fn has_pending(&self) -> bool {
        self.block.ctrl(Ctrl::Pending).load(Ordering::Relaxed) != 0
    }

    /// Saves `errno` as the last foreign call left it (`ffi.errno()`).
    #[inline(always)]
    pub fn capture_errno(&self) {
        // SAFETY: `errno_loc` is the errno slot of the thread that made this
        // state (`new` runs in the environment's module init or, in tests,
        // on the test's thread), and only that thread uses it: Node runs an
        // environment's entries on its own thread (`for_env`). A thread's
        // errno slot lives as long as the thread.
        self.errno.set(unsafe { self.errno_loc.read() });
    }

    /// Marks the start of a synchronous foreign call on this thread; returns
    /// the depth to hand back to [`EnvState::leave_sync`]. The hot path pays
    /// two plain accesses here: what must happen once per outermost call
    /// (a new callback epoch, unmapping closed libraries) is done by
    /// `leave_sync`, and only when `outer_work` says there is some.
    #[inline(always)]
    pub fn enter_sync(&self) -> u32 {
        let d = self.block.ctrl(Ctrl::Depth);
        let depth = d.load(Ordering::Relaxed);
        d.store(depth + 1, Ordering::Release);
        depth
    }

    /// Ends the call [`EnvState::enter_sync`] began (`depth` is what it
    /// returned: calls nest, so the depth is back to it now).
    #[inline(always)]
    pub fn leave_sync(&self, depth: u32) {
        if self.leave_sync_deferred(depth) {
            self.finish_outermost();
        }
    }

    /// [`EnvState::leave_sync`] without its cold part: returns whether the
    /// caller must run [`EnvState::finish_outermost`] (the hot entry does,
    /// outside the code that cannot panic).
    #[inline(always)]
    pub fn leave_sync_deferred(&self, depth: u32) -> bool {
        self.block.ctrl(Ctrl::Depth).store(depth, Ordering::Release);
        depth == 0 && self.outer_work.get()
    }

    /// Work left for when the outermost synchronous call returns: callbacks
    /// ran during it (their cached function handles die with it: new
    /// epoch), or libraries closed during it wait to be unmapped.
    #[cold]
    #[inline(never)]
    pub fn finish_outermost(&self) {
        if !self.outer_work.replace(false) {
            return;
        }
        if self.callbacks_in_call.get() != 0 {
            self.callbacks_in_call.set(0);
            self.sync_epoch.set(self.sync_epoch.get().wrapping_add(1).max(1));
        }
        if self.unmaps_pending.get() {
            self.unmap_pending();
        }
    }

    /// Notes that a callback runs inside the current synchronous call (see
    /// `finish_outermost`); returns how many did before it.
    pub fn note_callback_in_call(&self) -> u32 {
        let n = self.callbacks_in_call.get();
        self.callbacks_in_call.set(n.saturating_add(1));
        self.outer_work.set(true);
        n
    }

    /// Unmaps `lib` (closed: `LoadedLib::mark_closed`) once none of its code
    /// can be running. While a synchronous foreign call runs on this thread,
    /// the library's code may be on the stack: a JS callback called by one
    /// of its functions closed it, and that function continues when the
    /// callback returns. So the unmapping waits until the outermost
    /// synchronous call returns (`leave_sync`), and `LoadedLib::close_if_idle`
    /// waits for the library's async calls.
    pub fn unmap_when_idle(&self, lib: Rc<LoadedLib>) -> Result<()> {
        if self.sync_depth() > 0 {
            self.pending_unmaps.borrow_mut().push(lib);
            self.unmaps_pending.set(true);
            self.outer_work.set(true);
            return Ok(());
        }
        lib.close_if_idle()
    }

    #[cold]
    #[inline(never)]
    fn unmap_pending(&self) {
        self.unmaps_pending.set(false);
        let libs = std::mem::take(&mut *self.pending_unmaps.borrow_mut());
        for lib in libs {
            // No JS caller is left to tell: the library is closed for JS
            // already, and dlclose failing leaves it mapped, which is safe.
            let _ = lib.close_if_idle();
        }
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

    fn plan(name: &str) -> Rc<Plan> {
        let d = crate::types::TypeDesc::parse("i32").unwrap();
        Rc::new(Plan::new(name.into(), 1, d.clone(), vec![d], None, 0, None).unwrap())
    }

    #[test]
    fn plan_ids_of_closed_plans_go_stale() {
        let mut t = PlanTable::default();
        let a = t.insert(plan("a")).unwrap();
        let b = t.insert(plan("b")).unwrap();
        assert_eq!((plan_index(a), plan_index(b)), (0, 1));
        // Freed because its JS function was collected: the id is reused as is.
        assert!(t.remove(a, false).is_some());
        assert!(t.get(a).is_none());
        let c = t.insert(plan("c")).unwrap();
        assert_eq!(c, a);
        // Freed by closing its library: the slot's next id differs, and the
        // old one finds nothing (nor frees the new plan).
        assert!(t.remove(b, true).is_some());
        let d = t.insert(plan("d")).unwrap();
        assert_eq!(plan_index(d), plan_index(b));
        assert_ne!(d, b);
        assert!(t.get(b).is_none());
        assert!(t.was_closed(b) && !t.was_closed(d) && !t.was_closed(a));
        assert!(t.remove(b, false).is_none());
        assert_eq!(t.get(d).unwrap().name, "d");
        assert_eq!(t.live(), 2);
    }

    #[test]
    fn the_outermost_call_changes_the_callback_epoch_only_if_callbacks_ran() {
        let st = EnvState::new(std::ptr::null_mut());
        let e0 = st.sync_epoch.get();
        let d = st.enter_sync();
        st.leave_sync(d);
        assert_eq!(st.sync_epoch.get(), e0, "no callback: nothing to do");
        let d0 = st.enter_sync();
        let d1 = st.enter_sync();
        assert_eq!((d0, d1, st.sync_depth()), (0, 1, 2));
        assert_eq!(st.note_callback_in_call(), 0);
        assert_eq!(st.note_callback_in_call(), 1);
        st.leave_sync(d1);
        assert_eq!(st.sync_epoch.get(), e0, "a nested call returning keeps the epoch");
        assert!(st.leave_sync_deferred(d0), "the outermost call has work left");
        st.finish_outermost();
        assert_ne!(st.sync_epoch.get(), e0);
        assert_eq!((st.callbacks_in_call.get(), st.sync_depth()), (0, 0));
        st.finish_outermost(); // nothing flagged: no change
        assert_eq!(st.callbacks_in_call.get(), 0);
    }

    #[test]
    fn closing_a_library_during_a_synchronous_call_unmaps_it_when_the_call_returns() {
        let st = EnvState::new(std::ptr::null_mut());
        let lib = Rc::new(LoadedLib::open(None, 2).unwrap());
        let d0 = st.enter_sync();
        let d1 = st.enter_sync(); // a nested call (from a callback)
        lib.mark_closed();
        st.unmap_when_idle(lib.clone()).unwrap();
        assert!(lib.is_closed() && !lib.is_unmapped());
        st.leave_sync(d1);
        assert!(!lib.is_unmapped(), "the outer call is still running");
        st.leave_sync(d0);
        assert!(lib.is_unmapped());
        // Async calls in flight keep it too; the last one unmaps it.
        let lib = Rc::new(LoadedLib::open(None, 2).unwrap());
        lib.in_flight.set(1);
        lib.mark_closed();
        st.unmap_when_idle(lib.clone()).unwrap();
        assert!(!lib.is_unmapped());
        lib.in_flight.set(0);
        st.unmap_when_idle(lib.clone()).unwrap();
        assert!(lib.is_unmapped());
    }

    #[test]
    fn plan_slots_retire_when_their_generations_are_used_up() {
        let mut t = PlanTable::default();
        let mut seen = std::collections::HashSet::new();
        let mut id = t.insert(plan("p")).unwrap();
        for _ in 1..PLAN_GENERATIONS {
            assert!(seen.insert(id), "id {id:#x} given twice");
            assert!(id < 1 << 30, "ids stay small integers in V8");
            assert!(t.remove(id, true).is_some());
            id = t.insert(plan("p")).unwrap();
            assert_eq!(plan_index(id), 0);
        }
        assert!(t.remove(id, true).is_some());
        // Slot 0 is retired: the next plan takes slot 1.
        let next = t.insert(plan("p")).unwrap();
        assert_eq!(next, 1);
        assert!(t.get(id).is_none());
        assert_eq!(t.live(), 1);
        assert_ne!(NOT_FAST.id, next);
    }
}
