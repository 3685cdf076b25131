//! The interactive prompt: `>>> ` / `... ` prompts, multi-line input ended
//! by a blank line, expression values echoed through `sys.displayhook` (and
//! kept in `_`), tracebacks printed without leaving the loop, `SystemExit`
//! and end of input (Ctrl-D) leave it. On a terminal rustyline gives line
//! editing, tab completion of names and attributes (`Interpreter::complete`)
//! and a history kept in `~/.mini_history`; otherwise lines are read plainly.

use std::io::{BufRead, Write};

use mini_interpreter::api::InputState;
use mini_interpreter::Interpreter;
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{Context, Editor as RlEditor, Helper};

/// rustyline's view of the interpreter for completion.
struct MiniHelper {
    /// The interpreter, used only while `readline` waits for input.
    interp: *mut Interpreter,
}

impl Completer for MiniHelper {
    type Candidate = Pair;
    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let start = before
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '.'))
            .map(|(i, c)| i + c.len_utf8())
            .unwrap_or(0);
        let word = &before[start..];
        if word.is_empty() {
            return Ok((pos, Vec::new()));
        }
        // SAFETY: the REPL loop owns the interpreter and calls `readline`
        // (which calls us) only while nothing else uses it; the pointer was
        // taken from that same `&mut Interpreter` and outlives the editor.
        let interp = unsafe { &mut *self.interp };
        let pairs = interp
            .complete(word)
            .into_iter()
            .map(|c| Pair {
                display: c.clone(),
                replacement: c,
            })
            .collect();
        Ok((start, pairs))
    }
}

impl Hinter for MiniHelper {
    type Hint = String;
}
impl Highlighter for MiniHelper {}
impl Validator for MiniHelper {}
impl Helper for MiniHelper {}

enum Line {
    Text(String),
    Interrupted,
    Eof,
}

trait LineSource {
    fn read(&mut self, prompt: &str) -> Line;
    fn remember(&mut self, _entry: &str) {}
}

struct Editor(
    RlEditor<MiniHelper, DefaultHistory>,
    Option<std::path::PathBuf>,
);

impl LineSource for Editor {
    fn read(&mut self, prompt: &str) -> Line {
        match self.0.readline(prompt) {
            Ok(l) => Line::Text(l),
            Err(rustyline::error::ReadlineError::Interrupted) => Line::Interrupted,
            Err(_) => Line::Eof,
        }
    }
    fn remember(&mut self, entry: &str) {
        let _ = self.0.add_history_entry(entry);
        if let Some(p) = &self.1 {
            let _ = self.0.append_history(p);
        }
    }
}

fn history_file() -> Option<std::path::PathBuf> {
    std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".mini_history"))
}

struct Plain;

impl LineSource for Plain {
    fn read(&mut self, prompt: &str) -> Line {
        eprint!("{prompt}");
        let _ = std::io::stderr().flush();
        let mut s = String::new();
        match std::io::stdin().lock().read_line(&mut s) {
            Ok(0) | Err(_) => Line::Eof,
            Ok(_) => Line::Text(s.trim_end_matches(['\n', '\r']).to_string()),
        }
    }
}

/// Runs the REPL until end of input or `SystemExit`; returns the exit status.
pub fn run(interp: &mut Interpreter, banner: bool) -> Option<i32> {
    use std::io::IsTerminal;
    if banner {
        eprintln!(
            "mini {} (Python 3.11 subset) on {}\nType \"help\", \"copyright\", \"credits\" or \"license\" for more information.",
            env!("CARGO_PKG_VERSION"),
            std::env::consts::OS
        );
    }
    let interp_ptr: *mut Interpreter = interp;
    let mut source: Box<dyn LineSource> = if std::io::stdin().is_terminal() {
        match RlEditor::<MiniHelper, DefaultHistory>::new() {
            Ok(mut e) => {
                e.set_helper(Some(MiniHelper { interp: interp_ptr }));
                let hist = history_file();
                if let Some(p) = &hist {
                    let _ = e.load_history(p);
                }
                Box::new(Editor(e, hist))
            }
            Err(_) => Box::new(Plain),
        }
    } else {
        Box::new(Plain)
    };
    // SAFETY: from here on the interpreter is reached only through this
    // pointer (the completer shares it while readline waits).
    let interp = unsafe { &mut *interp_ptr };
    let mut buf = String::new();
    loop {
        let prompt = if buf.is_empty() { ">>> " } else { "... " };
        match source.read(prompt) {
            Line::Eof => {
                eprintln!();
                return None;
            }
            Line::Interrupted => {
                buf.clear();
                eprintln!("\nKeyboardInterrupt");
                continue;
            }
            Line::Text(line) => {
                if buf.is_empty() && line.trim().is_empty() {
                    continue;
                }
                if !buf.is_empty() {
                    buf.push('\n');
                }
                buf.push_str(&line);
            }
        }
        if Interpreter::input_state(&buf) == InputState::Incomplete {
            continue;
        }
        source.remember(&buf);
        let src = std::mem::take(&mut buf) + "\n";
        if let Err(e) = interp.run_interactive(&src) {
            if interp.is_system_exit(&e) {
                return Some(interp.report_exit(e));
            }
            interp.print_error(&e);
        }
        interp.vm().flush_std_streams();
    }
}
