//! Formatting exceptions as CPython 3.11 prints them: the chained causes and
//! contexts, `Traceback (most recent call last):`, one `File ..., line N, in
//! name` entry per frame with its source line and the `~~~^^^` markers,
//! collapsed repeats, SyntaxError's caret display, and the "Did you mean"
//! suggestions for NameError and AttributeError.

use crate::compile::code::Code;
use crate::compile::linetable::NO_COL;
use crate::object::kind::Kind;
use crate::object::rc::ObjRef;
use crate::object::str::str_of;
use crate::object::typeobj::TypeObj;
use crate::object::value::Value;
use crate::vm::frameobj::{FrameObj, Traceback};
use crate::vm::unwind::exc_base;
use crate::vm::Vm;

const RECURSIVE_CUTOFF: usize = 3;

impl Vm {
    /// The full text CPython prints for an uncaught exception.
    pub fn format_exception(&mut self, exc: &ObjRef) -> String {
        let mut out = String::new();
        let mut seen: Vec<ObjRef> = Vec::new();
        self.format_chain(exc, &mut out, &mut seen);
        out
    }

    fn format_chain(&mut self, exc: &ObjRef, out: &mut String, seen: &mut Vec<ObjRef>) {
        seen.push(exc.clone());
        if let Some(e) = exc_base(exc) {
            let cause = e.cause.borrow().clone();
            let context = e.context.borrow().clone();
            let suppress = e.suppress_context.get();
            if let Value::Obj(c) = &cause {
                if !seen.iter().any(|s| s.is(c)) {
                    self.format_chain(c, out, seen);
                    out.push_str("\nThe above exception was the direct cause of the following exception:\n\n");
                }
            } else if let Value::Obj(c) = &context {
                if !suppress && !seen.iter().any(|s| s.is(c)) {
                    self.format_chain(c, out, seen);
                    out.push_str(
                        "\nDuring handling of the above exception, another exception occurred:\n\n",
                    );
                }
            }
        }
        self.format_one(exc, out);
    }

    fn format_one(&mut self, exc: &ObjRef, out: &mut String) {
        let tb = exc_base(exc)
            .map(|e| e.traceback.borrow().clone())
            .unwrap_or(Value::None);
        if let Value::Obj(t) = &tb {
            out.push_str("Traceback (most recent call last):\n");
            self.format_tb(t, out);
        }
        let syntax = self.types.exc.syntax_error.clone();
        if self.isinstance(&Value::Obj(exc.clone()), &syntax) {
            self.format_syntax_error_location(exc, out);
        }
        out.push_str(&self.exception_only(exc));
    }

    /// The `Type: message` line (with a suggestion when CPython offers one).
    pub fn exception_only(&mut self, exc: &ObjRef) -> String {
        let cls = exc.class();
        let tp = cls.downcast::<TypeObj>().unwrap();
        let module = self.class_module_name(&cls);
        let qual = tp.qualname.borrow().clone();
        let mut name = if module == "builtins" || module == "__main__" || module.is_empty() {
            qual
        } else {
            format!("{module}.{qual}")
        };
        let syntax = self.types.exc.syntax_error.clone();
        let msg = if self.isinstance(&Value::Obj(exc.clone()), &syntax) {
            self.exc_attr_str(exc, "msg").unwrap_or_default()
        } else {
            match self.to_str(&Value::Obj(exc.clone())) {
                Ok(s) => s,
                Err(_) => "<exception str() failed>".to_string(),
            }
        };
        let suggestion = self.offer_suggestion(exc);
        if !msg.is_empty() {
            name.push_str(": ");
            name.push_str(&msg);
        }
        if let Some(s) = suggestion {
            name.push_str(&format!(". Did you mean: '{s}'?"));
        }
        name.push('\n');
        name
    }

