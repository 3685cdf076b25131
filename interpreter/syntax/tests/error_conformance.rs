//! Error conformance: every `tests/errors/NAME.py` must fail to parse with the
//! exception class, message, line and offset that CPython 3.11's
//! `compile(src, 'f.py', 'exec')` reports (recorded in `expected.tsv` by
//! `scripts/regen-ast-dumps`).

use std::path::Path;

fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(o) => out.push(o),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn errors_match_cpython() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/errors");
    let expected = std::fs::read_to_string(dir.join("expected.tsv")).expect("expected.tsv");
    let mut failures = Vec::new();
    let mut n = 0;
    for line in expected.lines().filter(|l| !l.is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 5, "bad line {line:?}");
        n += 1;
        let src = std::fs::read_to_string(dir.join(f[0])).expect("case source");
        let want = (
            f[1].to_string(),
            unescape(f[2]),
            f[3].to_string(),
            f[4].to_string(),
        );
        match mini_syntax::parse_module(&src, "f.py") {
            Ok(_) => failures.push(format!("{}: parsed without error; want {want:?}", f[0])),
            Err(e) => {
                let got = (
                    e.kind.name().to_string(),
                    e.msg.clone(),
                    e.lineno.to_string(),
                    e.offset.to_string(),
                );
                if got != want {
                    failures.push(format!(
                        "{}:\n  mini:    {got:?}\n  cpython: {want:?}",
                        f[0]
                    ));
                }
            }
        }
    }
    assert!(n >= 60, "error corpus too small: {n}");
    assert!(
        failures.is_empty(),
        "{} of {n} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
