//! Pattern syntax → `ast::Node` tree, following sre's parser rule for rule
//! so that errors carry CPython's messages and positions. Nesting is
//! bounded by `max_depth` (RecursionError).

use super::ast::*;
use super::escapes::{class_escape, escape};
use super::tokenizer::*;
use crate::vm::repr::str_repr;

/// Parser bookkeeping (sre's `State`).
pub struct State {
    pub flags: u32,
    /// Group names in definition order.
    pub groupdict: Vec<(String, usize)>,
    /// Widths of closed groups, indexed by group number (0 unused).
    pub groupwidths: Vec<Option<(u32, u32)>>,
    lookbehindgroups: Option<usize>,
    grouprefpos: Vec<(usize, usize)>,
    /// Remaining nesting allowed before RecursionError.
    depth_left: usize,
}

impl State {
    pub fn groups(&self) -> usize {
        self.groupwidths.len()
    }

    pub fn group_named(&self, name: &str) -> Option<usize> {
        self.groupdict
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, g)| *g)
    }

    fn opengroup(&mut self, name: Option<&str>) -> Result<usize, String> {
        let gid = self.groups();
        self.groupwidths.push(None);
        if self.groups() > MAXGROUPS {
            return Err("too many groups".into());
        }
        if let Some(name) = name {
            if let Some(ogid) = self.group_named(name) {
                return Err(format!(
                    "redefinition of group name {} as group {gid}; was group {ogid}",
                    str_repr(name)
                ));
            }
            self.groupdict.push((name.to_string(), gid));
        }
        Ok(gid)
    }

    pub fn checkgroup(&self, gid: usize) -> bool {
        gid < self.groups() && self.groupwidths[gid].is_some()
    }

    pub fn check_lookbehind_ref(&self, gid: usize, source: &Source) -> PResult<()> {
        if let Some(lb) = self.lookbehindgroups {
            if !self.checkgroup(gid) {
                return Err(source.error("cannot refer to an open group", 0));
            }
            if gid >= lb {
                return Err(source.error(
                    "cannot refer to group defined in the same lookbehind subpattern",
                    0,
                ));
            }
        }
        Ok(())
    }
}

/// The result of parsing: the tree and the parser state (flags, groups).
pub struct Parsed {
    pub nodes: Vec<Node>,
    pub state: State,
}

/// Parses `chars` (the pattern's code points) with initial `flags`.
pub fn parse(
    chars: Vec<u32>,
    istext: bool,
    flags: u32,
    max_depth: usize,
) -> (PResult<Parsed>, Vec<Warning>) {
    let mut source = match Source::new(chars, istext) {
        Ok(s) => s,
        Err(e) => return (Err(e), Vec::new()),
    };
    let r = parse_source(&mut source, istext, flags, max_depth);
    (r, std::mem::take(&mut source.warnings))
}

fn parse_source(
    source: &mut Source,
    istext: bool,
    flags: u32,
    max_depth: usize,
) -> PResult<Parsed> {
    let mut state = State {
        flags,
        groupdict: Vec::new(),
        groupwidths: vec![None],
        lookbehindgroups: None,
        grouprefpos: Vec::new(),
        depth_left: max_depth,
    };
    let nodes = parse_sub(source, &mut state, flags & FLAG_VERBOSE != 0, 0)?;
    state.flags = fix_flags(istext, state.flags)?;
    if source.next.is_some() {
        return Err(source.error("unbalanced parenthesis", 0));
    }
    for &(g, pos) in &state.grouprefpos {
        if g >= state.groups() {
            return Err(CompileError::Re {
                msg: format!("invalid group reference {g}"),
                pos: Some(pos),
            });
        }
    }
    Ok(Parsed { nodes, state })
}

/// Checks the flag combination for the pattern type; str patterns get
/// UNICODE unless ASCII is set.
pub fn fix_flags(istext: bool, mut flags: u32) -> PResult<u32> {
    if istext {
        if flags & FLAG_LOCALE != 0 {
            return Err(CompileError::Value(
                "cannot use LOCALE flag with a str pattern".into(),
            ));
        }
        if flags & FLAG_ASCII == 0 {
            flags |= FLAG_UNICODE;
        } else if flags & FLAG_UNICODE != 0 {
            return Err(CompileError::Value(
                "ASCII and UNICODE flags are incompatible".into(),
            ));
        }
    } else {
        if flags & FLAG_UNICODE != 0 {
            return Err(CompileError::Value(
                "cannot use UNICODE flag with a bytes pattern".into(),
            ));
        }
        if flags & FLAG_LOCALE != 0 && flags & FLAG_ASCII != 0 {
            return Err(CompileError::Value(
                "ASCII and LOCALE flags are incompatible".into(),
            ));
        }
    }
    Ok(flags)
}

