//! Profile files cross between mini and CPython 3.11 in both directions.
//! mini writes profiles (profile.Profile.dump_stats, pstats.Stats.dump_stats,
//! `mini -m profile -o`) and CPython's pstats must load them with the same
//! total_calls and function list; CPython's cProfile writes a profile and
//! mini's pstats must print exactly what CPython's pstats prints, reports,
//! the interactive browser (`-m pstats`) and the error for a truncated file
//! included. Every test is skipped, with a message, when `python3` is not
//! installed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn mini() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mini"))
}

/// Whether CPython is there to compare with; says so when it is not.
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

/// A fresh scratch folder for one test.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mini-pstats-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// Runs `program args...` in `dir` with `stdin`; returns (status, stdout, stderr).
fn run(program: &Path, args: &[&str], dir: &Path, stdin: &str) -> (i32, String, String) {
    use std::io::Write;
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(dir)
        .env("TZ", "UTC")
        .env_remove("PYTHONPATH")
        .env_remove("PYTHONSTARTUP")
        .env_remove("MINIPATH")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn python() -> PathBuf {
    PathBuf::from("python3")
}

/// Runs a program file under both interpreters and asserts identical
/// stdout and a zero status.
fn same_output(dir: &Path, file: &str, args: &[&str]) -> String {
    let mut full = vec![file];
    full.extend_from_slice(args);
    let (ms, mo, me) = run(&mini(), &full, dir, "");
    let (ps, po, pe) = run(&python(), &full, dir, "");
    assert_eq!(ps, 0, "python3 {file} failed:\n{pe}");
    assert_eq!(ms, 0, "mini {file} failed:\n{me}");
    assert_eq!(mo, po, "mini and CPython print differently for {file}");
    mo
}

/// A workload with recursion, a generator and builtins, timed by a clock the
/// program moves itself, so every number is the same on every run.
const WORKLOAD: &str = r#"
class Clock:
    now = 0


def timer():
    return Clock.now


def leaf():
    Clock.now += 1


def a(n):
    Clock.now += 10
    if n:
        b(n - 1)
    leaf()


def b(n):
    Clock.now += 100
    if n:
        a(n - 1)


def gen(k):
    for i in range(k):
        Clock.now += 3
        yield i


def main():
    a(5)
    items = []
    for x in gen(4):
        items.append(x)
    return sum(items) + len(items)
"#;

/// Prints total_calls, the primitive calls and the function list of a
/// profile file; the same code runs under mini and CPython.
const SUMMARY: &str = r#"
import sys
import pstats

for path in sys.argv[1:]:
    st = pstats.Stats(path)
    print(path, st.total_calls, st.prim_calls)
    for func in sorted(st.stats, key=pstats.func_std_string):
        cc, nc, tt, ct, callers = st.stats[func]
        print('  ', pstats.func_std_string(func), nc, cc, len(callers))
"#;

#[test]
fn cpython_reads_profiles_written_by_mini() {
    if !have_python("cpython_reads_profiles_written_by_mini") {
        return;
    }
    let dir = scratch("mini-writes");
    let writer = format!(
        "{WORKLOAD}
import profile
import pstats

p = profile.Profile(timer)
p.runctx('main()', globals(), None)
p.dump_stats('by_profile.prof')

class Table:
    def create_stats(self):
        self.stats = {{
            ('/src/app.py', 3, 'fib'): (2, 30, 0.5, 0.75, {{('/src/app.py', 3, 'fib'): (28, 0, 0.25, 0.5),
                                                         ('/src/app.py', 9, 'main'): (2, 2, 0.25, 0.75)}}),
            ('/src/app.py', 9, 'main'): (1, 1, 0.125, 0.875, {{}}),
            ('~', 0, '<built-in method time.sleep>'): (4, 4, 2.5, 2.5, {{('/src/app.py', 9, 'main'): (4, 4, 2.5, 2.5)}}),
        }}

st = pstats.Stats(Table())
st.strip_dirs().dump_stats('by_pstats.prof')
"
    );
    std::fs::write(dir.join("writer.mini"), writer).unwrap();
    std::fs::write(dir.join("summary.py"), SUMMARY).unwrap();
    std::fs::write(
        dir.join("script.mini"),
        format!("{WORKLOAD}\nprint(main())\n"),
    )
    .unwrap();

    let (status, _, err) = run(&mini(), &["writer.mini"], &dir, "");
    assert_eq!(status, 0, "writer.mini failed:\n{err}");
    let (status, out, err) = run(
        &mini(),
        &["-m", "profile", "-o", "by_cli.prof", "script.mini"],
        &dir,
        "",
    );
    assert_eq!(status, 0, "mini -m profile -o failed:\n{err}");
    assert_eq!(out, "10\n");

    let files = ["by_profile.prof", "by_pstats.prof", "by_cli.prof"];
    let mut args = vec!["summary.py"];
    args.extend_from_slice(&files);
    let (ps, po, pe) = run(&python(), &args, &dir, "");
    assert_eq!(ps, 0, "CPython could not read mini's profiles:\n{pe}");
    let (ms, mo, me) = run(&mini(), &args, &dir, "");
    assert_eq!(ms, 0, "mini could not read its own profiles:\n{me}");
    assert_eq!(mo, po, "CPython and mini read mini's profiles differently");
    // The deterministic profile: a(5) -> b(4) -> ... recursion (3 calls
    // each, 1 primitive), 5 generator resumes.
    assert!(po.contains("by_profile.prof 25 21\n"), "{po}");
    assert!(po.contains("writer.mini:14(a) 3 1 2\n"), "{po}");
    assert!(po.contains("writer.mini:27(gen) 5 5 1\n"), "{po}");
    assert!(po.contains("by_pstats.prof 35 7\n"), "{po}");
    assert!(po.contains("{built-in method time.sleep} 4 4 1\n"), "{po}");
    assert!(po.contains(":0(append) 4 4 1\n"), "{po}");

    // And CPython's full report of mini's file is mini's report of it.
    std::fs::write(
        dir.join("report.py"),
        "import pstats\nst = pstats.Stats('by_profile.prof')\nst.strip_dirs().sort_stats('stdname').print_stats()\nst.print_callers()\nst.print_callees()\n",
    )
    .unwrap();
    same_output(&dir, "report.py", &[]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn mini_reads_profiles_written_by_cpython() {
    if !have_python("mini_reads_profiles_written_by_cpython") {
        return;
    }
    let dir = scratch("cpython-writes");
    let writer = format!(
        "{WORKLOAD}
import cProfile
import time
p = cProfile.Profile()
p.runcall(main)
p.runcall(time.sleep, 0.001)
p.dump_stats('cpython.prof')
q = cProfile.Profile(timer, 0.001)
q.runcall(main)
q.dump_stats('cpython_det.prof')
"
    );
    std::fs::write(dir.join("writer.py"), writer).unwrap();
    let (status, _, err) = run(&python(), &["writer.py"], &dir, "");
    assert_eq!(status, 0, "CPython's cProfile failed:\n{err}");

    std::fs::write(
        dir.join("report.py"),
        r#"import sys
import pstats
for path in ['cpython.prof', 'cpython_det.prof']:
    st = pstats.Stats(path)
    st.print_stats()
    st.sort_stats('stdname').print_stats()
    st.sort_stats('cumulative', 'name').print_stats(3, 'a|b')
    st.print_callers()
    st.print_callees('main')
    st.strip_dirs().sort_stats('calls').print_stats(0.5)
    print(st.total_calls, st.prim_calls, len(st.stats), st.get_stats_profile().func_profiles['gen'])
both = pstats.Stats('cpython.prof', 'cpython_det.prof')
both.sort_stats('pcalls', 'stdname').print_stats()
"#,
    )
    .unwrap();
    let out = same_output(&dir, "report.py", &[]);
    assert!(out.contains("{built-in method time.sleep}"), "{out}");

    std::fs::write(dir.join("summary.py"), SUMMARY).unwrap();
    same_output(&dir, "summary.py", &["cpython.prof", "cpython_det.prof"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn truncated_and_foreign_files_are_refused_like_cpython() {
    if !have_python("truncated_and_foreign_files_are_refused_like_cpython") {
        return;
    }
    let dir = scratch("refused");
    std::fs::write(
        dir.join("make.py"),
        "import marshal\ndata = marshal.dumps({('a.py', 1, 'f'): (1, 1, 0.5, 0.5, {})})\n\
         open('truncated.prof', 'wb').write(data[:-6])\n\
         open('foreign.prof', 'wb').write(b'PK\\x03\\x04 not a profile')\n\
         open('empty.prof', 'wb').write(marshal.dumps({}))\n\
         open('list.prof', 'wb').write(marshal.dumps([1, 2]))\n",
    )
    .unwrap();
    let (status, _, err) = run(&python(), &["make.py"], &dir, "");
    assert_eq!(status, 0, "{err}");
    std::fs::write(
        dir.join("load.py"),
        "import pstats\nfor name in ['truncated.prof', 'foreign.prof', 'empty.prof', 'list.prof', 'missing.prof']:\n    \
         try:\n        pstats.Stats(name)\n    except Exception as e:\n        \
         print(name, type(e).__name__, str(e).split(' from ')[0])\n",
    )
    .unwrap();
    let out = same_output(&dir, "load.py", &[]);
    assert!(out.contains("truncated.prof EOFError"), "{out}");
    assert!(
        out.contains("foreign.prof ValueError bad marshal data (unknown type code)"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn profile_browser_matches_cpython() {
    if !have_python("profile_browser_matches_cpython") {
        return;
    }
    let dir = scratch("browser");
    let sample =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/programs/modules/pstats/cpython.prof");
    std::fs::copy(&sample, dir.join("app.prof")).expect("copy sample profile");
    let commands = "help\nhelp sort\nhelp stats\nhelp nothing\nfoo\n\nsort\nsort time cu\n\
                    stats 2\n\nstrip\nstats\ncallers fact\ncallees .5\nreverse\nstats 2.5 main\n\
                    add app.prof\nstats 3\nread\nread missing.prof\nread app.prof\n?\n!ls\nsort bogus\nquit\n";
    let (ms, mo, me) = run(&mini(), &["-m", "pstats", "app.prof"], &dir, commands);
    let (ps, po, pe) = run(&python(), &["-m", "pstats", "app.prof"], &dir, commands);
    assert_eq!(ps, 0, "{pe}");
    assert_eq!(ms, 0, "{me}");
    assert_eq!(mo, po, "the browsers differ");
    assert!(mo.starts_with("Welcome to the profile statistics browser.\napp.prof% "));
    assert!(mo.ends_with("Goodbye.\n"));

    // End of input instead of quit.
    let (ms, mo, _) = run(&mini(), &["-m", "pstats", "app.prof"], &dir, "stats 1\n");
    let (_, po, _) = run(&python(), &["-m", "pstats", "app.prof"], &dir, "stats 1\n");
    assert_eq!(ms, 0);
    assert_eq!(mo, po);
    let _ = std::fs::remove_dir_all(&dir);
}
