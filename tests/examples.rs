//! Runs programs from the repository's `examples/` folder (copies of the
//! shared seed examples). `mutable_default` and `readfile` are compared with
//! CPython's output, stored by `scripts/regen-expected` in `tests/examples/`;
//! `myapp` sleeps for about 8.2 s and must exit 0 silently. The profiler and
//! memory examples are checked by the suites of their own issues.

mod support;

use std::path::PathBuf;
use std::time::Duration;

use support::{compare, report, run_program, Expected};

fn mini() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mini"))
}

/// Runs `examples/<name>.mini` in `examples/` and compares it with its sidecars.
fn check_against_cpython(name: &str) {
    let root = support::repo_root();
    let dir = root.join("examples");
    let expected = Expected::load(&root.join("tests").join("examples"), name)
        .unwrap_or_else(|e| panic!("{e}"));
    let file = format!("{name}.mini");
    let outcome = run_program(&mini(), &dir, &file, Vec::new(), Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("examples/{file}: {e}"));
    let failures = compare(&format!("examples/{file}"), &expected, &outcome);
    assert!(failures.is_empty(), "\n{}", report(&failures));
}

#[test]
fn mutable_default() {
    check_against_cpython("mutable_default");
}

#[test]
fn readfile() {
    check_against_cpython("readfile");
}

/// The profiling target: about 8.2 s of time.sleep, no output.
#[test]
fn myapp_runs_silently() {
    let dir = support::repo_root().join("examples");
    let outcome = run_program(
        &mini(),
        &dir,
        "myapp.mini",
        Vec::new(),
        Duration::from_secs(60),
    )
    .unwrap_or_else(|e| panic!("examples/myapp.mini: {e}"));
    let expected = Expected {
        stdout: String::new(),
        stderr: String::new(),
        status: 0,
    };
    let failures = compare("examples/myapp.mini", &expected, &outcome);
    assert!(failures.is_empty(), "\n{}", report(&failures));
    assert!(
        outcome.elapsed >= Duration::from_secs(8),
        "examples/myapp.mini finished in {:?}; its sleeps add up to about 8.2 s",
        outcome.elapsed
    );
}