fn enter(state: &mut State) -> PResult<()> {
    if state.depth_left == 0 {
        return Err(CompileError::Recursion);
    }
    state.depth_left -= 1;
    Ok(())
}

/// An alternation `a|b|c`.
fn parse_sub(
    source: &mut Source,
    state: &mut State,
    mut verbose: bool,
    nested: usize,
) -> PResult<Vec<Node>> {
    enter(state)?;
    let mut items: Vec<Vec<Node>> = Vec::new();
    loop {
        let first = nested == 0 && items.is_empty();
        items.push(parse_seq(source, state, verbose, nested + 1, first)?);
        if !source.matches('|')? {
            break;
        }
        if nested == 0 {
            verbose = state.flags & FLAG_VERBOSE != 0;
        }
    }
    state.depth_left += 1;
    if items.len() == 1 {
        return Ok(items.pop().unwrap());
    }
    Ok(vec![Node::Branch(items)])
}

/// A sequence of items up to `|`, `)` or the end.
fn parse_seq(
    source: &mut Source,
    state: &mut State,
    mut verbose: bool,
    nested: usize,
    first: bool,
) -> PResult<Vec<Node>> {
    let mut sub: Vec<Node> = Vec::new();
    while let Some(this) = source.next {
        if this.is('|') || this.is(')') {
            break;
        }
        source.get()?;
        if verbose {
            if let Tok::Ch(c) = this {
                if matches!(ch(c), ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c') {
                    continue;
                }
                if c == '#' as u32 {
                    loop {
                        match source.get()? {
                            None => break,
                            Some(t) if t.is('\n') => break,
                            _ => {}
                        }
                    }
                    continue;
                }
            }
        }
        let c = match this {
            Tok::Esc(e) => {
                sub.push(escape(source, e, state)?);
                continue;
            }
            Tok::Ch(c) => c,
        };
        match ch(c) {
            '[' => sub.push(parse_class(source)?),
            '*' | '+' | '?' | '{' => {
                if !parse_repeat(source, &mut sub, c)? {
                    sub.push(Node::Lit(c));
                }
            }
            '.' => sub.push(Node::Any),
            '(' => {
                let start = source.tell() - 1;
                if let Some(n) = parse_group(
                    source,
                    state,
                    &mut verbose,
                    nested,
                    first && sub.is_empty(),
                    start,
                )? {
                    sub.push(n);
                }
            }
            '^' => sub.push(Node::At(AtCode::Beginning)),
            '$' => sub.push(Node::At(AtCode::End)),
            _ => sub.push(Node::Lit(c)),
        }
    }
    // Unpack non-capturing groups without flags.
    let mut out = Vec::with_capacity(sub.len());
    for n in sub {
        match n {
            Node::Sub {
                group: None,
                add: 0,
                del: 0,
                body,
            } => out.extend(body),
            n => out.push(n),
        }
    }
    Ok(out)
}

/// A quantifier after the last item; false when `{` is a literal.
fn parse_repeat(source: &mut Source, sub: &mut Vec<Node>, this: u32) -> PResult<bool> {
    let here = source.tell();
    let (min, max) = match ch(this) {
        '?' => (0, 1),
        '*' => (0, MAXREPEAT),
        '+' => (1, MAXREPEAT),
        _ => {
            if source.next == Some(Tok::Ch('}' as u32)) {
                return Ok(false);
            }
            let lo = source.getwhile(usize::MAX, |c| (0x30..=0x39).contains(&c))?;
            let hi = if source.matches(',')? {
                Some(source.getwhile(usize::MAX, |c| (0x30..=0x39).contains(&c))?)
            } else {
                None
            };
            if !source.matches('}')? {
                source.seek(here)?;
                return Ok(false);
            }
            let num = |d: &[u32]| -> PResult<u32> {
                let mut v: u64 = 0;
                for &c in d {
                    v = (v * 10 + (c - 0x30) as u64).min(u64::MAX / 100);
                }
                if v >= MAXREPEAT as u64 {
                    return Err(CompileError::Overflow(
                        "the repetition number is too large".into(),
                    ));
                }
                Ok(v as u32)
            };
            let min = if lo.is_empty() { 0 } else { num(&lo)? };
            let max = match &hi {
                None => min,
                Some(h) if h.is_empty() => MAXREPEAT,
                Some(h) => {
                    let m = num(h)?;
                    if m < min {
                        return Err(source
                            .error("min repeat greater than max repeat", source.tell() - here));
                    }
                    m
                }
            };
            (min, max)
        }
    };
    let back = source.tell() - here + 1;
    let item = match sub.pop() {
        None | Some(Node::At(_)) => return Err(source.error("nothing to repeat", back)),
        Some(Node::Repeat { .. }) => return Err(source.error("multiple repeat", back)),
        Some(Node::Sub {
            group: None,
            add: 0,
            del: 0,
            body,
        }) => body,
        Some(n) => vec![n],
    };
    let kind = if source.matches('?')? {
        RepKind::Lazy
    } else if source.matches('+')? {
        RepKind::Possessive
    } else {
        RepKind::Greedy
    };
    sub.push(Node::Repeat {
        kind,
        min,
        max,
        body: item,
    });
    Ok(true)
}

