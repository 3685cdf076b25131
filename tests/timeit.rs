//! timeit and pystone end to end: the seeds' programs (`timeit_cli.sh` run
//! by `sh` with `mini` on the PATH, `expensive_function.mini`,
//! `pystone_kstones.mini`) with times normalised away, the `-m timeit` and
//! `-m pystone` command lines, and pystone computing the same final state
//! under mini as under CPython (pystone.mini is valid Python). The exact
//! output of the timeit API, on clocks the timed code moves, is checked by
//! the conformance programs in `tests/programs/modules/timeit/`. Programs
//! run in scratch copies of `examples/`; tests that need `python3` are
//! skipped without it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn mini() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mini"))
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh scratch folder holding copies of the named example files.
fn scratch(test: &str, examples: &[&str]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mini-timeit-{test}-{}", std::process::id()));
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

fn run_with(program: &Path, args: &[&str], dir: &Path, path_var: Option<&str>) -> Run {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(dir)
        .env_remove("MINIPATH")
        .env_remove("PYTHONPATH")
        .stdin(Stdio::null());
    if let Some(p) = path_var {
        cmd.env("PATH", p);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    Run {
        status: out.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn run(program: &Path, args: &[&str], dir: &Path) -> Run {
    run_with(program, args, dir, None)
}

fn have_python(test: &str) -> bool {
    let ok = Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        eprintln!("{test}: skipped, python3 is not installed");
    }
    ok
}

/// A number as `%g` prints it: digits, an optional fraction, an optional
/// exponent with its sign and two or more digits.
fn is_g_number(s: &str) -> bool {
    let (mantissa, exponent) = match s.split_once('e') {
        Some((m, e)) => (m, Some(e)),
        None => (s, None),
    };
    let mut parts = mantissa.splitn(2, '.');
    let int_ok = parts
        .next()
        .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let frac_ok = parts
        .next()
        .is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let exp_ok = exponent.is_none_or(|e| {
        (e.starts_with('+') || e.starts_with('-'))
            && e.len() >= 3
            && e[1..].bytes().all(|b| b.is_ascii_digit())
    });
    int_ok && frac_ok && exp_ok
}

/// Splits "N loop(s), best of R: X unit per loop" into (N, loop word, R, X, unit).
fn split_result(line: &str) -> Option<(u64, &str, u64, &str, &str)> {
    let (loops, rest) = line.split_once(", best of ")?;
    let (n, word) = loops.split_once(' ')?;
    let (r, rest) = rest.split_once(": ")?;
    let rest = rest.strip_suffix(" per loop")?;
    let (x, unit) = rest.split_once(' ')?;
    Some((n.parse().ok()?, word, r.parse().ok()?, x, unit))
}

/// Checks "N loop(s), best of R: X unit per loop"; returns (N, R).
fn result_line(line: &str) -> (u64, u64) {
    let (n, word, r, x, unit) =
        split_result(line).unwrap_or_else(|| panic!("not a timeit result line: {line:?}"));
    assert_eq!(word, if n == 1 { "loop" } else { "loops" }, "{line}");
    assert!(is_g_number(x), "bad number in {line:?}");
    assert!(
        ["sec", "msec", "usec", "nsec"].contains(&unit),
        "bad unit in {line:?}"
    );
    // Without -u the number is at least 1 in its unit, unless it is nsec.
    if unit != "nsec" {
        assert!(x.parse::<f64>().unwrap() >= 1.0, "{line:?}");
    }
    (n, r)
}

/// stderr may only hold timeit's warning about unreliable results (the
/// machine is shared: a run may be disturbed).
fn only_unreliable_warnings(err: &str) {
    for line in err.lines() {
        assert!(
            line.starts_with(
                ":0: UserWarning: The test results are likely unreliable. The worst time ("
            ) && line.contains(") was more than four times slower than the best time (")
                && line.ends_with(")."),
            "unexpected stderr line: {line:?}"
        );
    }
}

/// The seeds' `timeit_cli.sh`, run by sh with `mini` on the PATH: each of
/// its four commands prints one result line; the last one times
/// `myapp.light` (imported from the current folder) with -n 1000 -r 5.
#[test]
fn timeit_cli_seed() {
    let dir = scratch("cli", &["timeit_cli.sh", "myapp.mini"]);
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(mini(), bin.join("mini")).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let r = run_with(Path::new("sh"), &["timeit_cli.sh"], &dir, Some(&path));
    assert_eq!(r.status, 0, "stderr:\n{}", r.err);
    only_unreliable_warnings(&r.err);
    let lines: Vec<&str> = r.out.lines().collect();
    assert_eq!(lines.len(), 4, "stdout:\n{}", r.out);
    for line in &lines {
        let (_, repeat) = result_line(line);
        assert_eq!(repeat, 5, "{line}");
    }
    assert!(
        lines[3].starts_with("1000 loops, best of 5: "),
        "{}",
        lines[3]
    );
}

/// `mini -m timeit` options, help, errors and the -v layout.
#[test]
fn timeit_command_line() {
    let dir = scratch("options", &["myapp.mini"]);
    let r = run(
        &mini(),
        &["-m", "timeit", "-n", "3", "-r", "2", "x = 1"],
        &dir,
    );
    assert_eq!(r.status, 0, "{}", r.err);
    only_unreliable_warnings(&r.err);
    assert_eq!(result_line(r.out.trim_end()), (3, 2));

    let r = run(
        &mini(),
        &["-m", "timeit", "-v", "-v", "-r", "3", "-u", "usec", "pass"],
        &dir,
    );
    assert_eq!(r.status, 0, "{}", r.err);
    only_unreliable_warnings(&r.err);
    let lines: Vec<&str> = r.out.lines().collect();
    let blank = lines.iter().position(|l| l.is_empty()).expect("blank line");
    // autorange's tries: 1, 2, 5, 10, ... each with 4 significant digits.
    let mut expect = [1u64, 2, 5].iter().cycle().scan(1u64, |scale, &step| {
        let n = *scale * step;
        if step == 5 {
            *scale *= 10;
        }
        Some(n)
    });
    for line in &lines[..blank] {
        let (n, rest) = line.split_once(' ').unwrap();
        assert_eq!(n.parse::<u64>().unwrap(), expect.next().unwrap(), "{line}");
        let rest = rest
            .strip_prefix(if n == "1" { "loop -> " } else { "loops -> " })
            .unwrap_or_else(|| panic!("{line:?}"));
        let secs = rest.strip_suffix(" secs").unwrap();
        assert!(is_g_number(secs), "{line:?}");
    }
    let raw = lines[blank + 1]
        .strip_prefix("raw times: ")
        .expect("raw times");
    let raw: Vec<&str> = raw.split(", ").collect();
    assert_eq!(raw.len(), 3, "{}", lines[blank + 1]);
    for t in raw {
        assert!(
            t.ends_with(" usec") && is_g_number(&t[..t.len() - 5]),
            "{t}"
        );
    }
    assert_eq!(lines[blank + 2], "");
    assert!(lines[blank + 3].ends_with(" usec per loop"));
    assert_eq!(lines.len(), blank + 4);

    let r = run(&mini(), &["-m", "timeit", "-h"], &dir);
    assert_eq!(r.status, 0);
    assert!(r
        .out
        .contains("mini -m timeit [-n N] [-r N] [-s S] [-p] [-u U] [-v] [-h]"));

    let r = run(&mini(), &["-m", "timeit", "-u", "min", "pass"], &dir);
    assert_eq!(r.status, 2);
    assert_eq!(
        r.err,
        "Unrecognized unit. Please select nsec, usec, msec, or sec.\n"
    );

    let r = run(&mini(), &["-m", "timeit", "-q"], &dir);
    assert_eq!(r.status, 2);
    assert_eq!(
        r.out,
        "option -q not recognized\nuse -h/--help for command line help\n"
    );

    let r = run(&mini(), &["-m", "timeit", "-n", "1", "1/0"], &dir);
    assert_eq!(r.status, 1, "{}", r.out);
    assert!(
        r.err
            .contains("  File \"<timeit-src>\", line 6, in inner\n    1/0\n     ~^~\n")
            && r.err.ends_with("ZeroDivisionError: division by zero\n"),
        "{}",
        r.err
    );

    let r = run(&mini(), &["-m", "timeit", "x = ("], &dir);
    assert_eq!(r.status, 1);
    assert!(
        r.err.ends_with("SyntaxError: '(' was never closed\n"),
        "{}",
        r.err
    );

    // -s may import from the current folder.
    let r = run(
        &mini(),
        &[
            "-m",
            "timeit",
            "-n",
            "2",
            "-s",
            "import myapp",
            "myapp.light",
        ],
        &dir,
    );
    assert_eq!(r.status, 0, "{}", r.err);
    assert_eq!(result_line(r.out.trim_end()), (2, 5));
}

/// Replaces every float (digits, a point, digits, maybe an exponent) by F.
fn floats_away(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_digit()) {
            let mut j = i;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            if j + 1 < b.len() && b[j] == b'.' && b[j + 1].is_ascii_digit() {
                j += 1;
                while j < b.len() && b[j].is_ascii_digit() {
                    j += 1;
                }
                if j + 1 < b.len() && b[j] == b'e' {
                    j += 2;
                    while j < b.len() && b[j].is_ascii_digit() {
                        j += 1;
                    }
                }
                out.push('F');
                i = j;
                continue;
            }
            out.push_str(&text[i..j]);
            i = j;
            continue;
        }
        let c = text[i..].chars().next().unwrap();
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// The seeds' expensive_function.mini: a decorator timer, timeit.timeit
/// and timeit.repeat on a function, then cProfile.run (REFERENCE.md's
/// layout; mini's file is .mini where CPython's was .py).
#[test]
fn expensive_function_seed() {
    let dir = scratch("expensive", &["expensive_function.mini"]);
    let r = run(&mini(), &["expensive_function.mini"], &dir);
    assert_eq!(r.status, 0, "stderr:\n{}", r.err);
    assert_eq!(r.err, "");
    let expected = "\
@timefn: expensive_function took F seconds
some result! 999999
F
5 True
         1000005 function calls in F seconds

   Ordered by: standard name

   ncalls  tottime  percall  cumtime  percall filename:lineno(function)
        1    F    F    F    F <string>:1(<module>)
        1    F    F    F    F expensive_function.mini:13(expensive_function)
  1000001    F    F    F    F expensive_function.mini:8(get_number)
        1    F    F    F    F {built-in method builtins.exec}
        1    F    F    F    F {method 'disable' of '_lsprof.Profiler' objects}


";
    assert_eq!(floats_away(&r.out), expected, "stdout:\n{}", r.out);
    // timeit.timeit(expensive_function, number=1) printed a positive time.
    let t: f64 = r.out.lines().nth(2).unwrap().parse().unwrap();
    assert!(t > 0.0 && t < 30.0, "{t}");
}

/// The seeds' pystone_kstones.mini: `from test import pystone`, pystones()
/// and a 0.5 s sleep converted to kilo-pystones.
#[test]
fn pystone_kstones_seed() {
    let dir = scratch("kstones", &["pystone_kstones.mini"]);
    let r = run(&mini(), &["pystone_kstones.mini"], &dir);
    assert_eq!(r.status, 0, "stderr:\n{}", r.err);
    assert_eq!(
        (r.out.as_str(), r.err.as_str()),
        ("True True\nTrue True\n", "")
    );
}

/// Checks pystone's two lines; returns (passes, seconds, pystones/second).
fn pystone_lines(out: &str) -> (u64, f64, f64) {
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    let rest = lines[0]
        .strip_prefix("Pystone(1.2) time for ")
        .unwrap_or_else(|| panic!("{out}"));
    let (passes, secs) = rest.split_once(" passes = ").unwrap();
    let rate = lines[1]
        .strip_prefix("This machine benchmarks at ")
        .and_then(|r| r.strip_suffix(" pystones/second"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(is_g_number(secs) && is_g_number(rate), "{out}");
    (
        passes.parse().unwrap(),
        secs.parse().unwrap(),
        rate.parse().unwrap(),
    )
}

/// `mini -m pystone [LOOPS]` and `mini -m test.pystone`, and their usage
/// errors (exit status 100).
#[test]
fn pystone_command_line() {
    let dir = scratch("pystone", &[]);
    let r = run(&mini(), &["-m", "pystone"], &dir);
    assert_eq!((r.status, r.err.as_str()), (0, ""));
    let (passes, secs, rate) = pystone_lines(&r.out);
    assert_eq!(passes, 50000);
    assert!(secs > 0.0 && (rate * secs - 50000.0).abs() < 50000.0 * 1e-3);

    let r = run(&mini(), &["-m", "test.pystone", "2000"], &dir);
    assert_eq!((r.status, r.err.as_str()), (0, ""));
    assert_eq!(pystone_lines(&r.out).0, 2000);

    let r = run(&mini(), &["-m", "pystone", "1", "2"], &dir);
    assert_eq!((r.status, r.out.as_str()), (100, ""));
    assert!(
        r.err.starts_with("2 arguments are too many; usage: ")
            && r.err.ends_with(" [number_of_loops]\n"),
        "{}",
        r.err
    );
    let r = run(&mini(), &["-m", "pystone", "many"], &dir);
    assert_eq!(r.status, 100);
    assert!(
        r.err.starts_with("Invalid argument 'many'; usage: "),
        "{}",
        r.err
    );
}

/// pystone leaves the same globals behind under mini as under CPython: the
/// benchmark computes what Dhrystone computes, the same way.
#[test]
fn pystone_state_matches_cpython() {
    if !have_python("pystone_state_matches_cpython") {
        return;
    }
    let dir = scratch("state", &[]);
    std::fs::copy(
        repo().join("stdlib/lib/pystone.mini"),
        dir.join("pystone.py"),
    )
    .unwrap();
    let driver = "\
import pystone as p
for loops in (1, 7, 500):
    benchtime, rate = p.pystones(loops)
    g = p.PtrGlb
    print(loops, p.IntGlob, p.BoolGlob, repr(p.Char1Glob), repr(p.Char2Glob))
    print(p.Array1Glob[8:10], p.Array1Glob[38], p.Array2Glob[8][7:10], p.Array2Glob[28][8])
    print(g.Discr, g.EnumComp, g.IntComp, g.StringComp, g.PtrComp is p.PtrGlbNext)
    print(type(benchtime).__name__, type(rate).__name__, benchtime > 0 or rate == 0.0)
print(p.__version__, p.LOOPS, p.Func2(\"DHRYSTONE PROGRAM, 1'ST STRING\", \"DHRYSTONE PROGRAM, 2'ND STRING\"))
";
    std::fs::write(dir.join("driver.py"), driver).unwrap();
    let py = run(Path::new("python3"), &["driver.py"], &dir);
    assert_eq!(py.status, 0, "{}", py.err);
    // mini imports its embedded pystone (it looks for .mini files only).
    let mi = run(&mini(), &["driver.py"], &dir);
    assert_eq!((mi.status, mi.err.as_str()), (0, ""));
    assert_eq!(mi.out, py.out);
    assert!(
        py.out.contains("DHRYSTONE PROGRAM, SOME STRING"),
        "{}",
        py.out
    );
}
