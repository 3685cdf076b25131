//! Robustness: the parser must return Ok or Err — never panic, hang or
//! overflow the stack — on random bytes, on mutated corpus files and on
//! pathological nesting (100,000 unary operators, chained attributes, calls,
//! binary operators, 10,000 brackets, huge literals).

use mini_syntax::{parse_expression, parse_interactive, parse_module};
use std::path::Path;

/// xorshift64*: a small deterministic PRNG.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Iterations scale with `MINI_FUZZ_SCALE` (default 1) for longer local runs.
fn iters(n: usize) -> usize {
    n * std::env::var("MINI_FUZZ_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
}

fn parse_all(src: &str) {
    let _ = parse_module(src, "f.py");
    let _ = parse_expression(src, "<string>");
    let _ = parse_interactive(src, "<stdin>");
}

/// Run `f` on a thread with a 2 MiB stack (the Rust test default), so a
/// recursion bug shows up as a crash here rather than passing on a big stack.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("parser thread panicked");
}

const PIECES: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    ";",
    "\n",
    "    ",
    "\t",
    " ",
    "=",
    "+",
    "-",
    "*",
    "**",
    "/",
    "//",
    "if ",
    "else",
    "elif ",
    "for ",
    "in ",
    "while ",
    "def ",
    "class ",
    "lambda",
    "return",
    "yield",
    "not ",
    "and ",
    "or ",
    "x",
    "y1",
    "1",
    "0x1f",
    "1.5e3",
    "2j",
    "'s'",
    "\"t\"",
    "f'{x}'",
    "f'{x!r:>{w}}'",
    "b'b'",
    "'''",
    "\"\"\"",
    "\\",
    "\\\n",
    "#c",
    "@",
    ".",
    "...",
    ":=",
    "->",
    "*",
    "import ",
    "from ",
    "try:",
    "except",
    "with ",
    "as ",
    "del ",
    "global ",
    "é",
    "€",
    "\u{a0}",
    "\r\n",
    "\0",
    "!",
    "$",
    "0777",
    "1_",
    "'\\x1'",
];

#[test]
fn random_bytes() {
    on_small_stack(|| {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..iters(3000) {
            let len = rng.below(120);
            let bytes: Vec<u8> = (0..len)
                .map(|_| match rng.below(4) {
                    0 => rng.next() as u8,
                    _ => {
                        let alphabet = b" \n\t()[]{}:,;=+-*/'\"\\#@.!x1fbr{}";
                        alphabet[rng.below(alphabet.len())]
                    }
                })
                .collect();
            let src = String::from_utf8_lossy(&bytes).into_owned();
            parse_all(&src);
            let _ = mini_syntax::decode_source(&bytes, "f.py");
        }
    });
}

#[test]
fn token_soup() {
    on_small_stack(|| {
        let mut rng = Rng(12345);
        for _ in 0..iters(3000) {
            let n = rng.below(40);
            let src: String = (0..n).map(|_| PIECES[rng.below(PIECES.len())]).collect();
            parse_all(&src);
        }
    });
}

#[test]
fn mutated_corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ast");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("corpus")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("py" | "mini")))
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    files.sort();
    on_small_stack(move || {
        let mut rng = Rng(777);
        for round in 0..iters(2500) {
            let base = &files[round % files.len()];
            let mut chars: Vec<char> = base.chars().collect();
            for _ in 0..1 + rng.below(4) {
                if chars.is_empty() {
                    break;
                }
                let at = rng.below(chars.len());
                match rng.below(5) {
                    0 => {
                        let len = rng.below(20).min(chars.len() - at);
                        chars.drain(at..at + len);
                    }
                    1 => {
                        let len = rng.below(40).min(chars.len() - at);
                        let dup: Vec<char> = chars[at..at + len].to_vec();
                        chars.splice(at..at, dup);
                    }
                    2 => chars.insert(at, ['(', '[', '{', ')', ']', '}'][rng.below(6)]),
                    3 => chars.insert(
                        at,
                        ['\n', ' ', '\t', '\\', '\'', '"', ':', '#'][rng.below(8)],
                    ),
                    _ => {
                        let p = PIECES[rng.below(PIECES.len())];
                        chars.splice(at..at, p.chars());
                    }
                }
            }
            let src: String = chars.into_iter().collect();
            parse_all(&src);
        }
    });
}