    pub(crate) fn class_module_name(&mut self, cls: &ObjRef) -> String {
        let tp = cls.downcast::<TypeObj>().unwrap();
        if !tp.has(crate::object::typeobj::TF_HEAP) {
            return tp.module_name.borrow().clone();
        }
        let m = tp
            .dict
            .downcast::<crate::object::dict::Dict>()
            .and_then(|d| d.get_str(&self.names.module));
        match m {
            Some(Value::Obj(s)) => str_of(&s).unwrap_or("").to_string(),
            _ => String::new(),
        }
    }

    fn exc_attr(&mut self, exc: &ObjRef, name: &str) -> Option<Value> {
        let n = self.intern(name);
        self.get_attr(&Value::Obj(exc.clone()), &n).ok()
    }

    fn exc_attr_str(&mut self, exc: &ObjRef, name: &str) -> Option<String> {
        match self.exc_attr(exc, name)? {
            Value::Obj(o) => str_of(&o).map(|s| s.to_string()),
            Value::None => None,
            v => self.to_str(&v).ok(),
        }
    }

    fn format_tb(&mut self, tb: &ObjRef, out: &mut String) {
        let mut entries: Vec<(ObjRef, usize, u32)> = Vec::new();
        let mut cur = Some(tb.clone());
        while let Some(t) = cur {
            let Some(tbo) = t.downcast::<Traceback>() else {
                break;
            };
            entries.push((tbo.frame.clone(), tbo.lasti, tbo.lineno));
            cur = tbo.next.as_obj().cloned();
        }
        let limit = 1000usize;
        let skip = entries.len().saturating_sub(limit);
        let mut last: Option<(String, u32, String)> = None;
        let mut cnt = 0usize;
        for (frame, lasti, lineno) in entries.into_iter().skip(skip) {
            let fo = frame.downcast::<FrameObj>().unwrap();
            let code = fo.code.downcast::<Code>().unwrap();
            let filename = str_of(&code.filename).unwrap_or("?").to_string();
            let name = str_of(&code.name).unwrap_or("?").to_string();
            let key = (filename.clone(), lineno, name.clone());
            if last.as_ref() != Some(&key) {
                if cnt > RECURSIVE_CUTOFF {
                    repeated(out, cnt);
                }
                last = Some(key);
                cnt = 0;
            }
            cnt += 1;
            if cnt <= RECURSIVE_CUTOFF {
                out.push_str(&format!(
                    "  File \"{filename}\", line {lineno}, in {name}\n"
                ));
                let pos = code.positions.get(lasti).copied();
                self.format_source_line(&filename, lineno, pos, out);
            }
        }
        if cnt > RECURSIVE_CUTOFF {
            repeated(out, cnt);
        }
    }

    /// The source line of a traceback entry and its position markers.
    fn format_source_line(
        &mut self,
        filename: &str,
        lineno: u32,
        pos: Option<crate::compile::linetable::Position>,
        out: &mut String,
    ) {
        if self.modules_removed {
            return;
        }
        let Some(line) = self.source_line(filename, lineno as usize) else {
            return;
        };
        let stripped = line
            .trim_matches(|c: char| c == ' ' || c == '\t' || c == '\x0c' || c == '\n' || c == '\r');
        if stripped.is_empty() {
            return;
        }
        out.push_str("    ");
        out.push_str(stripped);
        out.push('\n');
        let Some(p) = pos else {
            return;
        };
        if p.col == NO_COL || p.end_col == NO_COL || p.line != lineno {
            return;
        }
        let lstripped_len = line.trim_start().chars().count();
        let stripped_chars = line.chars().count() - lstripped_len;
        let start = byte_to_char(&line, p.col as usize);
        let mut end = byte_to_char(&line, p.end_col as usize);
        let mut anchors = None;
        if p.line == p.end_line {
            let seg: String = line
                .chars()
                .skip(start)
                .take(end.saturating_sub(start))
                .collect();
            anchors = caret_anchors(&seg);
        } else {
            end = line.trim_end().chars().count();
        }
        let stripped_len = stripped.chars().count();
        let show = end.saturating_sub(start) < stripped_len
            || anchors.is_some_and(|(l, r): (usize, usize)| r > l);
        if !show {
            return;
        }
        out.push_str("    ");
        out.push_str(&" ".repeat(start.saturating_sub(stripped_chars)));
        match anchors {
            Some((l, r)) => {
                out.push_str(&"~".repeat(l));
                out.push_str(&"^".repeat(r.saturating_sub(l)));
                out.push_str(&"~".repeat(end.saturating_sub(start).saturating_sub(r)));
            }
            None => out.push_str(&"^".repeat(end.saturating_sub(start))),
        }
        out.push('\n');
    }