/// A character class; the `[` is consumed.
fn parse_class(source: &mut Source) -> PResult<Node> {
    let here = source.tell() - 1;
    if source.next == Some(Tok::Ch('[' as u32)) {
        let pos = source.tell();
        source.warn(true, format!("Possible nested set at position {pos}"));
    }
    let negate = source.matches('^')?;
    let mut set: Vec<SetItem> = Vec::new();
    loop {
        let Some(this) = source.get()? else {
            return Err(source.error("unterminated character set", source.tell() - here));
        };
        if this.is(']') && !set.is_empty() {
            break;
        }
        let code1 = match this {
            Tok::Esc(e) => class_escape(source, e)?,
            Tok::Ch(c) => {
                let op = match ch(c) {
                    '-' => "difference",
                    '&' => "intersection",
                    '~' => "symmetric difference",
                    '|' => "union",
                    _ => "",
                };
                if !op.is_empty() && !set.is_empty() && source.next == Some(this) {
                    let pos = source.tell() - 1;
                    source.warn(true, format!("Possible set {op} at position {pos}"));
                }
                SetItem::Lit(c)
            }
        };
        if source.matches('-')? {
            let Some(that) = source.get()? else {
                return Err(source.error("unterminated character set", source.tell() - here));
            };
            if that.is(']') {
                set.push(code1);
                set.push(SetItem::Lit('-' as u32));
                break;
            }
            if that.is('-') {
                let pos = source.tell() - 2;
                source.warn(true, format!("Possible set difference at position {pos}"));
            }
            let code2 = match that {
                Tok::Esc(e) => class_escape(source, e)?,
                Tok::Ch(c) => SetItem::Lit(c),
            };
            let bad = || format!("bad character range {}-{}", this.text(), that.text());
            let off = this.len() + 1 + that.len();
            let (SetItem::Lit(lo), SetItem::Lit(hi)) = (code1, code2) else {
                return Err(source.error(bad(), off));
            };
            if hi < lo {
                return Err(source.error(bad(), off));
            }
            set.push(SetItem::Range(lo, hi));
        } else {
            set.push(code1);
        }
    }
    let mut uniq: Vec<SetItem> = Vec::with_capacity(set.len());
    for it in set {
        if !uniq.contains(&it) {
            uniq.push(it);
        }
    }
    if let [SetItem::Lit(c)] = uniq[..] {
        return Ok(if negate {
            Node::NotLit(c)
        } else {
            Node::Lit(c)
        });
    }
    Ok(Node::In {
        negate,
        items: uniq,
    })
}

