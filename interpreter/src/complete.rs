//! Tab completion for the REPL, in the manner of CPython's `rlcompleter`:
//! a bare word completes to keywords, `__main__` globals and builtins; a
//! dotted name (`obj.attr`) evaluates the part before the last dot (only
//! when it is a plain dotted name, so completion never runs calls) and
//! completes to the object's attributes. Callables get a `(` appended.
//! Names starting with `_` are offered only when the prefix starts with `_`.

use crate::api::Interpreter;
use crate::object::dict::Dict;
use crate::object::module::Module;
use crate::object::str::str_of;
use crate::object::value::Value;

const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "break", "class", "continue", "def", "del",
    "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is",
    "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
];

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
}

impl Interpreter {
    /// Completions of `text` (the word before the cursor), sorted.
    pub fn complete(&mut self, text: &str) -> Vec<String> {
        let mut out = match text.rsplit_once('.') {
            Some((expr, attr)) => self.attr_matches(expr, attr),
            None => self.global_matches(text),
        };
        out.sort();
        out.dedup();
        out
    }

    fn global_matches(&mut self, text: &str) -> Vec<String> {
        let mut out: Vec<String> = KEYWORDS
            .iter()
            .filter(|k| k.starts_with(text))
            .map(|k| match *k {
                "finally" | "try" | "else" => format!("{k}:"),
                "False" | "None" | "True" | "break" | "continue" | "pass" => k.to_string(),
                _ => format!("{k} "),
            })
            .collect();
        let main = self.main_module();
        let globals = main.downcast::<Module>().map(|m| m.dict.clone());
        let builtins = self.vm().builtins.clone();
        for d in globals.iter().chain(std::iter::once(&builtins)) {
            let Some(dd) = d.downcast::<Dict>() else {
                continue;
            };
            for (k, v) in dd.items() {
                let Some(name) = k.as_obj().and_then(|o| str_of(o)).map(|s| s.to_string()) else {
                    continue;
                };
                if name.starts_with(text) && (text.starts_with('_') || !name.starts_with("__")) {
                    out.push(self.decorate(name, &v));
                }
            }
        }
        out
    }

    fn attr_matches(&mut self, expr: &str, attr: &str) -> Vec<String> {
        if !expr.split('.').all(is_ident) {
            return Vec::new();
        }
        let Ok(obj) = self.eval(expr) else {
            return Vec::new();
        };
        let Ok(names) = self.vm().dir_of(&obj) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for n in names {
            if !n.starts_with(attr) || (n.starts_with('_') && !attr.starts_with('_')) {
                continue;
            }
            let key = self.vm().intern(&n);
            let v = self
                .vm()
                .get_attr_opt(&obj, &key)
                .ok()
                .flatten()
                .unwrap_or(Value::None);
            out.push(format!("{expr}.{}", self.decorate(n, &v)));
        }
        out
    }

    fn decorate(&mut self, name: String, v: &Value) -> String {
        if crate::modules::builtins::is_callable(self.vm(), v) {
            format!("{name}(")
        } else {
            name
        }
    }
}
