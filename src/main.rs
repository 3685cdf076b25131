//! The `mini` command: parses the command line (`cli.rs`), builds an
//! interpreter with the embedded standard library and the profiler modules,
//! and runs a script, `-c` command, `-m` module, standard input or the REPL
//! (`repl.rs`). The interpreter runs on a thread with a large stack so deep
//! (but legal) recursion through native code raises RecursionError instead
//! of overflowing; the exit status follows CPython's rules.

#[cfg(feature = "mimalloc")]
mod alloc;
mod cli;
mod repl;

use std::io::{IsTerminal, Read};

use cli::{Options, Parsed, Target};
use mini_interpreter::Interpreter;

/// mimalloc keeps objects of one size class together in pages, which makes
/// allocation and freeing cheaper than glibc's malloc and the collector's
/// walks over the heap far more cache friendly. Build with
/// `--no-default-features` to use the system allocator (valgrind's leak
/// checks only see system-allocator blocks; see scripts/valgrind).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: alloc::Mimalloc = alloc::Mimalloc;

/// Stack of the interpreter thread, and how much of it the VM may use
/// before raising RecursionError (the rest is headroom for the unwinding
/// and error-reporting code).
const THREAD_STACK: usize = 512 << 20;
const STACK_BUDGET: usize = 480 << 20;

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let opts = match cli::parse(&argv) {
        Parsed::Run(o) => o,
        Parsed::Print(text) => {
            print!("{text}");
            return;
        }
        Parsed::Usage(text) => {
            eprint!("{text}");
            std::process::exit(2);
        }
    };
    let worker = std::thread::Builder::new()
        .name("mini".into())
        .stack_size(THREAD_STACK)
        .spawn(move || run(opts))
        .expect("cannot start the interpreter thread");
    mini_interpreter::modules::signal::leave_signals_to_other_threads();
    let status = worker.join().unwrap_or(70);
    // Output is flushed by Interpreter::shutdown; exit without unwinding.
    std::process::exit(status);
}

fn new_interpreter() -> Interpreter {
    let mut interp = Interpreter::with_stack_budget(STACK_BUDGET);
    for m in mini_stdlib::MODULES {
        if m.is_package {
            interp.register_source(&format!("{}.__init__", m.name), m.source);
        } else {
            interp.register_source(m.name, m.source);
        }
    }
    mini_profiler::register(&mut interp);
    mini_interpreter::modules::signal::install_sigint(interp.vm());
    interp
}

fn run(opts: Options) -> i32 {
    let mut interp = new_interpreter();
    let status = run_with(&mut interp, opts);
    if std::env::var_os("MINI_FREE_AT_EXIT").is_some() {
        // For leak checkers (scripts/valgrind): tear the heap down, so that
        // whatever stays allocated afterwards is a leak.
        drop(interp);
    } else {
        // The process is about to exit: skip freeing the heap object by object.
        std::mem::forget(interp);
    }
    status
}

