//! The compiler: AST → code objects. `symtable.rs` decides where each name
//! lives, `codegen/` emits instructions (`opcode.rs`) into code objects
//! (`code.rs`) with a position per instruction (`linetable.rs`);
//! `disasm.rs` prints them for `mini --dis`.

pub mod code;
pub mod codegen;
pub mod disasm;
pub mod linetable;
pub mod opcode;
pub mod symtable;

pub use codegen::Mode;

use mini_syntax::ast;
use mini_syntax::{LineIndex, SyntaxError};

use crate::object::rc::ObjRef;
use crate::object::value::Value;
use crate::vm::{PyErr, PyResult, Vm};

impl Vm {
    /// Parses and compiles source text into a code object; syntax errors
    /// become SyntaxError (or IndentationError, TabError, RecursionError).
    pub fn compile_source(&mut self, src: &str, filename: &str, mode: Mode) -> PyResult<ObjRef> {
        let parsed = match mode {
            Mode::Exec => mini_syntax::parse_module(src, filename),
            Mode::Single => mini_syntax::parse_interactive(src, filename),
            Mode::Eval => mini_syntax::parse_expression(src, filename).map(|e| {
                let span = e.span;
                ast::Module {
                    body: vec![ast::Stmt {
                        kind: ast::StmtKind::Expr(e),
                        span,
                    }],
                }
            }),
        };
        let module = match parsed {
            Ok(m) => m,
            Err(e) => return Err(self.syntax_error_from(&e)),
        };
        match codegen::compile_module(self, &module, src, filename, mode) {
            Ok(c) => Ok(c),
            Err(ce) => {
                if ce.recursion {
                    return Err(self.recursion_error(ce.msg));
                }
                let index = LineIndex::new(src);
                let p = index.position(ce.span.start as usize);
                let q = index.position(ce.span.end as usize);
                let (line, col, eline, ecol) = (p.line, p.col_chars, q.line, q.col_chars);
                // As CPython, an error found after parsing (symtable,
                // codegen) takes its text from the file the code names,
                // so code compiled from a string ("<string>", "<stdin>",
                // timeit's "<timeit-src>") has none.
                let text = line_of_file(filename, line);
                let se = SyntaxError {
                    kind: mini_syntax::SyntaxErrorKind::SyntaxError,
                    msg: ce.msg,
                    filename: filename.to_string(),
                    lineno: line,
                    offset: col + 1,
                    end_lineno: eline,
                    end_offset: ecol + 1,
                    text,
                    incomplete: false,
                };
                Err(self.syntax_error_from(&se))
            }
        }
    }

    /// The Python exception for a parse error.
    pub fn syntax_error_from(&mut self, e: &SyntaxError) -> PyErr {
        if e.is_recursion_error() {
            return self.recursion_error(e.msg.clone());
        }
        let cls = match e.kind {
            mini_syntax::SyntaxErrorKind::SyntaxError => self.types.exc.syntax_error.clone(),
            mini_syntax::SyntaxErrorKind::IndentationError => {
                self.types.exc.indentation_error.clone()
            }
            mini_syntax::SyntaxErrorKind::TabError => self.types.exc.tab_error.clone(),
        };
        let msg = self.str_val(&e.msg);
        let fname = self.str_val(&e.filename);
        let text = match &e.text {
            Some(t) => self.str_val(&format!("{t}\n")),
            None => Value::None,
        };
        let details = self.new_tuple(vec![
            fname,
            Value::Int(e.lineno as i64),
            Value::Int(e.offset as i64),
            text,
            Value::Int(e.end_lineno as i64),
            Value::Int(e.end_offset as i64),
        ]);
        PyErr {
            exc: self.new_exception(&cls, vec![msg, Value::Obj(details)]),
        }
    }
}

/// Line `lineno` (1-based) of the file `filename`, without its line end, or
/// None when there is no such file or line (CPython's
/// `PyErr_ProgramTextObject`).
fn line_of_file(filename: &str, lineno: usize) -> Option<String> {
    if lineno == 0 {
        return None;
    }
    let bytes = std::fs::read(filename).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let line = text.split_inclusive('\n').nth(lineno - 1)?;
    Some(line.trim_end_matches(['\n', '\r']).to_string())
}
