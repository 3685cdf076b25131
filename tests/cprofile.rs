//! cProfile end to end: the seeds' programs under the profiler
//! (`mini -m cProfile myapp.mini`, profile_api, profile_decorator,
//! cprofile_enable) with times, dates and temporary names normalised away,
//! the command line (usage, errors, -o, -s, -m, SystemExit, exceptions),
//! the `instructions` clock giving identical reports on every run, and
//! CPython's pstats reading a profile mini's cProfile wrote. The programs
//! run in scratch copies of `examples/` so the files they write do not land
//! in the repository. Tests that need `python3` are skipped without it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

fn mini() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mini"))
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh scratch folder holding copies of the named example files.
fn scratch(test: &str, examples: &[&str]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mini-cprofile-{test}-{}", std::process::id()));
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
    secs: f64,
}

fn run(program: &Path, args: &[&str], dir: &Path) -> Run {
    let start = Instant::now();
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env_remove("MINIPATH")
        .env_remove("PYTHONPATH")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    Run {
        status: out.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
        secs: start.elapsed().as_secs_f64(),
    }
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

/// Replaces every time (`8.310`, digits, a point, three digits) by `T`.
fn times_away(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_digit()) {
            let mut j = i;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            let frac =
                j + 4 <= b.len() && b[j] == b'.' && b[j + 1..j + 4].iter().all(u8::is_ascii_digit);
            if frac && (j + 4 == b.len() || !b[j + 4].is_ascii_digit()) {
                out.push('T');
                i = j + 4;
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

/// Normalises a report: times become T, `time.ctime()` dates DATE, the
/// scratch folder $DIR, temporary file names TMP, and the rows of each
/// table (whose order among close times may vary) are sorted.
fn normalise(text: &str, dir: &Path) -> String {
    let text = times_away(text).replace(&dir.to_string_lossy().to_string(), "$DIR");
    let mut lines: Vec<String> = Vec::new();
    let mut rows: Vec<String> = Vec::new();
    let mut in_table = false;
    for line in text.lines() {
        let mut line = line.to_string();
        // "Mon Nov 23 18:07:10 2026    myapp.stats"
        if line.len() > 24 && line.as_bytes()[13] == b':' && line.as_bytes()[16] == b':' {
            line = format!("DATE{}", &line[24..]);
        }
        if let Some(p) = line.find("/tmp/tmp") {
            line = format!("{}TMP", &line[..p]);
        }
        if in_table && !line.is_empty() {
            rows.push(line);
            continue;
        }
        if in_table {
            rows.sort();
            lines.append(&mut rows);
        }
        in_table = line.trim_start().starts_with("ncalls  tottime");
        lines.push(line);
    }
    rows.sort();
    lines.append(&mut rows);
    lines.join("\n") + "\n"
}

/// The numbers of a report row (`ncalls tottime percall cumtime percall`)
/// for the function whose name ends the row.
fn row(report: &str, function: &str) -> Vec<f64> {
    let line = report
        .lines()
        .find(|l| l.ends_with(function) && l.contains(" "))
        .unwrap_or_else(|| panic!("no row for {function} in:\n{report}"));
    line.split_whitespace()
        .take(5)
        .map(|w| w.split('/').next().unwrap().parse::<f64>().unwrap())
        .collect()
}

const MYAPP: &str = "         1208 function calls in T seconds

   Ordered by: cumulative time

   ncalls  tottime  percall  cumtime  percall filename:lineno(function)
        1    T    T    T    T myapp.mini:1(<module>)
        1    T    T    T    T myapp.mini:20(main)
        1    T    T    T    T {built-in method builtins.exec}
        1    T    T    T    T {method 'disable' of '_lsprof.Profiler' objects}
        2    T    T    T    T myapp.mini:12(heavy)
      200    T    T    T    T myapp.mini:8(light)
      400    T    T    T    T myapp.mini:4(medium)
      602    T    T    T    T {built-in method time.sleep}


";

/// The acceptance for myapp: the rows and ncalls of REFERENCE.md,
/// main's cumulative time within 2% of the wall time, time.sleep ~8.2 s.
#[test]
fn myapp_under_cprofile() {
    let dir = scratch("myapp", &["myapp.mini"]);
    let r = run(&mini(), &["-m", "cProfile", "myapp.mini"], &dir);
    assert_eq!(r.status, 0, "stderr:\n{}", r.err);
    assert_eq!(normalise(&r.out, &dir), MYAPP, "report:\n{}", r.out);
    // Exact order where the times decide it clearly.
    let order: Vec<&str> = r
        .out
        .lines()
        .filter(|l| l.contains("myapp.mini:") || l.contains('{'))
        .collect();
    assert!(
        order[0].ends_with("{built-in method builtins.exec}"),
        "{}",
        r.out
    );
    assert!(order[3].ends_with("myapp.mini:12(heavy)"), "{}", r.out);
    assert!(
        order[4].ends_with("{built-in method time.sleep}"),
        "{}",
        r.out
    );
    let main = row(&r.out, "myapp.mini:20(main)");
    assert!(
        (main[3] - r.secs).abs() <= 0.02 * r.secs,
        "main {} s, wall {} s",
        main[3],
        r.secs
    );
    // The sleeps asked for add up to 8.2 s (medium's to 4 s); a loaded
    // machine may oversleep, never undersleep.
    let sleep = row(&r.out, "{built-in method time.sleep}");
    assert!(
        sleep[1] >= 8.2 && sleep[1] <= main[3],
        "time.sleep tottime {}",
        sleep[1]
    );
    let medium = row(&r.out, "myapp.mini:4(medium)");
    assert!(
        medium[3] >= 4.0 && medium[3] < sleep[1],
        "medium cumtime {}",
        medium[3]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

const PROFILE_API: &str = "         1206 function calls in T seconds

   Ordered by: standard name

   ncalls  tottime  percall  cumtime  percall filename:lineno(function)
        1    T    T    T    T myapp.mini:20(main)
        1    T    T    T    T {method 'disable' of '_lsprof.Profiler' objects}
        2    T    T    T    T myapp.mini:12(heavy)
      200    T    T    T    T myapp.mini:8(light)
      400    T    T    T    T myapp.mini:4(medium)
      602    T    T    T    T {built-in method time.sleep}


1208
DATE    myapp.stats

         1208 function calls in T seconds

   Ordered by: internal time
   List reduced from 8 to 3 due to restriction <3>

   ncalls  tottime  percall  cumtime  percall filename:lineno(function)
        2    T    T    T    T $DIR/myapp.mini:12(heavy)
      400    T    T    T    T $DIR/myapp.mini:4(medium)
      602    T    T    T    T {built-in method time.sleep}


   Ordered by: internal time
   List reduced from 8 to 1 due to restriction <'medium'>

Function                                  called...
                                              ncalls  tottime  cumtime
$DIR/myapp.mini:4(medium)  ->     400    T    T  {built-in method time.sleep}


   Ordered by: internal time
   List reduced from 8 to 1 due to restriction <'light'>

Function                                 called...
                                             ncalls  tottime  cumtime
$DIR/myapp.mini:8(light)  ->     200    T    T  {built-in method time.sleep}


   Ordered by: internal time
   List reduced from 8 to 1 due to restriction <'light'>

Function                                 was called by...
                                             ncalls  tottime  cumtime
$DIR/myapp.mini:8(light)  <-     200    T    T  $DIR/myapp.mini:12(heavy)


";

#[test]
fn profile_api_example() {
    let dir = scratch("profile_api", &["profile_api.mini", "myapp.mini"]);
    let r = run(&mini(), &["profile_api.mini"], &dir);
    assert_eq!(r.status, 0, "stderr:\n{}", r.err);
    let got = normalise(&r.out, &dir);
    // The scratch path is longer than $DIR: the callers/callees column
    // widths follow the real path, so compare with the padding squeezed.
    let squeeze = |s: &str| {
        s.lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(squeeze(&got), squeeze(PROFILE_API), "report:\n{}", r.out);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn profile_decorator_example() {
    let dir = scratch(
        "profile_decorator",
        &["profile_decorator.mini", "myapp.mini"],
    );
    let r = run(&mini(), &["profile_decorator.mini"], &dir);
    assert_eq!(r.status, 0, "stderr:\n{}", r.err);
    let got = normalise(&r.out, &dir);
    for needle in [
        "DATE    TMP",
        "         1207 function calls in T seconds",
        "   Ordered by: internal time",
        "   List reduced from 7 to 6 due to restriction <6>",
        "      602    T    T    T    T {built-in method time.sleep}",
        "      400    T    T    T    T $DIR/myapp.mini:4(medium)",
        "         3 function calls in T seconds",
        "        1    T    T    T    T $DIR/myapp.mini:8(light)",
    ] {
        assert!(got.contains(needle), "missing {needle:?} in:\n{got}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cprofile_enable_example() {
    let dir = scratch("cprofile_enable", &["cprofile_enable.mini"]);
    let r = run(&mini(), &["cprofile_enable.mini"], &dir);
    assert_eq!(r.status, 0, "stderr:\n{}", r.err);
    let got = normalise(&r.out, &dir);
    for needle in [
        "some result! 99999",
        "         100004 function calls in T seconds",
        "   100001    T    T    T    T cprofile_enable.mini:6(get_number)",
        "        1    T    T    T    T cprofile_enable.mini:11(expensive_function)",
        "        1    T    T    T    T {built-in method builtins.print}",
        "DATE    results.prof",
        "DATE    more_results.prof",
        "         200008 function calls in T seconds",
        "   List reduced from 5 to 3 due to restriction <3>",
        "   200002    T    T    T    T cprofile_enable.mini:6(get_number)",
        "cprofile_enable.mini:6(get_number)  <-  200002    T    T  cprofile_enable.mini:11(expensive_function)",
        "cprofile_enable.mini:11(expensive_function)  ->  200002    T    T  cprofile_enable.mini:6(get_number)",
    ] {
        assert!(got.contains(needle), "missing {needle:?} in:\n{got}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

const SCRIPT: &str = "import sys, time
def fib(n):
    return n if n < 2 else fib(n-1) + fib(n-2)
def gen(k):
    for i in range(k):
        yield i
def work():
    l = []
    for i in range(3):
        l.append(i)
    s = sum(gen(4))
    return fib(6) + s
if __name__ == '__main__':
    print(work(), sys.argv[1:])
    if sys.argv[1:] == ['exit']:
        sys.exit(3)
    if sys.argv[1:] == ['fail']:
        raise ValueError('failed on purpose')
";

/// The command line against CPython's: the same report (times away) for
/// a script, with -s, and with the script's arguments.
#[test]
fn command_line_matches_cpython() {
    if !have_python("command_line_matches_cpython") {
        return;
    }
    let dir = scratch("cli", &[]);
    std::fs::write(dir.join("prog.py"), SCRIPT).unwrap();
    for args in [
        vec!["-m", "cProfile", "-s", "stdname", "prog.py", "a", "b"],
        vec!["-m", "cProfile", "--sort=nfl", "prog.py"],
        vec!["-m", "cProfile", "-s", "stdname", "prog.py", "exit"],
        vec!["-m", "cProfile", "-s", "bogus", "prog.py"],
        vec!["-m", "cProfile"],
        vec!["-m", "cProfile", "-x", "prog.py"],
        vec!["-m", "cProfile", "-s"],
    ] {
        let m = run(&mini(), &args, &dir);
        let p = run(Path::new("python3"), &args, &dir);
        assert_eq!(
            m.status, p.status,
            "{args:?}: status\nmini:\n{}{}",
            m.out, m.err
        );
        assert_eq!(times_away(&m.out), times_away(&p.out), "{args:?}: stdout");
        assert_eq!(m.err, p.err, "{args:?}: stderr");
    }
    // An exception: the report first, then the traceback, status 1.
    let m = run(&mini(), &["-m", "cProfile", "prog.py", "fail"], &dir);
    assert_eq!(m.status, 1);
    assert!(m.out.contains("function calls"), "{}", m.out);
    assert!(m.err.contains("ValueError: failed on purpose"), "{}", m.err);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `-o` writes a marshal file that CPython's pstats and mini's read alike,
/// and prints nothing; `-m` profiles a module found on sys.path.
#[test]
fn output_file_and_module() {
    let dir = scratch("outfile", &[]);
    std::fs::write(dir.join("prog.py"), SCRIPT).unwrap();
    let m = run(
        &mini(),
        &["-m", "cProfile", "-o", "out.prof", "prog.py"],
        &dir,
    );
    assert_eq!(m.status, 0, "{}", m.err);
    assert_eq!(m.out, "14 []\n");
    let summary = "import pstats\nst = pstats.Stats('out.prof')\nprint(st.total_calls, st.prim_calls)\n\
                   for f in sorted(st.stats, key=pstats.func_std_string):\n    print(pstats.func_std_string(f), st.stats[f][1])\n";
    std::fs::write(dir.join("summary.py"), summary).unwrap();
    let mine = run(&mini(), &["summary.py"], &dir);
    assert_eq!(mine.status, 0, "{}", mine.err);
    assert!(mine.out.starts_with("39 15\n"), "{}", mine.out);
    assert!(mine.out.contains("prog.py:2(fib) 25\n"), "{}", mine.out);
    assert!(
        mine.out.contains("{built-in method builtins.exec} 1\n"),
        "{}",
        mine.out
    );
    if have_python("output_file_and_module (CPython part)") {
        let theirs = run(Path::new("python3"), &["summary.py"], &dir);
        assert_eq!(
            theirs.status, 0,
            "CPython cannot read mini's profile:\n{}",
            theirs.err
        );
        assert_eq!(theirs.out, mine.out);
    }
    std::fs::write(dir.join("modprog.mini"), SCRIPT).unwrap();
    let m = run(
        &mini(),
        &["-m", "cProfile", "-s", "stdname", "-m", "modprog", "x"],
        &dir,
    );
    assert_eq!(m.status, 0, "{}", m.err);
    assert!(m.out.starts_with("14 ['x']\n"), "{}", m.out);
    assert!(m.out.contains("modprog.mini:2(fib)"), "{}", m.out);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The instructions clock: the same report on every run, and it costs
/// nothing for builtins.
#[test]
fn instructions_clock_is_deterministic() {
    let dir = scratch("instructions", &[]);
    std::fs::write(dir.join("prog.py"), SCRIPT).unwrap();
    let args = [
        "-m",
        "cProfile",
        "--clock",
        "instructions",
        "-s",
        "tottime",
        "prog.py",
    ];
    let a = run(&mini(), &args, &dir);
    let b = run(&mini(), &args, &dir);
    assert_eq!(a.status, 0, "{}", a.err);
    assert_eq!(a.out, b.out);
    let fib = row(&a.out, "prog.py:2(fib)");
    assert!(fib[1] > 0.0 && fib[1] == fib[1].trunc(), "{}", a.out);
    let append = row(&a.out, "{method 'append' of 'list' objects}");
    assert_eq!(append[1], 0.0);
    // The API form, against the report of a second profiler.
    let api = "import cProfile\nfrom prog import fib\n\
               def stats():\n    p = cProfile.Profile(clock='instructions')\n    p.runcall(fib, 10)\n    p.create_stats()\n    return p.stats\n\
               a, b = stats(), stats()\nprint(a == b, [v[:2] for k, v in a.items() if k[2] == 'fib'])\n";
    std::fs::write(dir.join("api.py"), api).unwrap();
    let r = run(&mini(), &["api.py"], &dir);
    assert_eq!(r.status, 0, "{}", r.err);
    assert_eq!(r.out, "True [(1, 177)]\n");
    let _ = std::fs::remove_dir_all(&dir);
}
