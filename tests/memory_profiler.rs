//! memory_profiler and mprof end to end: the seed program
//! (`examples/memory_profile.mini`) against the layout of
//! `examples/REFERENCE.md` with the MiB figures normalised; the `'heap'`
//! backend's figures, identical on every run and equal to CPython's
//! increments for the seed's lists (the size model of `sys.getsizeof`);
//! `mini -m memory_profiler`; `mini -m mprof run/list/peak/plot/clean` in a
//! scratch folder. The table layout itself is compared with CPython's
//! memory_profiler by tests/programs/modules/memory_profiler/.

use std::path::{Path, PathBuf};
use std::process::Command;

fn mini() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mini"))
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run_in(dir: &Path, args: &[&str]) -> (String, String, i32) {
    let out = Command::new(mini())
        .args(args)
        .current_dir(dir)
        .output()
        .expect("mini runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mini-memprof-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// Each `<number> MiB` cell becomes `N MiB`, right-aligned in the same
/// width, and the Filename line keeps only the file's base name.
fn normalise(text: &str) -> String {
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        if let Some(path) = line.strip_prefix("Filename: ") {
            let name = path.trim_end().rsplit('/').next().unwrap_or("");
            out.push_str("Filename: ");
            out.push_str(name);
            out.push('\n');
            continue;
        }
        let mut rest = line;
        while let Some(i) = rest.find(" MiB") {
            let head = &rest[..i];
            let start = head
                .rfind(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
                .map_or(0, |j| j + 1);
            let num = &head[start..];
            if num.is_empty() || num.parse::<f64>().is_err() {
                out.push_str(&rest[..i + 4]);
            } else {
                out.push_str(&head[..start]);
                out.push_str(&" ".repeat(num.len() - 1));
                out.push('N');
                out.push_str(" MiB");
            }
            rest = &rest[i + 4..];
        }
        out.push_str(rest);
    }
    out
}

/// The seed's block of examples/REFERENCE.md (CPython 3.11 with
/// memory_profiler 0.61, run as memory_profile.py).
fn reference_block() -> String {
    let text = std::fs::read_to_string(repo().join("examples/REFERENCE.md")).expect("REFERENCE.md");
    let start = text.find("## memory_profile.mini").expect("seed section");
    let body = &text[start..];
    let a = body.find("```\n").expect("block start") + 4;
    let b = a + body[a..].find("```").expect("block end");
    body[a..b].to_string()
}

#[test]
fn seed_program_prints_memory_profilers_table() {
    let (stdout, stderr, status) = run_in(&repo().join("examples"), &["memory_profile.mini"]);
    assert_eq!(stderr, "");
    assert_eq!(status, 0);
    let expected =
        normalise(&reference_block()).replace("memory_profile.py", "memory_profile.mini");
    assert_eq!(normalise(&stdout), expected, "mini printed:\n{stdout}");
}

#[test]
fn heap_backend_is_deterministic_and_counts_buffers() {
    let dir = scratch("heap");
    let src = std::fs::read_to_string(repo().join("examples/memory_profile.mini"))
        .unwrap()
        .replace("@profile\n", "@profile(backend='heap')\n");
    std::fs::write(dir.join("mp_heap.mini"), src).unwrap();
    let first = run_in(&dir, &["mp_heap.mini"]);
    let second = run_in(&dir, &["mp_heap.mini"]);
    assert_eq!(first.1, "");
    assert_eq!(first, second, "two runs differ");
    // The increments of the list lines are the lists' getsizeof: the same
    // figures CPython shows (8 bytes per item).
    let rows: Vec<&str> = first.0.lines().collect();
    let inc = |lineno: &str| -> String {
        let row = rows
            .iter()
            .find(|r| r.split_whitespace().next() == Some(lineno))
            .unwrap_or_else(|| panic!("no row {lineno} in\n{}", first.0));
        row[20..33].trim().to_string()
    };
    assert_eq!(inc("7"), "7.6 MiB");
    assert_eq!(inc("8"), "152.6 MiB");
    assert_eq!(inc("9"), "-152.6 MiB");
    assert_eq!(inc("10"), "0.0 MiB");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn dash_m_memory_profiler_profiles_builtin_profile_functions() {
    let dir = scratch("dashm");
    std::fs::write(
        dir.join("script.mini"),
        "@profile\ndef f():\n    a = [0] * 1000\n    return len(a)\n\n\
         def g():\n    return 1\n\nprint(f(), f(), g())\n",
    )
    .unwrap();
    let (stdout, stderr, status) = run_in(
        &dir,
        &["-m", "memory_profiler", "--backend", "heap", "script.mini"],
    );
    assert_eq!(stderr, "");
    assert_eq!(status, 0);
    let expected = concat!(
        "1000 1000 1\n",
        "Filename: script.mini\n\n",
        "Line #    Mem usage    Increment  Occurrences   Line Contents\n",
        "=============================================================\n",
        "     1        N MiB        N MiB           2   @profile\n",
        "     2                                         def f():\n",
        "     3        N MiB        N MiB           2       a = [0] * 1000\n",
        "     4        N MiB        N MiB           2       return len(a)\n\n\n",
    );
    assert_eq!(normalise(&stdout), expected, "printed:\n{stdout}");
    // --precision 3 is the command line's default.
    let row = stdout.lines().nth(5).unwrap();
    let mem = row.split_whitespace().nth(1).unwrap();
    assert_eq!(mem.split('.').nth(1).map(str::len), Some(3), "{row}");
    let (out2, _, _) = run_in(
        &dir,
        &["-m", "memory_profiler", "--backend", "heap", "script.mini"],
    );
    assert_eq!(out2, stdout, "heap figures differ between runs");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn mprof_run_list_peak_plot_clean() {
    let dir = scratch("mprof");
    std::fs::write(
        dir.join("prog.mini"),
        "import time\n\n@profile\ndef build(n):\n    a = [1] * n\n    time.sleep(0.15)\n    return a\n\n\
         x = build(10 ** 6)\ntime.sleep(0.1)\ny = build(2 * 10 ** 6)\n",
    )
    .unwrap();
    let (stdout, stderr, status) = run_in(
        &dir,
        &["-m", "mprof", "run", "--interval", "0.02", "prog.mini"],
    );
    assert_eq!(stderr, "");
    assert_eq!(status, 0);
    assert_eq!(
        stdout,
        "mprof: Sampling memory every 0.02s\nrunning new process\nrunning as a Python program...\n"
    );
    let dats: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.starts_with("mprofile_") && n.ends_with(".dat"))
        .collect();
    assert_eq!(dats.len(), 1, "{dats:?}");
    let dat = &dats[0];
    assert_eq!(dat.len(), "mprofile_YYYYMMDDhhmmss.dat".len());
    let text = std::fs::read_to_string(dir.join(dat)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("CMDLINE ") && lines[0].ends_with(" prog.mini"),
        "{}",
        lines[0]
    );
    let mems: Vec<&&str> = lines.iter().filter(|l| l.starts_with("MEM ")).collect();
    assert!(mems.len() >= 10, "{} MEM lines", mems.len());
    for m in &mems {
        let f: Vec<&str> = m.split(' ').collect();
        assert_eq!(f.len(), 3, "{m}");
        assert_eq!(f[1].split('.').nth(1).map(str::len), Some(6), "{m}");
        assert_eq!(f[2].split('.').nth(1).map(str::len), Some(4), "{m}");
    }
    let funcs: Vec<&&str> = lines.iter().filter(|l| l.starts_with("FUNC ")).collect();
    assert_eq!(funcs.len(), 2, "{text}");
    for f in &funcs {
        let p: Vec<&str> = f.split(' ').collect();
        assert_eq!(p[1], "__main__.build");
        assert_eq!(p.len(), 7);
        assert_eq!(p[6], "0");
        let (t0, t1): (f64, f64) = (p[3].parse().unwrap(), p[5].parse().unwrap());
        assert!(t1 - t0 >= 0.15, "{f}");
    }

    let (stdout, _, _) = run_in(&dir, &["-m", "mprof", "list"]);
    assert!(stdout.starts_with(&format!("0 {dat} ")), "{stdout}");
    let (stdout, _, _) = run_in(&dir, &["-m", "mprof", "peak"]);
    assert!(
        stdout.starts_with(&format!("Using last profile data.\n{dat}\t")),
        "{stdout}"
    );
    assert!(stdout.trim_end().ends_with(" MiB"));

    let (stdout, stderr, status) = run_in(&dir, &["-m", "mprof", "plot", "-o", "chart.svg"]);
    assert_eq!((stderr.as_str(), status), ("", 0));
    assert!(stdout.contains("chart.svg"));
    let svg = std::fs::read_to_string(dir.join("chart.svg")).unwrap();
    assert!(svg.starts_with("<svg"));
    for needle in [
        "time (in seconds)",
        "memory used (in MiB)",
        "prog.mini",
        "build 0.",
        "start at",
    ] {
        assert!(svg.contains(needle), "svg lacks {needle}");
    }
    // Two calls: two pairs of brackets.
    assert_eq!(svg.matches("stroke-width=\"2.5\"/>").count(), 4 + 2);
    mini_profiler_svg_renders(&svg);

    let (_, _, status) = run_in(&dir, &["-m", "mprof", "clean"]);
    assert_eq!(status, 0);
    assert!(!dir.join(dat).exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The chart is valid SVG: the rasteriser the objgraph renderer uses
/// reads it.
fn mini_profiler_svg_renders(svg: &str) {
    let png = mini_profiler::graph::png::svg_to_png(svg).expect("the SVG parses");
    assert!(png.len() > 1000);
}
