//! mini's profilers and memory tools. They are built only on the
//! interpreter's public surface: the hook API (`mini_interpreter::hooks`),
//! the heap walks and collector control (`mini_interpreter::gc`), and the
//! module registry. `register` makes them importable.

use mini_interpreter::Interpreter;

/// Registers the profiler modules with an interpreter. The profilers
/// themselves (cProfile, line_profiler, tracemalloc, ...) land here as the
/// issues that define them are built; the language core does not depend on
/// this crate.
pub fn register(_interp: &mut Interpreter) {}