fn expect_err(src: String, msg: &'static str) {
    on_small_stack(move || {
        let e = parse_module(&src, "f.py").expect_err("should fail");
        assert_eq!(e.msg, msg);
    });
}

const DEEP: &str = "maximum recursion depth exceeded during compilation";

#[test]
fn deep_unary() {
    expect_err(format!("{}1\n", "-".repeat(100_000)), DEEP);
    expect_err(format!("{}x\n", "not ".repeat(100_000)), DEEP);
    expect_err(format!("{}x\n", "~+".repeat(50_000)), DEEP);
}

#[test]
fn deep_chains() {
    expect_err(format!("a{}\n", ".b".repeat(100_000)), DEEP);
    expect_err(format!("{}\n", vec!["1"; 100_000].join("+")), DEEP);
    expect_err(format!("f{}\n", "()".repeat(100_000)), DEEP);
    expect_err(format!("a{}\n", "[0]".repeat(100_000)), DEEP);
    expect_err(format!("{}\n", vec!["2"; 100_000].join("**")), DEEP);
    expect_err(format!("{}1\n", "lambda: ".repeat(100_000)), DEEP);
    expect_err(format!("{}1\n", "x if y else ".repeat(100_000)), DEEP);
    expect_err(
        format!("if x: pass\n{}", "elif x: pass\n".repeat(10_000)),
        DEEP,
    );
}

#[test]
fn deep_boundary_matches_cpython() {
    // CPython 3.11 compiles 2989 unary minus signs and refuses 2990.
    on_small_stack(|| {
        assert!(parse_module(&format!("{}1\n", "-".repeat(2989)), "f.py").is_ok());
        let e = parse_module(&format!("{}1\n", "-".repeat(2990)), "f.py").unwrap_err();
        assert!(e.is_recursion_error());
    });
}

#[test]
fn deep_brackets() {
    expect_err("(".repeat(10_000), "too many nested parentheses");
    expect_err(
        format!("x = {}", "[".repeat(10_000)),
        "too many nested parentheses",
    );
    on_small_stack(|| {
        let src = format!("x = {}1{}\n", "(".repeat(200), ")".repeat(200));
        assert!(parse_module(&src, "f.py").is_ok());
        let src = format!("x = {}{}\n", "[".repeat(200), "]".repeat(200));
        assert!(parse_module(&src, "f.py").is_ok());
    });
}

#[test]
fn long_flat_inputs() {
    on_small_stack(|| {
        let src = format!("x = [{}]\n", vec!["1"; 100_000].join(", "));
        assert!(parse_module(&src, "f.py").is_ok());
        let src = "x = 1\n".repeat(50_000);
        assert_eq!(parse_module(&src, "f.py").unwrap().body.len(), 50_000);
        let src = format!("x = {}\n", vec!["a"; 50_000].join(" < "));
        assert!(parse_module(&src, "f.py").is_ok());
        let src = format!("x = {}\n", vec!["a"; 50_000].join(" and "));
        assert!(parse_module(&src, "f.py").is_ok());
    });
}

#[test]
fn huge_literals() {
    on_small_stack(|| {
        let big = format!("x = 0x{}\n", "f".repeat(100_000));
        assert!(parse_module(&big, "f.py").is_ok());
        let e = parse_module(&format!("x = {}\n", "9".repeat(100_000)), "f.py").unwrap_err();
        assert!(e.msg.starts_with("Exceeds the limit (4300 digits)"));
        let s = format!("x = '{}'\n", "a".repeat(1_000_000));
        assert!(parse_module(&s, "f.py").is_ok());
        let f = format!("x = f'{}'\n", "{a}".repeat(20_000));
        assert!(parse_module(&f, "f.py").is_ok());
        let fl = format!("x = {}.5e3\n", "1".repeat(10_000));
        assert!(parse_module(&fl, "f.py").is_ok());
    });
}

#[test]
fn deep_fstrings() {
    on_small_stack(|| {
        let src = "x = f\"\"\"{f'''{f\"{f'{1}'}\"}'''}\"\"\"\n";
        assert!(parse_module(src, "f.py").is_ok());
        let src = format!("x = f'{{{}1{}}}'\n", "(".repeat(150), ")".repeat(150));
        assert!(parse_module(&src, "f.py").is_ok());
        let src = format!("x = f'{{{}1}}'\n", "-".repeat(100_000));
        assert!(parse_module(&src, "f.py").is_err());
    });
}
