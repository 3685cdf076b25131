//! The memory-management seeds' programs from `examples/` (copies of
//! `../shared/examples/`), checked against the outputs that
//! `examples/REFERENCE.md` gives: CPython 3.11's, with the two differences it
//! documents (mini keeps instance attributes in a real dict, so gc_cycle.mini
//! finds 4 objects where CPython finds 2, and leaks_howmany.mini's second
//! check is True), and with_del.mini in both collector modes.

use std::path::PathBuf;
use std::process::Command;

fn run(args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_mini"))
        .args(args)
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples"))
        .output()
        .expect("mini runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

fn check(args: &[&str], expected: &str) {
    let (stdout, stderr, status) = run(args);
    assert_eq!(stderr, "", "mini {args:?} wrote to stderr");
    assert_eq!(status, 0, "mini {args:?} exit status");
    assert_eq!(stdout, expected, "mini {args:?} stdout");
}

#[test]
fn gc_cycle_finds_two_instances_and_their_dicts() {
    check(&["gc_cycle.mini"], "2\n2\n4\n0\nno garbage\n");
}

#[test]
fn leaks_howmany() {
    check(
        &["leaks_howmany.mini"],
        "0\n1\n0\n1\nTrue\nTrue\n2\nTrue\nTrue\n",
    );
}

#[test]
fn weakref_finalize() {
    check(
        &["weakref_finalize.mini"],
        "0 [1]\n1\n0 [1]\n0 [1, 3]\n0 [1, 3, 4]\nDead: <Thing>\nafter del\n\
         finalized by weakref.finalize\nFalse\n",
    );
}

const VERSION_LINES: &str = concat!("Python version: ", env!("CARGO_PKG_VERSION"), "\n\n");

#[test]
fn with_del_is_collected_since_pep_442() {
    check(
        &["with_del.mini"],
        &format!(
            "{VERSION_LINES}unreachable prior collection: 3\n\
             unreachable after collection: 0\nWithDel objects count:        0\n"
        ),
    );
}

#[test]
fn with_del_stays_in_gc_garbage_in_legacy_mode() {
    let legacy = format!(
        "{VERSION_LINES}unreachable prior collection: 3\n\
         unreachable after collection: 1\nWithDel objects count:        1\n"
    );
    check(&["-X", "legacy-finalizers", "with_del.mini"], &legacy);
    check(&["-Xlegacy-finalizers", "with_del.mini"], &legacy);
}

#[test]
fn legacy_mode_from_the_gc_module() {
    let (stdout, stderr, status) = run(&[
        "-c",
        "import gc, sys\n\
         print(gc.get_legacy_finalizers(), sys._xoptions)\n\
         gc.set_legacy_finalizers(True)\n\
         print(gc.get_legacy_finalizers())\n\
         class D:\n    def __del__(self): pass\n\
         a = D(); a.me = a; del a\n\
         print(gc.collect(), len(gc.garbage), type(gc.garbage[0]).__name__)\n",
    ]);
    assert_eq!((stderr.as_str(), status), ("", 0));
    assert_eq!(stdout, "False {}\nTrue\n2 1 D\n");
    let (stdout, _, _) = run(&[
        "-X",
        "legacy-finalizers",
        "-c",
        "import gc, sys; print(gc.get_legacy_finalizers(), sys._xoptions)",
    ]);
    assert_eq!(stdout, "True {'legacy-finalizers': True}\n");
}
