//! mini's runtime: everything a program needs to run. Source text becomes
//! tokens and an AST (`mini-syntax`), then code objects (`compile/`), which
//! the VM (`vm/`) runs over the object model (`object/`) with reference
//! counting and a cycle collector (`gc/`); hooks (`hooks/`) let profilers
//! observe execution; `modules/` holds the native modules.
//!
//! | path | role |
//! |---|---|
//! | `api.rs` | embedding API: `Interpreter`, running files and sources, calling functions, registering modules |
//! | `complete.rs` | REPL tab completion (rlcompleter's rules) |
//! | `error.rs` | Rust-side error type |
//! | `compile/` | symbol table, code generator, code objects, opcodes, line table, disassembler |
//! | `vm/` | the dispatch loop, frames, calls, exceptions, attributes, arithmetic, iteration, imports |
//! | `object/` | values, the counted handle and payload types |
//! | `gc/` | heap state, cycle collector, finalizers, weak references |
//! | `hooks/` | profile/trace slots and native hooks |
//! | `modules/` | builtins, sys, gc, time, math, io, ... and builtin type methods |
//!
//! Public surface for the profiler crate and embedders: `api`, `hooks`,
//! `gc` (collector control and heap walks), `object` handles, `vm::Vm`,
//! `modules::Registry`.

pub mod api;
pub mod compile;
pub mod complete;
pub mod error;
pub mod gc;
pub mod hooks;
pub mod modules;
pub mod object;
pub mod vm;

pub use api::Interpreter;
pub use error::Error;
pub use object::{ObjRef, Value};
pub use vm::{PyErr, PyResult, Vm};