/// A group or extension after `(`; None for global flags `(?i)` and
/// comments, which add nothing.
fn parse_group(
    source: &mut Source,
    state: &mut State,
    verbose: &mut bool,
    nested: usize,
    first: bool,
    start: usize,
) -> PResult<Option<Node>> {
    let mut capture = true;
    let mut atomic = false;
    let mut name: Option<String> = None;
    let (mut add, mut del) = (0u32, 0u32);
    if source.matches('?')? {
        let Some(c) = source.get()? else {
            return Err(source.error("unexpected end of pattern", 0));
        };
        let cc = match c {
            Tok::Ch(c) => ch(c),
            Tok::Esc(_) => '\\',
        };
        match cc {
            'P' if c == Tok::Ch('P' as u32) => {
                if source.matches('<')? {
                    let n = source.getuntil('>', "group name")?;
                    source.checkgroupname(&n, 1)?;
                    name = Some(n);
                } else if source.matches('=')? {
                    let n = source.getuntil(')', "group name")?;
                    source.checkgroupname(&n, 1)?;
                    let nlen = n.chars().count() + 1;
                    let Some(gid) = state.group_named(&n) else {
                        return Err(
                            source.error(format!("unknown group name {}", str_repr(&n)), nlen)
                        );
                    };
                    if !state.checkgroup(gid) {
                        return Err(source.error("cannot refer to an open group", nlen));
                    }
                    state.check_lookbehind_ref(gid, source)?;
                    return Ok(Some(Node::GroupRef(gid)));
                } else {
                    let Some(c2) = source.get()? else {
                        return Err(source.error("unexpected end of pattern", 0));
                    };
                    return Err(
                        source.error(format!("unknown extension ?P{}", c2.text()), c2.len() + 2)
                    );
                }
            }
            ':' if c.is(':') => capture = false,
            '#' if c.is('#') => {
                loop {
                    if source.next.is_none() {
                        return Err(
                            source.error("missing ), unterminated comment", source.tell() - start)
                        );
                    }
                    if source.get()?.is_some_and(|t| t.is(')')) {
                        break;
                    }
                }
                return Ok(None);
            }
            '=' | '!' | '<' if matches!(c, Tok::Ch(_)) => {
                let mut kind = cc;
                let mut behind = false;
                let mut saved_lb = None;
                if cc == '<' {
                    let Some(c2) = source.get()? else {
                        return Err(source.error("unexpected end of pattern", 0));
                    };
                    if !(c2.is('=') || c2.is('!')) {
                        return Err(source
                            .error(format!("unknown extension ?<{}", c2.text()), c2.len() + 2));
                    }
                    kind = if c2.is('=') { '=' } else { '!' };
                    behind = true;
                    saved_lb = Some(state.lookbehindgroups);
                    if state.lookbehindgroups.is_none() {
                        state.lookbehindgroups = Some(state.groups());
                    }
                }
                let body = parse_sub(source, state, *verbose, nested + 1)?;
                if let Some(None) = saved_lb {
                    state.lookbehindgroups = None;
                }
                if !source.matches(')')? {
                    return Err(
                        source.error("missing ), unterminated subpattern", source.tell() - start)
                    );
                }
                return Ok(Some(Node::Assert {
                    negate: kind == '!',
                    behind,
                    body,
                }));
            }
            '(' if c.is('(') => {
                return parse_conditional(source, state, *verbose, nested, start).map(Some)
            }
            '>' if c.is('>') => {
                capture = false;
                atomic = true;
            }
            _ if matches!(c, Tok::Ch(x) if flag_of(x).is_some() || x == '-' as u32) => {
                match parse_flags(source, state, c)? {
                    None => {
                        if !first {
                            return Err(source.error(
                                "global flags not at the start of the expression",
                                source.tell() - start,
                            ));
                        }
                        *verbose = state.flags & FLAG_VERBOSE != 0;
                        return Ok(None);
                    }
                    Some((a, d)) => {
                        add = a;
                        del = d;
                        capture = false;
                    }
                }
            }
            _ => return Err(source.error(format!("unknown extension ?{}", c.text()), c.len() + 1)),
        }
    }
    let group = if capture {
        match state.opengroup(name.as_deref()) {
            Ok(g) => Some(g),
            Err(msg) => {
                let off = name.as_ref().map(|n| n.chars().count() + 1).unwrap_or(0);
                return Err(source.error(msg, off));
            }
        }
    } else {
        None
    };
    let sub_verbose = (*verbose || add & FLAG_VERBOSE != 0) && del & FLAG_VERBOSE == 0;
    let body = parse_sub(source, state, sub_verbose, nested + 1)?;
    if !source.matches(')')? {
        return Err(source.error("missing ), unterminated subpattern", source.tell() - start));
    }
    if let Some(g) = group {
        state.groupwidths[g] = Some(width(&body, &state.groupwidths));
    }
    if atomic {
        return Ok(Some(Node::Atomic(body)));
    }
    Ok(Some(Node::Sub {
        group,
        add,
        del,
        body,
    }))
}