    /// SyntaxError's `File "f", line N` block with the text and carets.
    fn format_syntax_error_location(&mut self, exc: &ObjRef, out: &mut String) {
        let filename = self
            .exc_attr_str(exc, "filename")
            .unwrap_or_else(|| "<string>".to_string());
        let lineno = match self.exc_attr(exc, "lineno") {
            Some(Value::Int(i)) => i,
            _ => return,
        };
        out.push_str(&format!("  File \"{filename}\", line {lineno}\n"));
        let Some(text) = self.exc_attr_str(exc, "text") else {
            return;
        };
        let offset = match self.exc_attr(exc, "offset") {
            Some(Value::Int(i)) => i,
            _ => 0,
        };
        let mut end_offset = match self.exc_attr(exc, "end_offset") {
            Some(Value::Int(i)) => i,
            _ => 0,
        };
        let end_lineno = match self.exc_attr(exc, "end_lineno") {
            Some(Value::Int(i)) => i,
            _ => lineno,
        };
        let line_size = text.chars().count() as i64;
        if end_lineno > lineno {
            end_offset = line_size;
        }
        if end_offset > line_size + 1 {
            end_offset = line_size + 1;
        }
        print_error_text(out, offset, end_offset, &text);
    }

    /// CPython's `_Py_Offer_Suggestions` for NameError and AttributeError.
    fn offer_suggestion(&mut self, exc: &ObjRef) -> Option<String> {
        let v = Value::Obj(exc.clone());
        let name_error = self.types.exc.name_error.clone();
        let attr_error = self.types.exc.attribute_error.clone();
        if self.isinstance(&v, &attr_error) {
            let name = self.exc_own_attr(exc, "name")?;
            let obj = self.exc_own_attr(exc, "obj")?;
            let name = str_of(name.as_obj()?)?.to_string();
            let dir = self.dir_of(&obj).ok()?;
            return calculate_suggestion(&dir, &name);
        }
        if self.isinstance(&v, &name_error) {
            let name = self.exc_own_attr(exc, "name")?;
            let name = str_of(name.as_obj()?)?.to_string();
            let mut tb = exc_base(exc)?.traceback.borrow().as_obj()?.clone();
            loop {
                let next = tb.downcast::<Traceback>()?.next.as_obj().cloned();
                match next {
                    Some(n) => tb = n,
                    None => break,
                }
            }
            let frame = tb.downcast::<Traceback>()?.frame.clone();
            let fo = frame.downcast::<FrameObj>()?;
            let code = fo.code.downcast::<Code>()?;
            let varnames: Vec<String> = code
                .varnames
                .iter()
                .filter_map(|n| str_of(n).map(|s| s.to_string()))
                .collect();
            if let Some(s) = calculate_suggestion(&varnames, &name) {
                return Some(s);
            }
            let globals = keys_of(&fo.globals);
            if let Some(s) = calculate_suggestion(&globals, &name) {
                return Some(s);
            }
            let builtins = keys_of(&fo.builtins);
            return calculate_suggestion(&builtins, &name);
        }
        None
    }

