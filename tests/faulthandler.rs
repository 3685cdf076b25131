//! faulthandler end to end, where the conformance programs cannot go: the
//! seed `examples/faulthandler_demo.mini` (the stack inside `stuck()` after
//! 0.5 s, on stderr), fatal signals (the process dies of the signal after
//! "Fatal Python error: ..."), `-X faulthandler` and `MINIFAULTHANDLER`,
//! `exit=True`, and a watchdog dump of a program busy in a bytecode loop
//! (the line inside the loop, not a stale one). Expected texts are CPython
//! 3.11's, with the thread id masked (`0xTHREAD`) and the program's folder
//! shown as `$DIR`.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Run {
    stdout: String,
    stderr: String,
    /// Exit code, or the negated number of the signal that ended the process.
    status: i32,
}

fn mini(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mini"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("MINIFAULTHANDLER");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("mini runs");
    let dir = dir.to_string_lossy().into_owned();
    let text = |b: &[u8]| mask_threads(&String::from_utf8_lossy(b).replace(&dir, "$DIR"));
    Run {
        stdout: text(&out.stdout),
        stderr: text(&out.stderr),
        status: out
            .status
            .code()
            .unwrap_or_else(|| -out.status.signal().unwrap_or(0)),
    }
}

/// "Thread 0x00007f..." → "Thread 0xTHREAD" (same for "Current thread").
fn mask_threads(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("hread 0x") {
        let after = &rest[i + "hread 0x".len()..];
        let n = after.bytes().take_while(|b| b.is_ascii_hexdigit()).count();
        out.push_str(&rest[..i + "hread 0x".len()]);
        out.push_str(if n == 16 { "THREAD" } else { &after[..n] });
        rest = &after[n..];
    }
    out.push_str(rest);
    out
}

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// A scratch folder holding one program.
fn program(name: &str, source: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mini-faulthandler-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.mini")), source).unwrap();
    dir
}

#[test]
fn seed_demo_dumps_the_stuck_call() {
    let r = mini(&examples(), &["faulthandler_demo.mini"], &[]);
    assert_eq!(r.stdout, "done\n");
    assert_eq!(
        r.stderr,
        "Timeout (0:00:00.500000)!\n\
         Thread 0xTHREAD (most recent call first):\n  \
         File \"$DIR/faulthandler_demo.mini\", line 7 in stuck\n  \
         File \"$DIR/faulthandler_demo.mini\", line 11 in <module>\n"
    );
    assert_eq!(r.status, 0);
}

const SEGV: &str = "import faulthandler\n\
\n\
def crash():\n    faulthandler._sigsegv()\n\
\n\
crash()\n";

#[test]
fn fatal_signal_after_enable() {
    let dir = program(
        "segv",
        &format!("import faulthandler\nfaulthandler.enable()\n{SEGV}"),
    );
    let r = mini(&dir, &["segv.mini"], &[]);
    assert_eq!(
        r.stderr,
        "Fatal Python error: Segmentation fault\n\n\
         Current thread 0xTHREAD (most recent call first):\n  \
         File \"$DIR/segv.mini\", line 6 in crash\n  \
         File \"$DIR/segv.mini\", line 8 in <module>\n"
    );
    assert_eq!(r.status, -libc_sig::SIGSEGV);
}

#[test]
fn x_option_and_environment_enable_it() {
    let dir = program("segv2", SEGV);
    let expected = "Fatal Python error: Segmentation fault\n\n\
         Current thread 0xTHREAD (most recent call first):\n  \
         File \"$DIR/segv2.mini\", line 4 in crash\n  \
         File \"$DIR/segv2.mini\", line 6 in <module>\n";
    for (args, env) in [
        (vec!["-X", "faulthandler", "segv2.mini"], vec![]),
        (vec!["-Xfaulthandler=0", "segv2.mini"], vec![]),
        (vec!["segv2.mini"], vec![("MINIFAULTHANDLER", "1")]),
    ] {
        let r = mini(&dir, &args, &env);
        assert_eq!(r.stderr, expected, "{args:?} {env:?}");
        assert_eq!(r.status, -libc_sig::SIGSEGV, "{args:?} {env:?}");
    }
    // Without the option (or with an empty variable) the crash is silent.
    let r = mini(&dir, &["segv2.mini"], &[("MINIFAULTHANDLER", "")]);
    assert_eq!(r.stderr, "");
    assert_eq!(r.status, -libc_sig::SIGSEGV);
    let r = mini(
        &dir,
        &["-X", "faulthandler", "-c", "import sys, faulthandler; print('faulthandler' in sys.modules, faulthandler.is_enabled())"],
        &[],
    );
    assert_eq!(r.stdout, "True True\n");
}

