//! Unit tests for the subtle parts of the engine and the parser, run
//! without a VM: empty-match advancement, sre's capture restoration, the
//! explicit backtrack stack on long subjects, interruption, nesting limits
//! and error positions.

use super::compiler::{compile, Program};
use super::engine::{Interrupted, Matcher};
use super::parser::parse;
use super::tokenizer::CompileError;

fn prog(p: &str) -> Result<Program, CompileError> {
    let (parsed, _warnings) = parse(p.chars().map(|c| c as u32).collect(), true, 0, 400);
    let parsed = parsed?;
    compile(
        &parsed.nodes,
        parsed.state.flags,
        parsed.state.groups(),
        &parsed.state.groupwidths,
    )
}

fn units(s: &str) -> Vec<u32> {
    s.chars().map(|c| c as u32).collect()
}

fn never() -> bool {
    false
}

/// (span, groups) of the leftmost match of `p` in `s`.
fn search(p: &str, s: &str) -> Option<((usize, usize), Vec<Option<(usize, usize)>>)> {
    let prog = prog(p).unwrap();
    let text = units(s);
    let mut m = Matcher::new();
    let span = m
        .search(&prog, &text[..], 0, text.len(), false, &mut never)
        .unwrap()?;
    let groups = (1..=prog.nmarks / 2)
        .map(|g| m.group_span(g).unwrap())
        .collect();
    Some((span, groups))
}

#[test]
fn empty_match_must_advance() {
    let p = prog("x*").unwrap();
    let text = units("axb");
    let mut m = Matcher::new();
    // At 0 the only match is empty; must_advance rejects it there and the
    // search moves on to the "x" at 1.
    assert_eq!(
        m.search(&p, &text[..], 0, 3, false, &mut never),
        Ok(Some((0, 0)))
    );
    assert_eq!(
        m.search(&p, &text[..], 0, 3, true, &mut never),
        Ok(Some((1, 2)))
    );
    // After the non-empty match ending at 2, an empty match at 2 is fine.
    assert_eq!(
        m.search(&p, &text[..], 2, 3, false, &mut never),
        Ok(Some((2, 2)))
    );
    // must_advance only forbids an empty match at the start position.
    let q = prog("a|").unwrap();
    let t = units("ba");
    assert_eq!(
        m.search(&q, &t[..], 0, 2, true, &mut never),
        Ok(Some((1, 2)))
    );
}

#[test]
fn zero_width_loops_terminate() {
    assert_eq!(search("(?:)*", "abc").unwrap().0, (0, 0));
    assert_eq!(
        search("(a*)*", "aab").unwrap(),
        ((0, 2), vec![Some((2, 2))])
    );
    assert_eq!(
        search("(a|)*b", "aab").unwrap(),
        ((0, 3), vec![Some((2, 2))])
    );
    assert_eq!(search("(?:a*?)*?b", "aab").unwrap().0, (0, 3));
    assert_eq!(search("(?:x*)*+y", "xxy").unwrap().0, (0, 3));
}

#[test]
fn last_iteration_wins_and_failed_branches_are_undone() {
    assert_eq!(search("(a|b)*", "ab").unwrap().1, vec![Some((1, 2))]);
    assert_eq!(search("(?:(a)|b)*", "ab").unwrap().1, vec![Some((0, 1))]);
    // Inside a repeat a failed alternative's marks are restored.
    assert_eq!(
        search("(?:(?:(a)X|a)(b)){2}", "abab").unwrap().1,
        vec![None, Some((3, 4))]
    );
    // Outside one only lastmark is restored (sre): group 3 keeps its
    // second-iteration value.
    let (_, g) = search("((?!(()a))()){2}+", "").unwrap();
    assert_eq!(g, vec![Some((0, 0)), None, Some((0, 0)), Some((0, 0))]);
    // A possessive iteration that fails restores its marks.
    assert_eq!(
        search(r"((\w)|(^))++", "a").unwrap().1,
        vec![Some((0, 1)), Some((0, 1)), None]
    );
}

