//! The interactive prompt: `>>> ` / `... ` prompts, multi-line input ended
//! by a blank line, expression values echoed through `sys.displayhook`,
//! tracebacks printed without leaving the loop, `SystemExit` and end of
//! input (Ctrl-D) leave it. rustyline gives line editing and history when
//! stdin is a terminal; otherwise lines are read plainly.

use std::io::{BufRead, Write};

use mini_interpreter::api::InputState;
use mini_interpreter::Interpreter;

enum Line {
    Text(String),
    Interrupted,
    Eof,
}

trait LineSource {
    fn read(&mut self, prompt: &str) -> Line;
    fn remember(&mut self, _entry: &str) {}
}

struct Editor(rustyline::DefaultEditor);

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
    }
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
    let mut source: Box<dyn LineSource> = if std::io::stdin().is_terminal() {
        match rustyline::DefaultEditor::new() {
            Ok(e) => Box::new(Editor(e)),
            Err(_) => Box::new(Plain),
        }
    } else {
        Box::new(Plain)
    };
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
