//! AST conformance: every `tests/ast/NAME.py|.mini` is parsed by mini and
//! dumped in CPython's `ast.dump` format; the result must equal `NAME.dump`,
//! written by `scripts/regen-ast-dumps` from CPython 3.11. Positions (line,
//! column, end) are compared too, against `NAME.posdump`.

mod common;

use std::path::Path;

fn corpus() -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ast");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/ast exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("py" | "mini")))
        .collect();
    entries.sort();
    entries
}

/// Files whose positions differ from CPython's in a known, documented way.
/// semicolons.py: CPython ends `def f(): return 1;` after the `;`.
const POSITION_EXCEPTIONS: &[&str] = &["semicolons.py"];

#[test]
fn positions_match_cpython() {
    let mut failures = Vec::new();
    let entries = corpus();
    for path in &entries {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if POSITION_EXCEPTIONS.contains(&name.as_str()) {
            continue;
        }
        let src = std::fs::read_to_string(path).expect("utf-8 source");
        let expected = std::fs::read_to_string(path.with_extension("posdump"))
            .unwrap_or_else(|_| panic!("missing posdump for {}", path.display()));
        let m = mini_syntax::parse_module(&src, &name).expect("corpus parses");
        let got = common::dump_module_with_positions(&m, &src);
        if got.trim_end() != expected.trim_end() {
            let at = got
                .chars()
                .zip(expected.chars())
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            let g: String = got.chars().skip(at.saturating_sub(120)).take(200).collect();
            let e: String = expected
                .chars()
                .skip(at.saturating_sub(120))
                .take(200)
                .collect();
            failures.push(format!("{name}:\n  mini:    {g}\n  cpython: {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} files differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn ast_dumps_match_cpython() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ast");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/ast exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("py" | "mini")))
        .collect();
    entries.sort();
    assert!(entries.len() >= 40, "corpus too small: {}", entries.len());
    let mut failures = Vec::new();
    for path in &entries {
        let src = std::fs::read_to_string(path).expect("utf-8 source");
        let expected = std::fs::read_to_string(path.with_extension("dump"))
            .unwrap_or_else(|_| panic!("missing dump for {}", path.display()));
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        match mini_syntax::parse_module(&src, &name) {
            Ok(m) => {
                let got = common::dump_module(&m);
                if got.trim_end() != expected.trim_end() {
                    let g: Vec<char> = got.chars().collect();
                    let e: Vec<char> = expected.trim_end().chars().collect();
                    let at = g
                        .iter()
                        .zip(e.iter())
                        .position(|(a, b)| a != b)
                        .unwrap_or(g.len().min(e.len()));
                    let lo = at.saturating_sub(80);
                    failures.push(format!(
                        "{name}: dump differs at char {at}\n  mini:    ...{}\n  cpython: ...{}",
                        g[lo..(at + 80).min(g.len())].iter().collect::<String>(),
                        e[lo..(at + 80).min(e.len())].iter().collect::<String>()
                    ));
                }
            }
            Err(e) => failures.push(format!("{name}: parse error {e:?}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} files differ:\n{}",
        failures.len(),
        entries.len(),
        failures.join("\n")
    );
}