#[test]
fn long_subjects_use_the_heap_stack() {
    let s = "ab".repeat(200_000) + "c";
    let (span, g) = search("(a|b)*c", &s).unwrap();
    assert_eq!(span, (0, s.len()));
    assert_eq!(g, vec![Some((s.len() - 2, s.len() - 1))]);
    assert_eq!(search("(?:a|b)*?c", &s).unwrap().0, (0, s.len()));
    let p = prog("(?:ab)+d").unwrap();
    let t = units(&s);
    let mut m = Matcher::new();
    assert_eq!(
        m.matches(&p, &t[..], 0, t.len(), false, &mut never),
        Ok(None)
    );
}

#[test]
fn interruption_stops_catastrophic_backtracking() {
    let p = prog("(a*)*b").unwrap();
    let text = units(&"a".repeat(40));
    let mut m = Matcher::new();
    let mut calls = 0;
    let mut check = || {
        calls += 1;
        calls > 3
    };
    assert_eq!(
        m.matches(&p, &text[..], 0, text.len(), false, &mut check),
        Err(Interrupted)
    );
}

#[test]
fn nesting_is_bounded() {
    let deep = "(".repeat(1000) + &")".repeat(1000);
    assert!(matches!(prog(&deep), Err(CompileError::Recursion)));
    let ok = "(?:".repeat(300) + "a" + &")".repeat(300);
    assert!(prog(&ok).is_ok());
}

#[test]
fn lookbehind_needs_fixed_width() {
    let e = prog("(?<=a+)b").unwrap_err();
    assert_eq!(
        e,
        CompileError::Re {
            msg: "look-behind requires fixed-width pattern".into(),
            pos: None
        }
    );
    assert_eq!(search("(?<=ab|cd)x", "cdx").unwrap().0, (2, 3));
    assert_eq!(search(r"(?<=(a))b", "ab").unwrap().1, vec![Some((0, 1))]);
}

#[test]
fn error_positions() {
    let cases = [
        ("(a", "missing ), unterminated subpattern", 0),
        ("a)", "unbalanced parenthesis", 1),
        ("a**", "multiple repeat", 2),
        ("x{3,2}", "min repeat greater than max repeat", 2),
        (r"\q", r"bad escape \q", 0),
        (
            "(?P<a>x)(?P<a>y)",
            "redefinition of group name 'a' as group 2; was group 1",
            12,
        ),
    ];
    for (p, msg, pos) in cases {
        assert_eq!(
            prog(p).unwrap_err(),
            CompileError::Re {
                msg: msg.into(),
                pos: Some(pos)
            },
            "{p}"
        );
    }
}

#[test]
fn case_folding_follows_sre() {
    let p = prog("(?i)[k]").unwrap();
    let mut m = Matcher::new();
    for c in ['k', 'K', '\u{212a}'] {
        let t = [c as u32];
        assert!(
            m.matches(&p, &t[..], 0, 1, false, &mut never)
                .unwrap()
                .is_some(),
            "{c}"
        );
    }
    // A class member beyond the BMP is not lowercased (sre quirk).
    let q = prog("(?i)[\u{10400}x]").unwrap();
    assert!(m
        .matches(&q, &[0x10400u32][..], 0, 1, false, &mut never)
        .unwrap()
        .is_none());
    assert_eq!(prog("(?i)a").unwrap().nmarks, 0);
}

#[test]
fn search_hints_do_not_change_results() {
    assert_eq!(search("(?>a+)b", "xaab").unwrap().0, (1, 4));
    assert_eq!(search("alpha|gamma|theta", "xx theta").unwrap().0, (3, 8));
    assert_eq!(search("(?=b)|x", "ab").unwrap().0, (1, 1));
    assert_eq!(
        search("needle", &("hay".repeat(1000) + "needle"))
            .unwrap()
            .0,
        (3000, 3006)
    );
    assert_eq!(search("ab", "aab").unwrap().0, (1, 3));
}

#[test]
fn bytes_and_wide_units_agree() {
    let p = prog(r"(\w+)@(\w+)").unwrap();
    let s = "mail: ann@home";
    let mut m = Matcher::new();
    let a = m
        .search(&p, s.as_bytes(), 0, s.len(), false, &mut never)
        .unwrap();
    let w = units(s);
    let b = m.search(&p, &w[..], 0, w.len(), false, &mut never).unwrap();
    assert_eq!(a, b);
    assert_eq!(a, Some((6, 14)));
}
