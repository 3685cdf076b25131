//! line_profiler and kernprof end to end: the seeds' programs
//! (`line_profile.mini`, `kernprof_target.mini` under `mini -m kernprof -l
//! -v`) with times normalised away, the `.lprof` file read back by
//! `mini -m line_profiler` and by CPython's line_profiler 5.1 (from
//! `.regen-venv`, when it is installed), kernprof's output against the real
//! kernprof's, and the `instructions` clock giving identical tables on
//! every run. Programs run in scratch copies of `examples/`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn mini() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mini"))
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// CPython with line_profiler 5.1 installed (scripts/regen-expected's venv).
fn venv_python(test: &str) -> Option<PathBuf> {
    let p = repo().join(".regen-venv/bin/python");
    let ok = Command::new(&p)
        .args(["-c", "import line_profiler, kernprof"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        eprintln!("{test}: CPython part skipped, .regen-venv has no line_profiler");
        return None;
    }
    Some(p)
}

fn scratch(test: &str, examples: &[&str]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mini-lineprof-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    for f in examples {
        std::fs::copy(repo().join("examples").join(f), dir.join(f)).expect("copy example");
    }
    dir
}

struct Run {
    status: i32,
    out: String,
    err: String,
}

fn run(program: &Path, args: &[&str], dir: &Path) -> Run {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env_remove("MINIPATH")
        .env_remove("PYTHONPATH")
        .env_remove("LINE_PROFILE")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    Run {
        status: out.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Where "Line Contents" starts with line_profiler's default widths.
const CONTENTS: usize = 49;

fn number(s: &str) -> f64 {
    s.parse::<f64>()
        .unwrap_or_else(|_| panic!("not a number: {s:?}"))
}

/// Replaces the times of a report by T (checking they are numbers and
/// that each table's % Time adds up to 100), keeping the layout, hits,
/// line numbers and source text.
fn normalise(text: &str, dir: &Path) -> String {
    let text = text.replace(&dir.to_string_lossy().to_string(), "$DIR");
    let mut out = Vec::new();
    let mut in_table = false;
    let mut percent = 0.0;
    let mut rows_with_numbers = 0;
    for line in text.lines() {
        if let Some(v) = line
            .strip_prefix("Total time: ")
            .and_then(|r| r.strip_suffix(" s"))
        {
            number(v);
            out.push("Total time: T s".to_string());
            continue;
        }
        if line.starts_with("Line #") {
            in_table = true;
            percent = 0.0;
            rows_with_numbers = 0;
        } else if line.is_empty() && in_table {
            in_table = false;
            if rows_with_numbers > 0 {
                assert!(
                    (percent - 100.0f64).abs() < 0.6,
                    "% Time adds up to {percent}"
                );
            }
        } else if in_table && !line.starts_with('=') && line.len() >= CONTENTS {
            let cells: Vec<&str> = line[..CONTENTS].split_whitespace().collect();
            let contents = &line[CONTENTS..];
            if cells.len() == 5 {
                let (time, per_hit, pct) = (number(cells[2]), number(cells[3]), number(cells[4]));
                let hits = number(cells[1]);
                assert!(time >= 0.0 && per_hit >= 0.0, "{line}");
                assert!(
                    (per_hit * hits - time).abs() <= 0.051 * hits + 0.01 * time,
                    "per hit x hits != time: {line}"
                );
                percent += pct;
                rows_with_numbers += 1;
                out.push(format!(
                    "{:>6} {:>9} {:>12} {:>8} {:>8}  {}",
                    cells[0], cells[1], "T", "T", "T", contents
                ));
            } else {
                assert_eq!(cells.len(), 1, "{line}");
                out.push(line.to_string());
            }
            continue;
        }
        out.push(line.to_string());
    }
    out.join("\n") + "\n"
}

const LINE_PROFILE: &str = "Timer unit: 1e-09 s

Total time: T s
File: $DIR/line_profile.mini
Function: expensive_function at line 29

Line #      Hits         Time  Per Hit   % Time  Line Contents
==============================================================
    29                                           @do_profile(follow=[get_number])
    30                                           def expensive_function():
    31   1000001            T        T        T      for n in get_number():
    32   1000000            T        T        T          r = n ^ n ^ n
    33         1            T        T        T      return f\"some result! {r}\"

Total time: T s
File: $DIR/line_profile.mini
Function: get_number at line 24

Line #      Hits         Time  Per Hit   % Time  Line Contents
==============================================================
    24                                           def get_number():
    25   1000001            T        T        T      for i in range(1000000):
    26   1000000            T        T        T          yield i

some result! 999999
";

/// The seed `line_profile.mini`: REFERENCE.md's tables, hits exact.
#[test]
fn line_profile_example() {
    let dir = scratch("line_profile", &["line_profile.mini"]);
    let r = run(&mini(), &["line_profile.mini"], &dir);
    assert_eq!(r.status, 0, "stderr:\n{}", r.err);
    assert_eq!(normalise(&r.out, &dir), LINE_PROFILE, "report:\n{}", r.out);
    let _ = std::fs::remove_dir_all(&dir);
}

const KERNPROF: &str = "2666646666700000
Wrote profile results to 'kernprof_target.mini.lprof'
Timer unit: 1e-06 s

Total time: T s
File: kernprof_target.mini
Function: generate at line 3

Line #      Hits         Time  Per Hit   % Time  Line Contents
==============================================================
     3                                           @profile
     4                                           def generate(n):
     5         1            T        T        T      out = []
     6    200001            T        T        T      for i in range(n):
     7    200000            T        T        T          out.append(i * i)
     8         1            T        T        T      total = sum(out)
     9         1            T        T        T      return total

";

/// The seed `kernprof_target.mini` under `mini -m kernprof -l -v`; the
/// .lprof it writes printed by `mini -m line_profiler` (the same table)
/// and by CPython's line_profiler (the same text, byte for byte); the real
/// kernprof on the same script prints the same (times away).
#[test]
fn kernprof_target_example() {
    let dir = scratch("kernprof", &["kernprof_target.mini"]);
    let r = run(
        &mini(),
        &["-m", "kernprof", "-l", "-v", "kernprof_target.mini"],
        &dir,
    );
    assert_eq!(r.status, 0, "stderr:\n{}", r.err);
    assert_eq!(normalise(&r.out, &dir), KERNPROF, "report:\n{}", r.out);
    let table = r.out.split_once(".lprof'\n").unwrap().1;
    let shown = run(
        &mini(),
        &["-m", "line_profiler", "kernprof_target.mini.lprof"],
        &dir,
    );
    assert_eq!(shown.status, 0, "{}", shown.err);
    assert_eq!(shown.out, table);
    if let Some(py) = venv_python("kernprof_target_example") {
        let cp = run(
            &py,
            &["-m", "line_profiler", "kernprof_target.mini.lprof"],
            &dir,
        );
        assert_eq!(cp.status, 0, "{}", cp.err);
        assert_eq!(cp.out, table, "CPython's line_profiler reads mini's .lprof");
        // CPython's kernprof on the same script, and mini reading its file.
        std::fs::copy(dir.join("kernprof_target.mini"), dir.join("kt.py")).unwrap();
        let kp = run(&py, &["-m", "kernprof", "-l", "-v", "kt.py"], &dir);
        assert_eq!(kp.status, 0, "{}", kp.err);
        let m = run(&mini(), &["-m", "kernprof", "-l", "-v", "kt.py"], &dir);
        assert_eq!(normalise(&m.out, &dir), normalise(&kp.out, &dir));
        let back = run(
            &mini(),
            &["-m", "line_profiler", "-rmt", "kt.py.lprof"],
            &dir,
        );
        let fwd = run(&py, &["-m", "line_profiler", "-rmt", "kt.py.lprof"], &dir);
        assert_eq!(back.status, 0, "{}", back.err);
        assert_eq!(back.out, fwd.out, "mini reads CPython's .lprof");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Without -v, kernprof says where the results are and how to see them;
/// -o names the file, -q silences the messages, -u and -z shape the table.
#[test]
fn kernprof_options() {
    let dir = scratch("kernprof_opts", &["kernprof_target.mini"]);
    let r = run(
        &mini(),
        &["-m", "kernprof", "-l", "kernprof_target.mini"],
        &dir,
    );
    assert_eq!(r.status, 0, "{}", r.err);
    let lines: Vec<&str> = r.out.lines().collect();
    assert_eq!(
        lines[1],
        "Wrote profile results to 'kernprof_target.mini.lprof'"
    );
    assert_eq!(lines[2], "Inspect results with:");
    assert!(
        lines[3].ends_with(" -m line_profiler -rmt kernprof_target.mini.lprof"),
        "{}",
        r.out
    );
    let r = run(
        &mini(),
        &[
            "-m",
            "kernprof",
            "-lv",
            "-o",
            "x.lprof",
            "-u",
            "1",
            "kernprof_target.mini",
        ],
        &dir,
    );
    assert_eq!(r.status, 0, "{}", r.err);
    assert!(
        r.out
            .contains("Wrote profile results to 'x.lprof'\nTimer unit: 1 s\n"),
        "{}",
        r.out
    );
    assert!(dir.join("x.lprof").exists());
    // -v and -q cancel out; -q alone silences the messages.
    let r = run(
        &mini(),
        &["-m", "kernprof", "-lvq", "kernprof_target.mini"],
        &dir,
    );
    assert!(r.out.contains("Inspect results with:"), "{}", r.out);
    let r = run(
        &mini(),
        &["-m", "kernprof", "-l", "-q", "kernprof_target.mini"],
        &dir,
    );
    assert_eq!(r.out, "2666646666700000\n");
    let r = run(&mini(), &["-m", "kernprof", "-l", "-p", "x", "y.py"], &dir);
    assert_eq!(r.status, 2);
    assert!(r.err.contains("kernprof: error:"), "{}", r.err);
    let _ = std::fs::remove_dir_all(&dir);
}

const DETERMINISTIC: &str = "from line_profiler import LineProfiler

def work(n):
    total = 0
    for i in range(n):
        if i % 3:
            total += i
    return total

lp = LineProfiler(work, clock='instructions')
lp.runcall(work, 100)
lp.print_stats()
";

/// The instructions clock: the same table, times included, on every run.
#[test]
fn instructions_clock_is_deterministic() {
    let dir = scratch("instructions", &[]);
    std::fs::write(dir.join("det.mini"), DETERMINISTIC).unwrap();
    let a = run(&mini(), &["det.mini"], &dir);
    let b = run(&mini(), &["det.mini"], &dir);
    assert_eq!(a.status, 0, "{}", a.err);
    assert_eq!(a.out, b.out);
    assert!(a.out.contains("   101 "), "{}", a.out);
    normalise(&a.out, &dir);
    let _ = std::fs::remove_dir_all(&dir);
}
