//! `ast::Node` tree → `Program`, the instruction list the engine runs.
//! Flags are applied here (case folding, DOTALL, MULTILINE anchors, ASCII
//! or Unicode categories), as sre's compiler does. A repeat of a single
//! one-character item becomes `RepOne` (counted, no per-iteration state);
//! other repeats use `Repeat`/`Until` with a counter register per repeat.
//! Possessive repeats run each iteration as an atomic body (`PossLoop`).
//! The program ends with `Success`; assertion, atomic and possessive
//! bodies end with `SubEnd`.

use super::ast::*;
use super::charset::CharSet;
use super::scan::StartInfo;
use super::tokenizer::{CompileError, PResult};
use super::unicode::{ascii_iscased, case_fixes, lower_ascii, lower_uni, uni_iscased};

/// Zero-width tests as the engine runs them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum At {
    Beginning,
    BeginningLine,
    End,
    EndLine,
    EndString,
    Boundary,
    NonBoundary,
    UniBoundary,
    UniNonBoundary,
}

/// How a backreference compares characters.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RefFold {
    Exact,
    Ascii,
    Unicode,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum LookKind {
    Assert,
    AssertNot,
    Atomic,
    /// One of the first `min` iterations of a possessive repeat.
    PossMin,
    /// A further iteration of a possessive repeat (may fail).
    PossMore,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Inst {
    // One-character matchers (also the items of `RepOne`).
    Lit(u32),
    NotLit(u32),
    /// The ASCII lowercase of the character equals the operand.
    LitA(u32),
    NotLitA(u32),
    /// The Unicode (simple) lowercase of the character equals the operand.
    LitU(u32),
    NotLitU(u32),
    /// C-locale case-insensitive comparison.
    LitL(u32),
    NotLitL(u32),
    Any,
    AnyAll,
    Set(u32),
    // Zero-width and control.
    At(At),
    /// Records the position in mark slot n (group g uses 2g-2 and 2g-1).
    Mark(u32),
    Jump(u32),
    /// Starts an alternative; `next` is the next alternative's `Branch`
    /// (0 for the last). Alternatives end with a jump past the branch.
    Branch {
        next: u32,
    },
    /// `min..=max` repetitions of the one-character item at pc+1, then `next`.
    RepOne {
        min: u32,
        max: u32,
        next: u32,
        kind: RepKind,
    },
    /// Starts repeat `id` (counter reset) and jumps to its `Until`.
    Repeat {
        id: u32,
        until: u32,
    },
    Until {
        id: u32,
    },
    GroupRef {
        slot: u32,
        fold: RefFold,
    },
    /// Continues if group (slots 2g, 2g+1 here 0-based) matched, else jumps.
    GroupExists {
        slot: u32,
        no: u32,
    },
    /// Runs the body at pc+1 (ending in `SubEnd`), `back` characters behind.
    Look {
        kind: LookKind,
        back: u32,
        end: u32,
    },
    /// Starts possessive repeat `id` (counter reset); the loop follows.
    PossStart {
        id: u32,
    },
    /// Runs another iteration of possessive repeat `id` (body at pc+1,
    /// ending in `SubEnd`) or continues at `exit`.
    PossLoop {
        id: u32,
        exit: u32,
    },
    SubEnd,
    Success,
}

#[derive(Clone, Copy, Debug)]
pub struct RepInfo {
    pub min: u32,
    pub max: u32,
    pub body: u32,
    pub greedy: bool,
}

#[derive(Debug)]
pub struct Program {
    pub insts: Vec<Inst>,
    pub sets: Vec<CharSet>,
    pub repeats: Vec<RepInfo>,
    /// Mark slots: two per group.
    pub nmarks: usize,
    /// Where matches can start (search acceleration).
    pub start: StartInfo,
}

struct Compiler<'a> {
    insts: Vec<Inst>,
    sets: Vec<CharSet>,
    repeats: Vec<RepInfo>,
    groupwidths: &'a [Option<(u32, u32)>],
}

/// Compiles a parsed pattern; `flags` are the pattern's final flags.
pub fn compile(
    nodes: &[Node],
    flags: u32,
    groups: usize,
    groupwidths: &[Option<(u32, u32)>],
) -> PResult<Program> {
    let mut c = Compiler {
        insts: Vec::new(),
        sets: Vec::new(),
        repeats: Vec::new(),
        groupwidths,
    };
    c.seq(nodes, flags)?;
    c.insts.push(Inst::Success);
    let mut p = Program {
        insts: c.insts,
        sets: c.sets,
        repeats: c.repeats,
        nmarks: groups.saturating_sub(1) * 2,
        start: StartInfo::default(),
    };
    p.start = super::scan::analyse(&p);
    Ok(p)
}