fn run_with(interp: &mut Interpreter, opts: Options) -> i32 {
    if opts.dis {
        return disassemble(interp, &opts);
    }
    let path0 = match &opts.target {
        Target::File(f) => {
            let abs = std::path::absolute(f).unwrap_or_else(|_| f.into());
            Some(
                abs.parent()
                    .map(|p| p.to_string_lossy().to_string())
                    .unwrap_or_default(),
            )
        }
        _ => Some(String::new()),
    };
    interp.set_argv(&opts.args, path0.as_deref());
    interp.set_xoptions(&opts.xoptions);
    if mini_interpreter::modules::faulthandler::requested(&opts.xoptions) {
        if let Err(e) = interp.enable_faulthandler() {
            return interp.report_exit(e);
        }
    }
    if let Err(msg) = start_tracemalloc(interp, &opts.xoptions) {
        eprintln!("mini: {msg}");
        return 1;
    }
    let interactive_stdin = opts.target == Target::Stdin && std::io::stdin().is_terminal();
    let result = match &opts.target {
        Target::File(f) => {
            if std::fs::metadata(f).is_err() {
                let abs = std::path::absolute(f)
                    .map(|p| p.to_string_lossy().to_string())
                    .unwrap_or_else(|_| f.clone());
                let err = std::fs::File::open(f)
                    .err()
                    .map(|e| describe_io(&e))
                    .unwrap_or_default();
                eprintln!("mini: can't open file '{abs}': {err}");
                return 2;
            }
            Some(interp.run_file(f))
        }
        Target::Command(c) => Some(interp.run_source(c, "<string>")),
        Target::Module(m) => Some(interp.run_module(m)),
        Target::Stdin if interactive_stdin => None,
        Target::Stdin => {
            let mut src = String::new();
            if let Err(e) = std::io::stdin().read_to_string(&mut src) {
                eprintln!("mini: can't read standard input: {e}");
                return 2;
            }
            Some(interp.run_source(&src, "<stdin>"))
        }
    };
    let mut status = match result {
        None => 0,
        Some(Ok(_)) => 0,
        Some(Err(e)) => {
            let is_exit = interp.is_system_exit(&e);
            let st = interp.report_exit(e);
            if is_exit || !opts.inspect {
                interp.shutdown();
                return st;
            }
            st
        }
    };
    if interactive_stdin || opts.inspect {
        if let Some(st) = repl::run(interp, interactive_stdin) {
            status = st;
        }
    }
    interp.shutdown();
    status
}

/// `[Errno 2] No such file or directory`, as CPython words OS errors.
fn describe_io(e: &std::io::Error) -> String {
    let text = e.to_string();
    let text = text.split(" (os error").next().unwrap_or(&text).to_string();
    match e.raw_os_error() {
        Some(n) => format!("[Errno {n}] {text}"),
        None => text,
    }
}

fn disassemble(interp: &mut Interpreter, opts: &Options) -> i32 {
    let Target::File(f) = &opts.target else {
        eprintln!("mini: --dis needs a file");
        return 2;
    };
    let src = match std::fs::read_to_string(f) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("mini: can't open file '{f}': {}", describe_io(&e));
            return 2;
        }
    };
    match interp
        .vm()
        .compile_source(&src, f, mini_interpreter::compile::Mode::Exec)
    {
        Ok(code) => {
            print!("{}", mini_interpreter::compile::disasm::disassemble(&code));
            0
        }
        Err(e) => interp.report_exit(e),
    }
}

/// `-X tracemalloc[=N]` and `MINITRACEMALLOC=N` (CPython's
/// `PYTHONTRACEMALLOC`): start tracing with N frames (bare `-X tracemalloc`
/// is 1, N = 0 does not trace) before the program runs; the option wins
/// over the variable. Bad values are reported as CPython reports them.
fn start_tracemalloc(interp: &mut Interpreter, xoptions: &[String]) -> Result<(), String> {
    use mini_profiler::tracemalloc::{parse_count, start_tracing, MAX_NFRAME};
    let mut nframe = None;
    if let Ok(v) = std::env::var("MINITRACEMALLOC") {
        if !v.is_empty() {
            nframe = Some(
                parse_count(&v).ok_or("MINITRACEMALLOC: invalid number of frames".to_string())?,
            );
        }
    }
    for opt in xoptions {
        if opt == "tracemalloc" {
            nframe = Some(1);
        } else if let Some(v) = opt.strip_prefix("tracemalloc=") {
            nframe = Some(
                parse_count(v)
                    .ok_or("-X tracemalloc=NFRAME: invalid number of frames".to_string())?,
            );
        }
    }
    match nframe {
        Some(0) | None => Ok(()),
        Some(n) if n > MAX_NFRAME as u64 => Err(format!(
            "can't initialize tracemalloc: the number of frames must be in range [1; {MAX_NFRAME}]"
        )),
        Some(n) => {
            start_tracing(interp.vm(), n as usize);
            Ok(())
        }
    }
}
