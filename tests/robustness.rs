//! Bad input never crashes mini: random bytes, deep nesting, huge literals
//! and runaway recursion give a Python error (SyntaxError, RecursionError,
//! MemoryError...) and a normal exit status, never a Rust panic, a signal or
//! a hang. Inputs are generated here from a fixed seed, so failures replay.

mod support;

use std::path::PathBuf;
use std::time::Duration;

fn mini() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mini"))
}

/// Runs `src` as a program; returns (status, stdout, stderr).
fn run(name: &str, src: &[u8]) -> (i32, String, String) {
    let dir = std::env::temp_dir().join(format!("mini-robust-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{name}.mini"));
    std::fs::write(&file, src).unwrap();
    let out = support::run_program(
        &mini(),
        &dir,
        file.file_name().unwrap().to_str().unwrap(),
        Vec::new(),
        Duration::from_secs(30),
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    let _ = std::fs::remove_file(&file);
    let status = out
        .status
        .unwrap_or_else(|e| panic!("{name}: {e}\nstderr: {}", out.stderr));
    assert!(
        !out.stderr.contains("panicked"),
        "{name}: Rust panic\n{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("stack overflow"),
        "{name}: stack overflow\n{}",
        out.stderr
    );
    (status, out.stdout, out.stderr)
}

fn last_line(s: &str) -> &str {
    s.lines().last().unwrap_or("")
}

/// A small deterministic generator (xorshift) for the fuzz inputs.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn random_bytes_and_token_soup() {
    const PIECES: &[&str] = &[
        "(", ")", "[", "]", "{", "}", ":", "\n", "    ", "\t", "def ", "class ", "if ", "else",
        "lambda", "x", "1", "2.5e", "'", "\"", "\"\"\"", "f'{", "}'", "\\", "#", "=", "==", ":=",
        "*", "**", ",", ".", "@", "yield", "return", "async", "0x", "1_000", "é", "\u{0}", "\r",
        "not", "in", "is", "->", "...", "b'", "r'", "try:", "except", "finally",
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for case in 0..150 {
        let mut src = Vec::new();
        if case % 3 == 0 {
            for _ in 0..rng.below(200) {
                src.push(rng.below(256) as u8);
            }
        } else {
            for _ in 0..rng.below(60) {
                src.extend_from_slice(PIECES[rng.below(PIECES.len())].as_bytes());
            }
        }
        let (status, _, stderr) = run(&format!("fuzz{case}"), &src);
        // Either it ran (a few soups are valid programs) or it reported a
        // Python error: never anything else.
        assert!(
            status == 0 || status == 1,
            "fuzz{case}: status {status}\n{stderr}"
        );
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let brackets = format!("x = {}1{}\n", "(".repeat(10_000), ")".repeat(10_000));
    let (status, _, err) = run("deep_parens", brackets.as_bytes());
    assert_eq!(status, 1);
    assert!(
        last_line(&err).starts_with("SyntaxError: too many nested parentheses"),
        "{err}"
    );

    let lists = format!("x = {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let (status, _, err) = run("deep_lists", lists.as_bytes());
    assert_eq!(status, 1);
    assert!(last_line(&err).starts_with("SyntaxError"), "{err}");

    let minus = format!("x = {}1\n", "-".repeat(100_000));
    let (status, _, err) = run("deep_unary", minus.as_bytes());
    assert_eq!(status, 1);
    assert!(
        last_line(&err).contains("RecursionError") || last_line(&err).contains("SyntaxError"),
        "{err}"
    );

    let mut blocks = String::new();
    for i in 0..120 {
        blocks.push_str(&" ".repeat(i));
        blocks.push_str("if True:\n");
    }
    blocks.push_str(&" ".repeat(120));
    blocks.push_str("pass\n");
    let (status, _, err) = run("deep_blocks", blocks.as_bytes());
    assert_eq!(status, 1);
    assert!(
        last_line(&err).contains("IndentationError: too many levels of indentation"),
        "{err}"
    );
}

#[test]
fn huge_literals() {
    let digits = format!(
        "x = {}\nprint(len(str(x)) if x < 0 else 'big')\n",
        "7".repeat(100_000)
    );
    let (status, _, err) = run("huge_int", digits.as_bytes());
    // CPython refuses integer literals beyond 4300 digits at compile time.
    assert_eq!(status, 1);
    assert!(err.contains("Exceeds the limit"), "{err}");

    let s = format!("s = '{}'\nprint(len(s))\n", "a".repeat(1_000_000));
    let (status, out, _) = run("huge_str", s.as_bytes());
    assert_eq!((status, out.trim()), (0, "1000000"));

    let (status, out, err) = run(
        "huge_exp",
        b"x = 1e999999\nprint(x, 10 ** 10000 > 0, 2 ** 100000 % 7)\n",
    );
    assert_eq!(status, 0, "{err}");
    assert_eq!(out.trim(), "inf True 2");
}

#[test]
fn runaway_recursion_raises_recursion_error() {
    let programs: &[(&str, &str)] = &[
        ("plain", "def f(n):\n    return f(n + 1)\nf(0)\n"),
        ("repr", "class A:\n    def __repr__(self):\n        return repr(self)\nrepr(A())\n"),
        ("getattr", "class A:\n    def __getattr__(self, n):\n        return getattr(self, n)\nA().x\n"),
        ("init", "class A:\n    def __init__(self):\n        A()\nA()\n"),
        ("key", "def k(x):\n    return sorted([1, 2], key=k)\nk(0)\n"),
        ("generator", "def g():\n    yield from g()\nlist(g())\n"),
        ("str_of_list", "x = []\ny = x\nfor _ in range(100000):\n    y.append([])\n    y = y[0]\nprint(len(str(x)))\n"),
        ("eq", "class A:\n    def __eq__(self, o):\n        return self == o\nA() == A()\n"),
    ];
    for (name, src) in programs {
        let (status, _, err) = run(&format!("rec_{name}"), src.as_bytes());
        assert_eq!(status, 1, "{name}: {err}");
        assert!(
            last_line(&err).starts_with("RecursionError: maximum recursion depth exceeded"),
            "{name}: {err}"
        );
    }
    // The limit is adjustable and the program goes on after catching it.
    let src = "import sys\nsys.setrecursionlimit(50000)\ndef f(n):\n    return n if n == 0 else 1 + f(n - 1)\nprint(f(40000))\ntry:\n    f(10 ** 6)\nexcept RecursionError:\n    print('caught')\n";
    let (status, out, err) = run("rec_limit", src.as_bytes());
    assert_eq!(status, 0, "{err}");
    assert_eq!(out, "40000\ncaught\n");
}

#[test]
fn deep_structures_are_freed_without_overflow() {
    let src = "x = None\nfor i in range(1000000):\n    x = [x]\ndel x\nd = {}\nfor i in range(300000):\n    d = {'k': d}\nd = None\nprint('ok')\n";
    let (status, out, err) = run("deep_free", src.as_bytes());
    assert_eq!(status, 0, "{err}");
    assert_eq!(out, "ok\n");
}