fn combine(flags: u32, add: u32, del: u32) -> u32 {
    let f = if add & TYPE_FLAGS != 0 {
        flags & !TYPE_FLAGS
    } else {
        flags
    };
    (f | add) & !del
}

/// sre's `_simple`: a single one-character item.
fn simple(nodes: &[Node]) -> bool {
    match nodes {
        [Node::Lit(_) | Node::NotLit(_) | Node::Any | Node::In { .. }] => true,
        [Node::Sub {
            group: None, body, ..
        }] => simple(body),
        _ => false,
    }
}

impl Compiler<'_> {
    fn pc(&self) -> u32 {
        self.insts.len() as u32
    }

    fn seq(&mut self, nodes: &[Node], flags: u32) -> PResult<()> {
        for n in nodes {
            self.node(n, flags)?;
        }
        Ok(())
    }

    fn set(&mut self, negate: bool, items: &[SetItem], flags: u32) {
        let i = self.sets.len() as u32;
        self.sets.push(CharSet::build(negate, items, flags));
        self.insts.push(Inst::Set(i));
    }

    fn literal(&mut self, c: u32, negate: bool, flags: u32) {
        let inst = if flags & FLAG_IGNORECASE == 0 {
            if negate {
                Inst::NotLit(c)
            } else {
                Inst::Lit(c)
            }
        } else if flags & FLAG_LOCALE != 0 {
            if negate {
                Inst::NotLitL(c)
            } else {
                Inst::LitL(c)
            }
        } else if flags & FLAG_UNICODE == 0 {
            if !ascii_iscased(c) {
                return self.literal(c, negate, flags & !FLAG_IGNORECASE);
            }
            let lo = lower_ascii(c);
            if negate {
                Inst::NotLitA(lo)
            } else {
                Inst::LitA(lo)
            }
        } else {
            if !uni_iscased(c) {
                return self.literal(c, negate, flags & !FLAG_IGNORECASE);
            }
            let lo = lower_uni(c);
            let fixes = case_fixes(lo);
            if !fixes.is_empty() {
                let mut items = vec![SetItem::Lit(lo)];
                items.extend(fixes.iter().map(|&f| SetItem::Lit(f)));
                return self.set(negate, &items, flags);
            }
            if negate {
                Inst::NotLitU(lo)
            } else {
                Inst::LitU(lo)
            }
        };
        self.insts.push(inst);
    }

    fn node(&mut self, n: &Node, flags: u32) -> PResult<()> {
        match n {
            Node::Lit(c) => self.literal(*c, false, flags),
            Node::NotLit(c) => self.literal(*c, true, flags),
            Node::Any => self.insts.push(if flags & FLAG_DOTALL != 0 {
                Inst::AnyAll
            } else {
                Inst::Any
            }),
            Node::In { negate, items } => self.set(*negate, items, flags),
            Node::At(a) => {
                let ml = flags & FLAG_MULTILINE != 0;
                let uni = flags & FLAG_UNICODE != 0 && flags & FLAG_LOCALE == 0;
                self.insts.push(Inst::At(match a {
                    AtCode::Beginning if ml => At::BeginningLine,
                    AtCode::Beginning | AtCode::BeginningString => At::Beginning,
                    AtCode::End if ml => At::EndLine,
                    AtCode::End => At::End,
                    AtCode::EndString => At::EndString,
                    AtCode::Boundary if uni => At::UniBoundary,
                    AtCode::Boundary => At::Boundary,
                    AtCode::NonBoundary if uni => At::UniNonBoundary,
                    AtCode::NonBoundary => At::NonBoundary,
                }));
            }
            Node::Branch(alts) => {
                let mut jumps = Vec::new();
                for (i, alt) in alts.iter().enumerate() {
                    let last = i + 1 == alts.len();
                    let start = self.pc();
                    self.insts.push(Inst::Branch { next: 0 });
                    self.seq(alt, flags)?;
                    if !last {
                        jumps.push(self.pc());
                        self.insts.push(Inst::Jump(0));
                        let next = self.pc();
                        self.insts[start as usize] = Inst::Branch { next };
                    }
                }
                let end = self.pc();
                for j in jumps {
                    self.insts[j as usize] = Inst::Jump(end);
                }
            }
            Node::Sub {
                group,
                add,
                del,
                body,
            } => {
                let f = combine(flags, *add, *del);
                if let Some(g) = group {
                    self.insts.push(Inst::Mark((*g as u32 - 1) * 2));
                }
                self.seq(body, f)?;
                if let Some(g) = group {
                    self.insts.push(Inst::Mark((*g as u32 - 1) * 2 + 1));
                }
            }
            Node::Atomic(body) => self.look(LookKind::Atomic, 0, body, flags)?,
            Node::Repeat {
                kind,
                min,
                max,
                body,
            } => self.repeat(*kind, *min, *max, body, flags)?,
            Node::GroupRef(g) => {
                let fold = if flags & FLAG_IGNORECASE == 0 {
                    RefFold::Exact
                } else if flags & FLAG_UNICODE != 0 && flags & FLAG_LOCALE == 0 {
                    RefFold::Unicode
                } else {
                    RefFold::Ascii
                };
                self.insts.push(Inst::GroupRef {
                    slot: (*g as u32 - 1) * 2,
                    fold,
                });
            }
            Node::GroupRefExists { group, yes, no } => {
                let at = self.pc();
                self.insts.push(Inst::GroupExists { slot: 0, no: 0 });
                self.seq(yes, flags)?;
                let slot = (*group as u32 - 1) * 2;
                match no {
                    Some(no) => {
                        let j = self.pc();
                        self.insts.push(Inst::Jump(0));
                        let no_pc = self.pc();
                        self.seq(no, flags)?;
                        let end = self.pc();
                        self.insts[j as usize] = Inst::Jump(end);
                        self.insts[at as usize] = Inst::GroupExists { slot, no: no_pc };
                    }
                    None => {
                        let end = self.pc();
                        self.insts[at as usize] = Inst::GroupExists { slot, no: end };
                    }
                }
            }
            Node::Assert {
                negate,
                behind,
                body,
            } => {
                let back = if *behind {
                    let (lo, hi) = width(body, self.groupwidths);
                    if lo != hi {
                        return Err(CompileError::Re {
                            msg: "look-behind requires fixed-width pattern".into(),
                            pos: None,
                        });
                    }
                    lo
                } else {
                    0
                };
                let kind = if *negate {
                    LookKind::AssertNot
                } else {
                    LookKind::Assert
                };
                self.look(kind, back, body, flags)?;
            }
        }
        Ok(())
    }

    fn look(&mut self, kind: LookKind, back: u32, body: &[Node], flags: u32) -> PResult<()> {
        let at = self.pc();
        self.insts.push(Inst::Look { kind, back, end: 0 });
        self.seq(body, flags)?;
        self.insts.push(Inst::SubEnd);
        let end = self.pc();
        self.insts[at as usize] = Inst::Look { kind, back, end };
        Ok(())
    }

    fn repeat(
        &mut self,
        kind: RepKind,
        min: u32,
        max: u32,
        body: &[Node],
        flags: u32,
    ) -> PResult<()> {
        if simple(body) {
            let at = self.pc();
            self.insts.push(Inst::Success);
            self.seq(body, flags)?;
            debug_assert_eq!(self.pc(), at + 2);
            let next = self.pc();
            self.insts[at as usize] = Inst::RepOne {
                min,
                max,
                next,
                kind,
            };
            return Ok(());
        }
        let id = self.repeats.len() as u32;
        if kind == RepKind::Possessive {
            self.insts.push(Inst::PossStart { id });
            let at = self.pc();
            self.insts.push(Inst::PossLoop { id, exit: 0 });
            self.repeats.push(RepInfo {
                min,
                max,
                body: at + 1,
                greedy: true,
            });
            self.seq(body, flags)?;
            self.insts.push(Inst::SubEnd);
            let exit = self.pc();
            self.insts[at as usize] = Inst::PossLoop { id, exit };
            return Ok(());
        }
        let at = self.pc();
        self.insts.push(Inst::Repeat { id, until: 0 });
        self.repeats.push(RepInfo {
            min,
            max,
            body: at + 1,
            greedy: kind == RepKind::Greedy,
        });
        self.seq(body, flags)?;
        let until = self.pc();
        self.insts.push(Inst::Until { id });
        self.insts[at as usize] = Inst::Repeat { id, until };
        Ok(())
    }
}

/// Whether `i` matches exactly one character.
pub fn is_single(i: &Inst) -> bool {
    matches!(
        i,
        Inst::Lit(_)
            | Inst::NotLit(_)
            | Inst::LitA(_)
            | Inst::NotLitA(_)
            | Inst::LitU(_)
            | Inst::NotLitU(_)
            | Inst::LitL(_)
            | Inst::NotLitL(_)
            | Inst::Any
            | Inst::AnyAll
            | Inst::Set(_)
    )
}