#[test]
fn other_fatal_signals_and_single_thread_form() {
    let dir = program(
        "abrt",
        "import faulthandler, os, signal\n\
         faulthandler.enable(all_threads=False)\n\
         os.kill(os.getpid(), signal.SIGFPE)\n",
    );
    let r = mini(&dir, &["abrt.mini"], &[]);
    assert_eq!(
        r.stderr,
        "Fatal Python error: Floating point exception\n\n\
         Stack (most recent call first):\n  \
         File \"$DIR/abrt.mini\", line 3 in <module>\n"
    );
    assert_eq!(r.status, -libc_sig::SIGFPE);
    let r = mini(
        &dir,
        &[
            "-X",
            "faulthandler",
            "-c",
            "import faulthandler\nfaulthandler._sigabrt()",
        ],
        &[],
    );
    assert_eq!(
        r.stderr,
        "Fatal Python error: Aborted\n\n\
         Current thread 0xTHREAD (most recent call first):\n  \
         File \"<string>\", line 2 in <module>\n"
    );
    assert_eq!(r.status, -libc_sig::SIGABRT);
    // disable() puts the previous handlers back: a plain death.
    let r = mini(
        &dir,
        &["-c", "import faulthandler\nfaulthandler.enable()\nfaulthandler.disable()\nfaulthandler._sigsegv()"],
        &[],
    );
    assert_eq!((r.stderr.as_str(), r.status), ("", -libc_sig::SIGSEGV));
}

#[test]
fn exit_after_the_timeout_dump() {
    let dir = program(
        "exit",
        "import faulthandler, time\n\
         faulthandler.dump_traceback_later(0.2, exit=True)\n\
         time.sleep(5)\n\
         print('not reached')\n",
    );
    let r = mini(&dir, &["exit.mini"], &[]);
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr,
        "Timeout (0:00:00.200000)!\n\
         Thread 0xTHREAD (most recent call first):\n  \
         File \"$DIR/exit.mini\", line 3 in <module>\n"
    );
    assert_eq!(r.status, 1);
}

#[test]
fn busy_bytecode_loop_shows_its_current_line() {
    let dir = program(
        "busy",
        "import faulthandler\n\
         \n\
         def spin():\n    \
             x = 0\n    \
             while True:\n        \
                 x += 1\n\
         \n\
         faulthandler.dump_traceback_later(0.2, exit=True)\n\
         spin()\n",
    );
    let r = mini(&dir, &["busy.mini"], &[]);
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(
        lines[..2],
        [
            "Timeout (0:00:00.200000)!",
            "Thread 0xTHREAD (most recent call first):"
        ]
    );
    // CPython shows the `while` or the `x += 1` line, whichever runs.
    assert!(
        lines[2] == "  File \"$DIR/busy.mini\", line 5 in spin"
            || lines[2] == "  File \"$DIR/busy.mini\", line 6 in spin",
        "{}",
        r.stderr
    );
    assert_eq!(
        lines[3..],
        ["  File \"$DIR/busy.mini\", line 9 in <module>"]
    );
    assert_eq!(r.status, 1);
}

#[test]
fn external_signal_interrupts_a_blocked_program() {
    let dir = program(
        "usr1",
        "import faulthandler, signal, sys, time\n\
         faulthandler.register(signal.SIGUSR1)\n\
         def wait():\n    \
             print('ready', flush=True)\n    \
             time.sleep(0.6)\n\
         wait()\n",
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_mini"))
        .arg("usr1.mini")
        .current_dir(&dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("mini starts");
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 6];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    assert_eq!(&first, b"ready\n");
    // Let print() return: the program is then blocked in time.sleep.
    std::thread::sleep(std::time::Duration::from_millis(150));
    let status = Command::new("kill")
        .args(["-USR1", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let stderr = mask_threads(
        &String::from_utf8_lossy(&out.stderr).replace(&*dir.to_string_lossy(), "$DIR"),
    );
    assert_eq!(
        stderr,
        "Current thread 0xTHREAD (most recent call first):\n  \
         File \"$DIR/usr1.mini\", line 5 in wait\n  \
         File \"$DIR/usr1.mini\", line 6 in <module>\n"
    );
    assert!(out.status.success());
}

/// Linux signal numbers.
mod libc_sig {
    pub const SIGABRT: i32 = 6;
    pub const SIGFPE: i32 = 8;
    pub const SIGSEGV: i32 = 11;
}
