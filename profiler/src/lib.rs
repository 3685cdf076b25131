//! mini's profilers and memory tools. They are built only on the
//! interpreter's public surface: the hook API (`mini_interpreter::hooks`),
//! the heap walks and collector control (`mini_interpreter::gc`), and the
//! module registry. `register` makes them importable.
//!
//! | module | role |
//! |---|---|
//! | `clock.rs` | the clocks profilers read per event (TSC-based wall clock, CPU time) |
//! | `lsprof/` | `_lsprof`, the native core of `cProfile` (`stdlib/lib/cProfile.mini`) |
//! | `lineprof/` | `_line_profiler`, the native core of `line_profiler` and `kernprof` (`stdlib/lib/line_profiler/`): per-line hits and times on the VM's line events, the `.lprof` pickle, function blocks |
//! | `memprof/` | `_memory_profiler`, the native core of `memory_profiler` and `mprof`: per-line memory on native line events, RSS and live-heap readings, samplers, the mprof SVG chart |
//! | `heapy/` | `_heapy`, the native half of guppy's heapy (`stdlib/lib/guppy/`): identity node sets, the visible-heap walk, partitions by kind, referrers, dominated sets |
//! | `tracemalloc/` | `_tracemalloc`, the native core of `tracemalloc` (`stdlib/lib/tracemalloc.mini`): the trace table fed by the heap's allocation observer, raw traces and tracebacks, filename matching |
//! | `graph/` | `_objgraph_render`, which draws `objgraph`'s reference graphs (`stdlib/lib/objgraph.mini`) as SVG or PNG: dot parser, layered layout, SVG writer, PNG rasteriser |

pub mod clock;
pub mod graph;
pub mod heapy;
pub mod lineprof;
pub mod lsprof;
pub mod memprof;
pub mod tracemalloc;

use mini_interpreter::Interpreter;

/// Registers the profiler modules with an interpreter. The language core
/// does not depend on this crate.
pub fn register(interp: &mut Interpreter) {
    interp.register_module("_lsprof", lsprof::init);
    interp.register_module("_line_profiler", lineprof::init);
    interp.register_module("_objgraph_render", graph::init);
    interp.register_module("_tracemalloc", tracemalloc::init);
    interp.register_module("_heapy", heapy::init);
    interp.register_module("_memory_profiler", memprof::init);
}