/// `(?(group)yes|no)`; the `(?(` is consumed.
fn parse_conditional(
    source: &mut Source,
    state: &mut State,
    verbose: bool,
    nested: usize,
    start: usize,
) -> PResult<Node> {
    let condname = source.getuntil(')', "group name")?;
    let nlen = condname.chars().count() + 1;
    let condgroup = if is_identifier(&condname) {
        match state.group_named(&condname) {
            Some(g) => g,
            None => {
                return Err(
                    source.error(format!("unknown group name {}", str_repr(&condname)), nlen)
                );
            }
        }
    } else {
        let Some(g) = parse_py_int(&condname) else {
            return Err(source.error(
                format!("bad character in group name {}", str_repr(&condname)),
                nlen,
            ));
        };
        if g == 0 {
            return Err(source.error("bad group number", nlen));
        }
        if g >= MAXGROUPS as u64 {
            return Err(source.error(format!("invalid group reference {g}"), nlen));
        }
        let g = g as usize;
        source.check_number_name(&condname);
        if !state.grouprefpos.iter().any(|(x, _)| *x == g) {
            state.grouprefpos.push((g, source.tell() - nlen));
        }
        g
    };
    state.check_lookbehind_ref(condgroup, source)?;
    enter(state)?;
    let yes = parse_seq(source, state, verbose, nested + 1, false)?;
    let no = if source.matches('|')? {
        let no = parse_seq(source, state, verbose, nested + 1, false)?;
        if source.next == Some(Tok::Ch('|' as u32)) {
            return Err(source.error("conditional backref with more than two branches", 0));
        }
        Some(no)
    } else {
        None
    };
    state.depth_left += 1;
    if !source.matches(')')? {
        return Err(source.error("missing ), unterminated subpattern", source.tell() - start));
    }
    Ok(Node::GroupRefExists {
        group: condgroup,
        yes,
        no,
    })
}

/// Inline flags after `(?`: None for global flags `(?imsx)`, else the
/// scoped `(?flags-flags:...)` pair.
fn parse_flags(source: &mut Source, state: &mut State, first: Tok) -> PResult<Option<(u32, u32)>> {
    let (mut add, mut del) = (0u32, 0u32);
    let mut c = first;
    let letter = |t: Tok| match t {
        Tok::Ch(x) => flag_of(x),
        Tok::Esc(_) => None,
    };
    let is_alpha = |t: Tok| matches!(t, Tok::Ch(x) if ch(x).is_alphabetic());
    if !c.is('-') {
        loop {
            let flag = letter(c).unwrap();
            if source.istext {
                if c.is('L') {
                    return Err(source.error(
                        "bad inline flags: cannot use 'L' flag with a str pattern",
                        0,
                    ));
                }
            } else if c.is('u') {
                return Err(source.error(
                    "bad inline flags: cannot use 'u' flag with a bytes pattern",
                    0,
                ));
            }
            add |= flag;
            if flag & TYPE_FLAGS != 0 && add & TYPE_FLAGS != flag {
                return Err(source.error(
                    "bad inline flags: flags 'a', 'u' and 'L' are incompatible",
                    0,
                ));
            }
            let Some(n) = source.get()? else {
                return Err(source.error("missing -, : or )", 0));
            };
            c = n;
            if c.is(')') || c.is('-') || c.is(':') {
                break;
            }
            if letter(c).is_none() {
                let msg = if is_alpha(c) {
                    "unknown flag"
                } else {
                    "missing -, : or )"
                };
                return Err(source.error(msg, c.len()));
            }
        }
    }
    if c.is(')') {
        state.flags |= add;
        return Ok(None);
    }
    if add & GLOBAL_FLAGS != 0 {
        return Err(source.error("bad inline flags: cannot turn on global flag", 1));
    }
    if c.is('-') {
        let Some(n) = source.get()? else {
            return Err(source.error("missing flag", 0));
        };
        c = n;
        if letter(c).is_none() {
            let msg = if is_alpha(c) {
                "unknown flag"
            } else {
                "missing flag"
            };
            return Err(source.error(msg, c.len()));
        }
        loop {
            let flag = letter(c).unwrap();
            if flag & TYPE_FLAGS != 0 {
                return Err(source.error(
                    "bad inline flags: cannot turn off flags 'a', 'u' and 'L'",
                    0,
                ));
            }
            del |= flag;
            let Some(n) = source.get()? else {
                return Err(source.error("missing :", 0));
            };
            c = n;
            if c.is(':') {
                break;
            }
            if letter(c).is_none() {
                let msg = if is_alpha(c) {
                    "unknown flag"
                } else {
                    "missing :"
                };
                return Err(source.error(msg, c.len()));
            }
        }
    }
    if del & GLOBAL_FLAGS != 0 {
        return Err(source.error("bad inline flags: cannot turn off global flag", 1));
    }
    if add & del != 0 {
        return Err(source.error("bad inline flags: flag turned on and off", 1));
    }
    Ok(Some((add, del)))
}
