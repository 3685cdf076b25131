//! Shared by the integration tests that run mini programs and compare their
//! output with CPython's (the sidecar files written by `scripts/regen-expected`).
//! `run_program` runs one program with a timeout, `Expected::load` reads its
//! sidecars, `compare` lists what differs and `diff` renders a short
//! unified-style diff for the failure report.
#![allow(dead_code)]

pub mod normalize;

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// What a run of the mini binary produced, already normalised.
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    /// The exit status, or a description such as "killed by signal 11".
    pub status: Result<i32, String>,
    pub elapsed: Duration,
}

/// The sidecar files of one program: `.stdout` (required), `.stderr` and
/// `.status` (absent means empty and 0).
pub struct Expected {
    pub stdout: String,
    pub stderr: String,
    pub status: i32,
}

impl Expected {
    /// Reads the sidecars `<dir>/<name>.stdout`, `.stderr`, `.status`.
    pub fn load(dir: &Path, name: &str) -> Result<Expected, String> {
        let read = |ext: &str| -> Result<Option<String>, String> {
            let path = dir.join(format!("{name}.{ext}"));
            match std::fs::read(&path) {
                Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(format!("cannot read {}: {e}", path.display())),
            }
        };
        let stdout = read("stdout")?.ok_or_else(|| format!("{name}.stdout is missing"))?;
        let stderr = read("stderr")?.unwrap_or_default();
        let status = match read("status")? {
            None => 0,
            Some(text) => text
                .trim()
                .parse()
                .map_err(|_| format!("{name}.status does not hold a number: {text:?}"))?,
        };
        Ok(Expected {
            stdout,
            stderr,
            status,
        })
    }
}

/// Runs `mini <file_name>` in `dir`, feeding `stdin`; kills it after `timeout`.
/// Returns Err("timed out ...") or Err(spawn error) when there is no outcome.
pub fn run_program(
    mini: &Path,
    dir: &Path,
    file_name: &str,
    stdin: Vec<u8>,
    timeout: Duration,
) -> Result<Outcome, String> {
    let start = Instant::now();
    let mut child = Command::new(mini)
        .arg(file_name)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", mini.display()))?;
    let mut input = child.stdin.take().expect("stdin is piped");
    let feeder = thread::spawn(move || {
        // The program may exit without reading its input: ignore EPIPE.
        let _ = input.write_all(&stdin);
    });
    let mut out_pipe = child.stdout.take().expect("stdout is piped");
    let mut err_pipe = child.stderr.take().expect("stderr is piped");
    let out_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out_pipe.read_to_end(&mut buf);
        buf
    });
    let err_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err_pipe.read_to_end(&mut buf);
        buf
    });
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                // The reader threads are left detached: a grandchild that
                // inherited the pipes could keep them open indefinitely.
                return Err(format!("timed out after {} s", timeout.as_secs()));
            }
            Ok(None) => thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("waiting for mini failed: {e}")),
        }
    };
    let elapsed = start.elapsed();
    let _ = feeder.join();
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    let text = |bytes: Vec<u8>| normalize::normalize(&String::from_utf8_lossy(&bytes), dir);
    Ok(Outcome {
        stdout: text(stdout),
        stderr: text(stderr),
        status: exit_code(status),
        elapsed,
    })
}

#[cfg(unix)]
fn exit_code(status: std::process::ExitStatus) -> Result<i32, String> {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => Ok(code),
        (None, Some(sig)) => Err(format!("killed by signal {sig}")),
        (None, None) => Err("no exit status".to_string()),
    }
}

#[cfg(not(unix))]
fn exit_code(status: std::process::ExitStatus) -> Result<i32, String> {
    status.code().ok_or_else(|| "no exit status".to_string())
}

/// One difference between the expected and the actual run of a program.
pub struct Failure {
    /// The program, relative to the folder the test walks.
    pub program: String,
    /// "stdout", "stderr", "status", "timed out", "error".
    pub what: String,
    pub detail: String,
}

/// Everything that differs between `expected` and `actual` for `program`.
pub fn compare(program: &str, expected: &Expected, actual: &Outcome) -> Vec<Failure> {
    let mut failures = Vec::new();
    let mut fail = |what: &str, detail: String| {
        failures.push(Failure {
            program: program.to_string(),
            what: what.to_string(),
            detail,
        })
    };
    if expected.stdout != actual.stdout {
        fail("stdout", diff(&expected.stdout, &actual.stdout));
    }
    if expected.stderr != actual.stderr {
        fail("stderr", diff(&expected.stderr, &actual.stderr));
    }
    match &actual.status {
        Ok(code) if *code == expected.status => {}
        Ok(code) => fail(
            "status",
            format!("expected {}, got {code}", expected.status),
        ),
        Err(why) => fail("status", format!("expected {}, {why}", expected.status)),
    }
    failures
}

/// Formats the failures as the report printed at the end of a test.
pub fn report(failures: &[Failure]) -> String {
    let mut out = String::new();
    for f in failures {
        let _ = writeln!(out, "FAIL {} ({})", f.program, f.what);
        for line in f.detail.lines() {
            let _ = writeln!(out, "    {line}");
        }
        out.push('\n');
    }
    out
}

const MAX_DIFF_LINES: usize = 40;
const CONTEXT: usize = 2;

/// A short unified-style diff of two texts (`-` expected, `+` actual).
pub fn diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.split_inclusive('\n').collect();
    let b: Vec<&str> = actual.split_inclusive('\n').collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (mid_a, mid_b) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let mut lines: Vec<(char, &str)> = Vec::new();
    for line in &a[prefix.saturating_sub(CONTEXT)..prefix] {
        lines.push((' ', line));
    }
    lines.extend(diff_middle(mid_a, mid_b));
    let tail_end = (a.len() - suffix + CONTEXT).min(a.len());
    for line in &a[a.len() - suffix..tail_end] {
        lines.push((' ', line));
    }
    let mut out = format!(
        "--- expected\n+++ actual\n@@ -{},{} +{},{} @@\n",
        prefix + 1,
        mid_a.len(),
        prefix + 1,
        mid_b.len()
    );
    for (tag, line) in lines.iter().take(MAX_DIFF_LINES) {
        let shown = line.strip_suffix('\n').map_or_else(
            || format!("{line}\\ (no newline at end)"),
            |l| l.to_string(),
        );
        let _ = writeln!(out, "{tag}{shown}");
    }
    if lines.len() > MAX_DIFF_LINES {
        let _ = writeln!(out, "... {} more diff lines", lines.len() - MAX_DIFF_LINES);
    }
    out
}

/// Line diff of the differing middle parts: LCS when small, else all - then all +.
fn diff_middle<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<(char, &'a str)> {
    let mut out = Vec::new();
    if a.len() * b.len() > 1_000_000 {
        out.extend(a.iter().map(|l| ('-', *l)));
        out.extend(b.iter().map(|l| ('+', *l)));
        return out;
    }
    // lcs[i][j] = length of the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push((' ', a[i]));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push(('-', a[i]));
            i += 1;
        } else {
            out.push(('+', b[j]));
            j += 1;
        }
    }
    out
}

/// Repository root (the root package's manifest folder).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
