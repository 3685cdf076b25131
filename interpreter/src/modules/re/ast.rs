//! The parsed form of a pattern (sre's "subpattern" lists): a tree of
//! `Node`s, the flag bits, and width computation (the `(min, max)` number
//! of characters a subpattern can match, saturating at `MAXREPEAT`).
//! Group numbers are 1-based, as in Python.

/// sre's limit on repeat counts; also "unbounded" as a max.
pub const MAXREPEAT: u32 = u32::MAX;
/// sre's limit on the number of groups.
pub const MAXGROUPS: usize = 1_073_741_823;

pub const FLAG_TEMPLATE: u32 = 1;
pub const FLAG_IGNORECASE: u32 = 2;
pub const FLAG_LOCALE: u32 = 4;
pub const FLAG_MULTILINE: u32 = 8;
pub const FLAG_DOTALL: u32 = 16;
pub const FLAG_UNICODE: u32 = 32;
pub const FLAG_VERBOSE: u32 = 64;
pub const FLAG_DEBUG: u32 = 128;
pub const FLAG_ASCII: u32 = 256;
pub const TYPE_FLAGS: u32 = FLAG_ASCII | FLAG_LOCALE | FLAG_UNICODE;
pub const GLOBAL_FLAGS: u32 = FLAG_DEBUG | FLAG_TEMPLATE;

/// The inline flag letters and their bits.
pub fn flag_of(c: u32) -> Option<u32> {
    Some(match char::from_u32(c)? {
        'i' => FLAG_IGNORECASE,
        'L' => FLAG_LOCALE,
        'm' => FLAG_MULTILINE,
        's' => FLAG_DOTALL,
        'x' => FLAG_VERBOSE,
        'a' => FLAG_ASCII,
        't' => FLAG_TEMPLATE,
        'u' => FLAG_UNICODE,
        _ => return None,
    })
}

/// Zero-width position tests (before MULTILINE/UNICODE are applied).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AtCode {
    /// `^`
    Beginning,
    /// `\A`
    BeginningString,
    /// `$`
    End,
    /// `\Z`
    EndString,
    /// `\b`
    Boundary,
    /// `\B`
    NonBoundary,
}

/// `\d \D \s \S \w \W` (flavour chosen when compiling).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Category {
    Digit,
    NotDigit,
    Space,
    NotSpace,
    Word,
    NotWord,
}

/// A member of a character class.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SetItem {
    Lit(u32),
    Range(u32, u32),
    Cat(Category),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RepKind {
    Greedy,
    Lazy,
    Possessive,
}

#[derive(Clone, Debug)]
pub enum Node {
    Lit(u32),
    NotLit(u32),
    Any,
    /// A character class; `negate` is sre's leading NEGATE.
    In {
        negate: bool,
        items: Vec<SetItem>,
    },
    At(AtCode),
    Branch(Vec<Vec<Node>>),
    /// A group: capturing when `group` is set, with scoped flags.
    Sub {
        group: Option<usize>,
        add: u32,
        del: u32,
        body: Vec<Node>,
    },
    Atomic(Vec<Node>),
    Repeat {
        kind: RepKind,
        min: u32,
        max: u32,
        body: Vec<Node>,
    },
    GroupRef(usize),
    GroupRefExists {
        group: usize,
        yes: Vec<Node>,
        no: Option<Vec<Node>>,
    },
    Assert {
        negate: bool,
        behind: bool,
        body: Vec<Node>,
    },
}

/// `(min, max)` widths of a node list, given the widths of closed groups.
pub fn width(nodes: &[Node], groupwidths: &[Option<(u32, u32)>]) -> (u32, u32) {
    let (mut lo, mut hi) = (0u64, 0u64);
    for n in nodes {
        let (l, h) = match n {
            Node::Branch(alts) => {
                let mut i = (MAXREPEAT - 1) as u64;
                let mut j = 0u64;
                for a in alts {
                    let (l, h) = width(a, groupwidths);
                    i = i.min(l as u64);
                    j = j.max(h as u64);
                }
                (i, j)
            }
            Node::Atomic(b) | Node::Sub { body: b, .. } => {
                let (l, h) = width(b, groupwidths);
                (l as u64, h as u64)
            }
            Node::Repeat { min, max, body, .. } => {
                let (l, h) = width(body, groupwidths);
                (l as u64 * *min as u64, h as u64 * *max as u64)
            }
            Node::Lit(_) | Node::NotLit(_) | Node::Any | Node::In { .. } => (1, 1),
            Node::GroupRef(g) => {
                let (l, h) = groupwidths.get(*g).copied().flatten().unwrap_or((0, 0));
                (l as u64, h as u64)
            }
            Node::GroupRefExists { yes, no, .. } => {
                let (mut i, mut j) = width(yes, groupwidths);
                match no {
                    Some(no) => {
                        let (l, h) = width(no, groupwidths);
                        i = i.min(l);
                        j = j.max(h);
                    }
                    None => i = 0,
                }
                (i as u64, j as u64)
            }
            Node::At(_) | Node::Assert { .. } => (0, 0),
        };
        lo = lo.saturating_add(l);
        hi = hi.saturating_add(h);
    }
    (
        lo.min((MAXREPEAT - 1) as u64) as u32,
        hi.min(MAXREPEAT as u64) as u32,
    )
}