    fn exc_own_attr(&mut self, exc: &ObjRef, name: &str) -> Option<Value> {
        let ext = crate::object::instance::inst_ext(exc)?;
        let d = ext.dict.borrow().clone()?;
        let k = self.intern(name);
        d.downcast::<crate::object::dict::Dict>()?.get_str(&k)
    }
}

fn keys_of(d: &ObjRef) -> Vec<String> {
    d.downcast::<crate::object::dict::Dict>()
        .map(|d| {
            d.keys()
                .into_iter()
                .filter_map(|k| k.as_obj().and_then(|o| str_of(o).map(|s| s.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

fn repeated(out: &mut String, cnt: usize) {
    let n = cnt - RECURSIVE_CUTOFF;
    out.push_str(&format!(
        "  [Previous line repeated {} more time{}]\n",
        n,
        if n > 1 { "s" } else { "" }
    ));
}

fn byte_to_char(line: &str, byte: usize) -> usize {
    let b = byte.min(line.len());
    let mut b2 = b;
    while b2 > 0 && !line.is_char_boundary(b2) {
        b2 -= 1;
    }
    line[..b2].chars().count()
}

/// CPython's `_extract_caret_anchors_from_line_segment`: for a binary
/// operation the operator gets `^`, for a subscript the `[...]` part.
fn caret_anchors(segment: &str) -> Option<(usize, usize)> {
    let module = mini_syntax::parse_module(segment, "<segment>").ok()?;
    if module.body.len() != 1 {
        return None;
    }
    let e = match &module.body[0].kind {
        mini_syntax::ast::StmtKind::Expr(e) => e,
        _ => return None,
    };
    let chars: Vec<char> = segment.chars().collect();
    let norm = |b: u32| byte_to_char(segment, b as usize);
    match &e.kind {
        mini_syntax::ast::ExprKind::BinOp { left, right, .. } => {
            let op_start = norm(left.span.end);
            let op_end = norm(right.span.start);
            let op_str: String = chars[op_start.min(chars.len())..op_end.min(chars.len())]
                .iter()
                .collect();
            let op_offset = op_str.chars().count() - op_str.trim_start().chars().count();
            let mut left_anchor = op_start + op_offset;
            let mut right_anchor = left_anchor + 1;
            let op_chars: Vec<char> = op_str.chars().collect();
            if op_offset + 1 < op_chars.len() && !op_chars[op_offset + 1].is_whitespace() {
                right_anchor += 1;
            }
            while left_anchor < chars.len()
                && (chars[left_anchor].is_whitespace()
                    || chars[left_anchor] == ')'
                    || chars[left_anchor] == '#')
            {
                left_anchor += 1;
                right_anchor += 1;
            }
            Some((left_anchor, right_anchor))
        }
        mini_syntax::ast::ExprKind::Subscript { value, slice } => {
            let mut l = norm(value.span.end);
            let mut r = norm(slice.span.end) + 1;
            while l < chars.len() && (chars[l].is_whitespace() || chars[l] != '[') {
                l += 1;
            }
            while r < chars.len() && (chars[r].is_whitespace() || chars[r] != ']') {
                r += 1;
            }
            if r < chars.len() {
                r += 1;
            }
            Some((l, r))
        }
        _ => None,
    }
}

/// CPython's `print_error_text` (pythonrun.c) for SyntaxError display.
fn print_error_text(out: &mut String, offset: i64, end_offset: i64, text: &str) {
    let caret_reps = if end_offset > 0 && end_offset > offset {
        (end_offset - offset) as usize
    } else {
        1
    };
    let mut offset = offset - 1;
    let chars: Vec<char> = text.chars().collect();
    let mut start = 0usize;
    while start < chars.len() && matches!(chars[start], ' ' | '\t' | '\x0c') {
        start += 1;
        offset -= 1;
    }
    let mut t: Vec<char> = chars[start..].to_vec();
    let mut len = t.len() as i64;
    if len > 0 && t[t.len() - 1] == '\n' {
        len -= 1;
    }
    if offset > len {
        offset = len;
    }
    loop {
        let nl = t.iter().position(|c| *c == '\n');
        let Some(inl) = nl else {
            break;
        };
        if inl as i64 >= offset {
            break;
        }
        let inl = inl + 1;
        t = t[inl..].to_vec();
        len -= inl as i64;
        offset -= inl as i64;
    }
    out.push_str("    ");
    let s: String = t.iter().collect();
    out.push_str(&s);
    if (len as usize) >= t.len() || t[len as usize] != '\n' {
        out.push('\n');
    }
    if offset < 0 {
        return;
    }
    out.push_str("    ");
    out.push_str(&" ".repeat(offset as usize));
    out.push_str(&"^".repeat(caret_reps));
    out.push('\n');
}

const MOVE_COST: usize = 2;
const CASE_COST: usize = 1;
const MAX_STRING_SIZE: usize = 40;

fn substitution_cost(a: u8, b: u8) -> usize {
    if (a & 31) != (b & 31) {
        return MOVE_COST;
    }
    if a == b {
        return 0;
    }
    if a.eq_ignore_ascii_case(&b) {
        return CASE_COST;
    }
    MOVE_COST
}

fn levenshtein(a: &[u8], b: &[u8], max_cost: usize) -> usize {
    let (mut a, mut b) = (a, b);
    while !a.is_empty() && !b.is_empty() && a[0] == b[0] {
        a = &a[1..];
        b = &b[1..];
    }
    while !a.is_empty() && !b.is_empty() && a[a.len() - 1] == b[b.len() - 1] {
        a = &a[..a.len() - 1];
        b = &b[..b.len() - 1];
    }
    if a.is_empty() || b.is_empty() {
        return (a.len() + b.len()) * MOVE_COST;
    }
    if a.len() > MAX_STRING_SIZE || b.len() > MAX_STRING_SIZE {
        return max_cost + 1;
    }
    if b.len() < a.len() {
        std::mem::swap(&mut a, &mut b);
    }
    if (b.len() - a.len()) * MOVE_COST > max_cost {
        return max_cost + 1;
    }
    let mut buffer: Vec<usize> = (1..=a.len()).map(|i| i * MOVE_COST).collect();
    let mut result = 0;
    for (bi, &code) in b.iter().enumerate() {
        let mut distance = bi * MOVE_COST;
        result = distance;
        let mut minimum = usize::MAX;
        for (ai, &ac) in a.iter().enumerate() {
            let substitute = distance + substitution_cost(code, ac);
            distance = buffer[ai];
            let insert_delete = result.min(distance) + MOVE_COST;
            result = insert_delete.min(substitute);
            buffer[ai] = result;
            minimum = minimum.min(result);
        }
        if minimum > max_cost {
            return max_cost + 1;
        }
    }
    result
}

/// The closest candidate to `name`, CPython's `calculate_suggestions`.
pub(crate) fn calculate_suggestion(dir: &[String], name: &str) -> Option<String> {
    if dir.len() >= 750 {
        return None;
    }
    let mut best: Option<&String> = None;
    let mut best_dist = usize::MAX;
    for item in dir {
        if item == name {
            continue;
        }
        let max = ((name.len() + item.len() + 3) * MOVE_COST / 6).min(best_dist.saturating_sub(1));
        let d = levenshtein(name.as_bytes(), item.as_bytes(), max);
        if d > max {
            continue;
        }
        if best.is_none() || d < best_dist {
            best = Some(item);
            best_dist = d;
        }
    }
    best.cloned()
}

impl Vm {
    /// Prints an uncaught exception to stderr (the default `sys.excepthook`).
    pub fn print_exception(&mut self, exc: &ObjRef) {
        let text = self.format_exception(exc);
        self.write_stderr(&text);
    }

    /// True when `v` is an exception instance.
    pub fn is_exception(v: &Value) -> bool {
        matches!(v, Value::Obj(o) if o.kind() == Kind::Exception)
    }
}
