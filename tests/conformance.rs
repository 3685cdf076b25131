//! The conformance suite: runs every `tests/programs/**/<name>.mini` that has a
//! `<name>.stdout` sidecar under the mini binary and compares stdout, stderr
//! and exit status with what CPython 3.11 produced (`scripts/regen-expected`
//! writes the sidecars; see tests/programs/README.md).
//! Each program runs as `mini <name>.mini` in its own folder, with stdin from
//! `<name>.stdin` or empty, and is killed after TIMEOUT. All failures are
//! reported together at the end. `MINI_TEST_FILTER=substring` selects the
//! programs whose path (relative to tests/programs) contains the substring;
//! `MINI_TEST_THREADS=n` sets the number of parallel runs.

mod support;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

use support::{compare, report, run_program, Expected, Failure};

const TIMEOUT: Duration = Duration::from_secs(10);

/// One program to run: its folder, file stem and path shown in reports.
struct Case {
    dir: PathBuf,
    name: String,
    shown: String,
}

/// Every `.mini` under `root` with a `.stdout` sidecar, sorted by path.
fn find_cases(root: &Path) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let Some(stem) = name.strip_suffix(".mini") else {
                continue;
            };
            if !dir.join(format!("{stem}.stdout")).exists() {
                continue; // a helper module, not a test
            }
            let shown = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .into_owned();
            cases.push(Case {
                dir: dir.clone(),
                name: stem.to_string(),
                shown,
            });
        }
    }
    cases.sort_by(|a, b| a.shown.cmp(&b.shown));
    cases
}

/// Runs one case and returns what went wrong (empty when it passed).
fn check(mini: &Path, case: &Case) -> Vec<Failure> {
    let fail = |what: &str, detail: String| {
        vec![Failure {
            program: case.shown.clone(),
            what: what.to_string(),
            detail,
        }]
    };
    let expected = match Expected::load(&case.dir, &case.name) {
        Ok(expected) => expected,
        Err(e) => return fail("error", e),
    };
    let stdin = std::fs::read(case.dir.join(format!("{}.stdin", case.name))).unwrap_or_default();
    match run_program(
        mini,
        &case.dir,
        &format!("{}.mini", case.name),
        stdin,
        TIMEOUT,
    ) {
        Ok(outcome) => compare(&case.shown, &expected, &outcome),
        Err(e) if e.starts_with("timed out") => fail("timed out", e),
        Err(e) => fail("error", e),
    }
}

fn thread_count() -> usize {
    std::env::var("MINI_TEST_THREADS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| thread::available_parallelism().map_or(4, |n| n.get().clamp(2, 8)))
}

#[test]
fn conformance() {
    let mini = PathBuf::from(env!("CARGO_BIN_EXE_mini"));
    let root = support::repo_root().join("tests").join("programs");
    let filter = std::env::var("MINI_TEST_FILTER").unwrap_or_default();
    let cases: Vec<Case> = find_cases(&root)
        .into_iter()
        .filter(|c| c.shown.contains(filter.as_str()))
        .collect();
    if cases.is_empty() {
        assert!(
            !filter.is_empty(),
            "no conformance programs found under {}",
            root.display()
        );
        eprintln!("conformance: no program matches MINI_TEST_FILTER={filter:?}");
        return;
    }

    let next = Mutex::new(0usize);
    let failures = Mutex::new(Vec::new());
    thread::scope(|scope| {
        for _ in 0..thread_count() {
            scope.spawn(|| loop {
                let index = {
                    let mut next = next.lock().unwrap();
                    *next += 1;
                    *next - 1
                };
                let Some(case) = cases.get(index) else { break };
                let found = check(&mini, case);
                failures.lock().unwrap().extend(found);
            });
        }
    });

    let mut failures = failures.into_inner().unwrap();
    failures.sort_by(|a, b| a.program.cmp(&b.program));
    let mut failed: Vec<&str> = failures.iter().map(|f| f.program.as_str()).collect();
    failed.dedup();
    if failures.is_empty() {
        eprintln!("conformance: all {} programs passed", cases.len());
        return;
    }
    eprintln!("{}", report(&failures));
    eprintln!("failed programs:");
    for program in &failed {
        eprintln!("    {program}");
    }
    panic!(
        "conformance: {} of {} programs failed (MINI_TEST_FILTER=path-substring reruns a subset)",
        failed.len(),
        cases.len()
    );
}
