//! tracemalloc beyond the conformance programs: the seed program
//! `examples/tracemalloc_top.mini` in REFERENCE.md's layout (sizes and
//! counts normalised: mini's size model is not CPython's allocator), the
//! `-X tracemalloc[=N]` option and `MINITRACEMALLOC` variable, and
//! `Snapshot.load` refusing corrupt files with a clear ValueError (mini's
//! dump format is its own, so CPython cannot be the oracle there).

use std::path::PathBuf;
use std::process::Command;

fn mini(args: &[&str], env: &[(&str, &str)]) -> (String, String, i32) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mini"));
    cmd.args(args)
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples"))
        .env_remove("MINITRACEMALLOC");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("mini runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

/// Digits (with decimal points) become `N`, so layouts compare equal.
fn shape(s: &str) -> String {
    let mut out = String::new();
    let mut in_num = false;
    for c in s.chars() {
        if c.is_ascii_digit() || (in_num && c == '.') {
            if !in_num {
                out.push('N');
                in_num = true;
            }
        } else {
            in_num = false;
            out.push(c);
        }
    }
    out
}

#[test]
fn seed_tracemalloc_top_matches_reference_layout() {
    let (stdout, stderr, status) = mini(&["tracemalloc_top.mini"], &[]);
    assert_eq!(stderr, "");
    assert_eq!(status, 0);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert_eq!(lines[0], "some result! 999999");
    assert_eq!(lines[1], "[ Top 10 ]");
    assert_eq!(lines[3], "True True");
    // The script's absolute path, like CPython 3.11's co_filename of the
    // main script; REFERENCE.md shows the file name alone.
    let (place, stat) = lines[2].split_once(": ").expect("a statistic");
    assert!(place.starts_with('/'), "{place}");
    assert!(
        place.ends_with("/examples/tracemalloc_top.mini:17"),
        "attributed to line 17: {place}"
    );
    let reference = "tracemalloc_top.py:17: size=941 KiB, count=10001, average=96 B";
    let want = reference.strip_prefix("tracemalloc_top.py:17: ").unwrap();
    assert_eq!(shape(stat), shape(want), "{stat}");
    // 10,000 strings of 10 to 40 characters, the list and its item array.
    assert!(stat.contains("count=10002,"), "{stat}");
    assert!(stat.contains(" KiB,"), "{stat}");
}

const PROBE: &str =
    "import tracemalloc; print(tracemalloc.is_tracing(), tracemalloc.get_traceback_limit())";

#[test]
fn command_line_starts_tracing() {
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut a: Vec<&str> = args.to_vec();
        a.extend(["-c", PROBE]);
        mini(&a, env)
    };
    assert_eq!(run(&[], &[]).0, "False 1\n");
    assert_eq!(run(&["-X", "tracemalloc"], &[]).0, "True 1\n");
    assert_eq!(run(&["-X", "tracemalloc=7"], &[]).0, "True 7\n");
    assert_eq!(run(&["-Xtracemalloc=2"], &[]).0, "True 2\n");
    assert_eq!(run(&["-X", "tracemalloc=0"], &[]).0, "False 1\n");
    assert_eq!(run(&[], &[("MINITRACEMALLOC", "4")]).0, "True 4\n");
    assert_eq!(run(&[], &[("MINITRACEMALLOC", "")]).0, "False 1\n");
    // The option wins over the variable.
    assert_eq!(
        run(&["-X", "tracemalloc=3"], &[("MINITRACEMALLOC", "9")]).0,
        "True 3\n"
    );
    let (out, err, st) = run(&["-X", "tracemalloc=abc"], &[]);
    assert_eq!((out.as_str(), st), ("", 1));
    assert_eq!(
        err,
        "mini: -X tracemalloc=NFRAME: invalid number of frames\n"
    );
    let (_, err, st) = run(&[], &[("MINITRACEMALLOC", "x1")]);
    assert_eq!(st, 1);
    assert_eq!(err, "mini: MINITRACEMALLOC: invalid number of frames\n");
    let (_, err, st) = run(&["-X", "tracemalloc=65536"], &[]);
    assert_eq!(st, 1);
    assert_eq!(
        err,
        "mini: can't initialize tracemalloc: the number of frames must be in range [1; 65535]\n"
    );
}

#[test]
fn traces_from_startup_name_the_program_line() {
    let prog = "import tracemalloc\nx = bytes(5000000)\n\
                s = tracemalloc.take_snapshot().statistics('lineno')[0]\n\
                print(s.traceback[0].lineno, s.size >= 5000000)";
    let (out, err, st) = mini(&["-X", "tracemalloc", "-c", prog], &[]);
    assert_eq!((err.as_str(), st), ("", 0));
    assert_eq!(out, "2 True\n");
}

