//! The three parse modes against CPython 3.11's `compile(src, name, mode)`:
//! `exec` (parse_module), `eval` (parse_expression, which also allows the
//! leading whitespace that builtin `eval` strips) and `single`
//! (parse_interactive, which returns an empty module for blank input so the
//! REPL can skip it).

use mini_syntax::{parse_expression, parse_interactive};

fn err(r: Result<impl std::fmt::Debug, mini_syntax::SyntaxError>) -> (String, usize, usize) {
    let e = r.expect_err("should fail");
    (e.msg, e.lineno, e.offset)
}

#[test]
fn single_mode() {
    assert_eq!(
        err(parse_interactive("x = 1\ny = 2\n", "<stdin>")),
        (
            "multiple statements found while compiling a single statement".into(),
            1,
            6
        )
    );
    assert_eq!(
        err(parse_interactive("if x:\n  pass\ny = 1\n", "<stdin>")),
        ("invalid syntax".into(), 3, 1)
    );
    assert_eq!(
        parse_interactive("x = 1; y = 2\n", "<stdin>")
            .unwrap()
            .body
            .len(),
        2
    );
    assert_eq!(
        parse_interactive("if x:\n  pass\nelse:\n  pass\n", "<stdin>")
            .unwrap()
            .body
            .len(),
        1
    );
    assert_eq!(
        parse_interactive("def f():\n  return 1\n", "<stdin>")
            .unwrap()
            .body
            .len(),
        1
    );
    assert_eq!(
        parse_interactive("x = 1\n\n", "<stdin>")
            .unwrap()
            .body
            .len(),
        1
    );
    assert_eq!(parse_interactive("# c\n", "<stdin>").unwrap().body.len(), 0);
    let e = parse_interactive("  x = 1\n", "<stdin>").unwrap_err();
    assert_eq!(
        (e.kind.name(), e.msg.as_str(), e.lineno, e.offset),
        ("IndentationError", "unexpected indent", 1, 2)
    );
}

#[test]
fn eval_mode() {
    assert_eq!(
        err(parse_expression("x = 1", "<string>")),
        ("invalid syntax".into(), 1, 3)
    );
    assert_eq!(
        err(parse_expression("1 2", "<string>")),
        ("invalid syntax".into(), 1, 3)
    );
    assert_eq!(
        err(parse_expression("1\n2", "<string>")),
        ("invalid syntax".into(), 2, 1)
    );
    assert_eq!(
        err(parse_expression("(1,\n2", "<string>")),
        ("'(' was never closed".into(), 1, 1)
    );
    assert_eq!(
        err(parse_expression("yield 1", "<string>")),
        ("invalid syntax".into(), 1, 1)
    );
    assert_eq!(
        err(parse_expression("*a", "<string>")),
        ("invalid syntax".into(), 1, 1)
    );
    assert_eq!(
        err(parse_expression("a, *b", "<string>")),
        ("invalid syntax".into(), 1, 4)
    );
    assert!(parse_expression("lambda: (yield)", "<string>").is_ok());
    assert!(parse_expression(" 1", "<string>").is_ok());
    assert!(parse_expression("a, b", "<string>").is_ok());
}
