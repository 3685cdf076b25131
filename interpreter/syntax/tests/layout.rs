//! Layout behaviour seen through the public API: blank and comment lines in
//! blocks, tabs (TabError), continuation lines, brackets spanning lines, EOF
//! without a trailing newline, CRLF line endings, and the REPL's
//! "incomplete input" flag.

use mini_syntax::ast::StmtKind;
use mini_syntax::{parse_interactive, parse_module, SyntaxErrorKind};

fn body_len(src: &str) -> usize {
    parse_module(src, "f.py").expect("parses").body.len()
}

#[test]
fn blank_and_comment_lines_inside_blocks() {
    let src = "if x:\n    a = 1\n\n# at column 0\n        # deeper\n    b = 2\n\n\nc = 3\n";
    let m = parse_module(src, "f.py").unwrap();
    assert_eq!(m.body.len(), 2);
    match &m.body[0].kind {
        StmtKind::If { body, .. } => assert_eq!(body.len(), 2),
        other => panic!("{other:?}"),
    }
}

#[test]
fn tabs() {
    assert_eq!(body_len("if x:\n\ta\n\tif y:\n\t\tb\nc\n"), 2);
    let e = parse_module("if x:\n\ta\n        b\n", "f.py").unwrap_err();
    assert_eq!(e.kind, SyntaxErrorKind::TabError);
    assert_eq!(e.msg, "inconsistent use of tabs and spaces in indentation");
    // A tab after 8 spaces' worth of indentation is consistent in both columns.
    assert_eq!(body_len("if x:\n        \ta\n        \tb\n"), 1);
    let e = parse_module("if x:\n    \ta\n\t    b\n", "f.py").unwrap_err();
    assert_eq!(e.kind, SyntaxErrorKind::TabError);
}

#[test]
fn continuation_lines() {
    assert_eq!(body_len("x = 1 + \\\n    2\ny = 3\n"), 2);
    assert_eq!(body_len("if a and \\\n   b:\n    pass\n"), 1);
    let e = parse_module("x = 1 \\\n", "f.py").unwrap_err();
    assert_eq!(e.msg, "unexpected EOF while parsing");
}

#[test]
fn brackets_span_lines() {
    assert_eq!(
        body_len("x = [\n  1,\n\n    2,\n# c\n]\ny = (1 +\n 2)\n"),
        2
    );
    assert_eq!(body_len("f(a,\n  b)\n"), 1);
}

#[test]
fn eof_without_newline() {
    assert_eq!(body_len("x = 1"), 1);
    assert_eq!(body_len("if x:\n    y = 1"), 1);
    assert_eq!(body_len("def f():\n    if x:\n        return 1"), 1);
    assert_eq!(body_len(""), 0);
    assert_eq!(body_len("# only a comment"), 0);
    assert_eq!(body_len("\n\n   \n"), 0);
}

#[test]
fn crlf_and_cr() {
    assert_eq!(body_len("x = 1\r\nif x:\r\n    y = 2\r\nz = 3\r\n"), 3);
    assert_eq!(body_len("x = 1\ry = 2\r"), 2);
    let m = parse_module("s = '''a\r\nb'''\r\n", "f.py").unwrap();
    match &m.body[0].kind {
        StmtKind::Assign { value, .. } => assert!(format!("{value:?}").contains("\"a\\nb\"")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn incomplete_input_for_the_repl() {
    for src in [
        "if x:\n",
        "x = (1,\n",
        "s = '''abc\n",
        "def f():\n    if y:\n",
        "x = 1 + \\\n",
        "@dec\n",
    ] {
        let e = parse_interactive(src, "<stdin>").unwrap_err();
        assert!(e.incomplete, "{src:?} should be incomplete: {e:?}");
    }
    for src in ["x = 1 +\n", "x = )\n", "'abc\n", "1 = 2\n"] {
        let e = parse_interactive(src, "<stdin>").unwrap_err();
        assert!(!e.incomplete, "{src:?} should be complete: {e:?}");
    }
    assert_eq!(
        parse_interactive("if x:\n    y = 1\n", "<stdin>")
            .unwrap()
            .body
            .len(),
        1
    );
    assert_eq!(
        parse_interactive("x = 1; y = 2\n", "<stdin>")
            .unwrap()
            .body
            .len(),
        2
    );
    assert_eq!(parse_interactive("", "<stdin>").unwrap().body.len(), 0);
}

#[test]
fn expressions_allow_surrounding_whitespace() {
    assert!(mini_syntax::parse_expression("  1 + 2  \n\n", "<string>").is_ok());
    assert!(mini_syntax::parse_expression("\n  x\n", "<string>").is_ok());
    assert!(mini_syntax::parse_expression("(1 +\n 2)", "<string>").is_ok());
    assert!(mini_syntax::parse_expression("x = 1", "<string>").is_err());
    assert!(mini_syntax::parse_expression("1\n2", "<string>").is_err());
}