/// Writes a good dump, then loads each corruption of it.
#[test]
fn load_refuses_corrupt_files() {
    let dir = std::env::temp_dir().join(format!("mini-tm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.snap");
    let prog = format!(
        "import tracemalloc\ntracemalloc.start(2)\nx = [bytes(100) for i in range(10)]\n\
         tracemalloc.take_snapshot().dump({:?})\n",
        good.to_string_lossy()
    );
    let (out, err, st) = mini(&["-c", &prog], &[]);
    assert_eq!((out.as_str(), err.as_str(), st), ("", "", 0));
    let text = std::fs::read_to_string(&good).unwrap();
    assert!(
        text.starts_with("mini-tracemalloc-snapshot 1\nlimit 2\n"),
        "{text}"
    );
    let lines: Vec<&str> = text.lines().collect();
    let first_trace = lines.iter().position(|l| l.starts_with("trace ")).unwrap();
    let mut cases: Vec<(String, &str)> = vec![
        (String::new(), "not a mini tracemalloc snapshot"),
        (
            "\u{80}\u{3}cpickle".to_string(),
            "not a mini tracemalloc snapshot",
        ),
        (
            lines[..lines.len() - 1].join("\n"),
            "truncated (no end line)",
        ),
        (text.replace("end ", "end 9"), "traces announced"),
        (
            text.replace("limit 2", "limit two"),
            "traceback limit is not an integer",
        ),
        (format!("{text}trace 0 1 0\n"), "data after the end line"),
    ];
    let mut bad_tb = lines.clone();
    let bad_line = "trace 0 10 999".to_string();
    bad_tb[first_trace] = &bad_line;
    cases.push((bad_tb.join("\n") + "\n", "unknown traceback id 999"));
    let mut neg = lines.clone();
    let neg_line = "trace 0 -5 0".to_string();
    neg[first_trace] = &neg_line;
    cases.push((neg.join("\n") + "\n", "negative size"));
    for (i, (content, msg)) in cases.iter().enumerate() {
        let path = dir.join(format!("bad{i}.snap"));
        std::fs::write(&path, content).unwrap();
        let prog = format!(
            "import tracemalloc\ntry:\n    tracemalloc.Snapshot.load({:?})\n\
             except ValueError as e:\n    print(e)\n",
            path.to_string_lossy()
        );
        let (out, err, st) = mini(&["-c", &prog], &[]);
        assert_eq!((err.as_str(), st), ("", 0), "case {i}");
        assert!(
            out.starts_with("corrupt tracemalloc snapshot file ") && out.contains(msg),
            "case {i}: {out}"
        );
    }
    let prog = format!(
        "import tracemalloc\ns = tracemalloc.Snapshot.load({:?})\n\
         print(len(s.traces), s.traceback_limit, s.statistics('lineno')[0].traceback[0].lineno)\n",
        good.to_string_lossy()
    );
    let (out, err, _) = mini(&["-c", &prog], &[]);
    assert_eq!(err, "");
    assert_eq!(out, "12 2 3\n");
    std::fs::remove_dir_all(&dir).ok();
}

/// The documented model: while tracing, the traced memory of new objects is
/// the sum of their `sys.getsizeof` (object blocks plus list, dict and set
/// buffers, however they grew).
#[test]
fn traced_memory_follows_getsizeof() {
    let prog = "\
import sys, tracemalloc
tracemalloc.start()
keep = []
base = tracemalloc.get_traced_memory()[0]
for i in range(300):
    l = []
    for j in range(i):
        l.append(None)
    d = {}
    for j in range(i % 50):
        d['k%d' % j] = j
    s = set()
    for j in range(i % 40):
        s.add(j)
    keep.append((l, d, s, 'x' * i, (i, l), [0] * i))
for t in keep:
    t[0].extend([None] * (len(t[0]) % 7))
    t[1].update({j: j for j in range(3)})
    t[5][len(t[5]):] = [1, 2, 3]
grown = tracemalloc.get_traced_memory()[0] - base
seen = set()
total = sys.getsizeof(keep)
for t in keep:
    total += sys.getsizeof(t)
    for o in t:
        total += sys.getsizeof(o)
    for k in t[1]:
        if isinstance(k, str):
            total += sys.getsizeof(k)
print(total, grown, abs(grown - total) / total < 0.02)
";
    let (out, err, st) = mini(&["-c", prog], &[]);
    assert_eq!((err.as_str(), st), ("", 0));
    assert!(out.trim_end().ends_with("True"), "{out}");
}
