//! reffi: a Node-API foreign-function interface over libffi.
//!
//! Safe modules: `types` (descriptors, layouts), `plan` (call plans),
//! `error`. Modules with `unsafe`, each small and commented: `invoke` (the
//! jump into C), `memory` (the argument block and raw reads), `napi_env`
//! (Node-API calls), `library` (dlopen), `callback` (closures and threads),
//! `async_call` (thread-pool calls), `trampoline` (callback entry stubs), `raw_values` (C ⇄ JS values),
//! `env` (per-environment state), `binding` (the exported entries).

pub mod async_call;
pub mod binding;
pub mod callback;
pub mod cdecl;
pub mod env;
pub mod error;
pub mod invoke;
pub mod library;
pub mod memory;
pub mod napi_env;
pub mod plan;
pub mod raw_values;
pub mod trampoline;
pub mod types;
