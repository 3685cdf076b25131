//! Raw tokens (logos) and the parser's token type `Tok`.
//! `RawTok` is what logos recognises: names (keywords are told apart later by
//! `keyword`), operators, newlines, and the starts of numbers and strings,
//! whose bodies callbacks scan by hand (see `literal.rs`) so errors carry
//! CPython's texts and positions. Spaces, comments and `\`-newline are skipped.

use crate::literal::{self, LexError, NumValue, StrToken};
use logos::{Lexer, Logos};

/// A token as logos sees it. Spans come from the logos lexer.
#[derive(Logos, Debug, Clone, PartialEq)]
#[logos(error = LexError)]
#[logos(skip r"[ \t\x0C]+")]
#[logos(skip(r"#[^\r\n]*", allow_greedy = true))]
#[logos(skip r"\\(\r\n|\n|\r)")]
pub enum RawTok {
    #[regex(r"\r\n|\n|\r")]
    Newline,
    #[regex("[A-Za-z_][A-Za-z0-9_]*", name_tail)]
    #[regex("[^\\x00-\\x7F]", name_unicode)]
    Name,
    #[regex("[0-9]", number)]
    #[regex(r"\.[0-9]", number)]
    Number(NumValue),
    #[regex(r#"([rRbBfFuU]|[rR][bBfF]|[bBfF][rR])?['"]"#, string)]
    Str(StrToken),
    #[token("\\", backslash)]
    Backslash,

    #[token("(")]
    LPar,
    #[token(")")]
    RPar,
    #[token("[")]
    LSqb,
    #[token("]")]
    RSqb,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token(":")]
    Colon,
    #[token(",")]
    Comma,
    #[token(";")]
    Semi,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    #[token("|")]
    VBar,
    #[token("&")]
    Amper,
    #[token("<")]
    Less,
    #[token(">")]
    Greater,
    #[token("=")]
    Equal,
    #[token(".")]
    Dot,
    #[token("%")]
    Percent,
    #[token("==")]
    EqEqual,
    #[token("!=")]
    NotEqual,
    #[token("<=")]
    LessEqual,
    #[token(">=")]
    GreaterEqual,
    #[token("~")]
    Tilde,
    #[token("^")]
    CircumFlex,
    #[token("<<")]
    LeftShift,
    #[token(">>")]
    RightShift,
    #[token("**")]
    DoubleStar,
    #[token("+=")]
    PlusEqual,
    #[token("-=")]
    MinEqual,
    #[token("*=")]
    StarEqual,
    #[token("/=")]
    SlashEqual,
    #[token("%=")]
    PercentEqual,
    #[token("&=")]
    AmperEqual,
    #[token("|=")]
    VBarEqual,
    #[token("^=")]
    CircumflexEqual,
    #[token("<<=")]
    LeftShiftEqual,
    #[token(">>=")]
    RightShiftEqual,
    #[token("**=")]
    DoubleStarEqual,
    #[token("//")]
    DoubleSlash,
    #[token("//=")]
    DoubleSlashEqual,
    #[token("@")]
    At,
    #[token("@=")]
    AtEqual,
    #[token("->")]
    RArrow,
    #[token("...")]
    Ellipsis,
    #[token(":=")]
    ColonEqual,
    #[token("!")]
    Exclamation,
}

/// Continue an ASCII identifier with any further identifier characters
/// (including non-ASCII XID_Continue ones).
fn name_tail(lex: &mut Lexer<RawTok>) {
    let extra = ident_continue_len(lex.remainder());
    lex.bump(extra);
}

/// A name that starts with a non-ASCII character, or an invalid character.
fn name_unicode(lex: &mut Lexer<RawTok>) -> Result<(), LexError> {
    let c = lex.slice().chars().next().unwrap_or('\0');
    if unicode_ident::is_xid_start(c) {
        let extra = ident_continue_len(lex.remainder());
        lex.bump(extra);
        Ok(())
    } else {
        Err(literal::invalid_character(c, lex.span().start))
    }
}

fn ident_continue_len(rest: &str) -> usize {
    let mut n = 0;
    for c in rest.chars() {
        if c.is_ascii_alphanumeric()
            || c == '_'
            || (!c.is_ascii() && unicode_ident::is_xid_continue(c))
        {
            n += c.len_utf8();
        } else {
            break;
        }
    }
    n
}

fn number(lex: &mut Lexer<RawTok>) -> Result<NumValue, LexError> {
    let start = lex.span().start;
    let src = lex.source();
    let (value, end) = crate::number::scan_number(src, start)?;
    lex.bump(end - lex.span().end);
    Ok(value)
}

fn string(lex: &mut Lexer<RawTok>) -> Result<StrToken, LexError> {
    let span = lex.span();
    let src = lex.source();
    let (tok, end) = literal::scan_string(src, span.start, span.end - 1)?;
    lex.bump(end - span.end);
    Ok(tok)
}

/// A backslash not followed by a newline (those are skipped as whitespace).
fn backslash(lex: &mut Lexer<RawTok>) -> Result<(), LexError> {
    Err(literal::backslash_error(lex.source(), lex.span().start))
}

/// The parser's tokens (lalrpop terminals). Keywords are separate variants.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    StartModule,
    StartExpression,
    StartInteractive,
    StartFString,
    /// A `(` right after `with` whose matching `)` is followed by `:`.
    WithLPar,
    Newline,
    Indent,
    Dedent,
    Name(String),
    Number(NumValue),
    Str(StrToken),
    // keywords
    False,
    None,
    True,
    And,
    As,
    Assert,
    Async,
    Await,
    Break,
    Class,
    Continue,
    Def,
    Del,
    Elif,
    Else,
    Except,
    Finally,
    For,
    From,
    Global,
    If,
    Import,
    In,
    Is,
    Lambda,
    Nonlocal,
    Not,
    Or,
    Pass,
    Raise,
    Return,
    Try,
    While,
    With,
    Yield,
    // operators and delimiters
    LPar,
    RPar,
    LSqb,
    RSqb,
    LBrace,
    RBrace,
    Colon,
    Comma,
    Semi,
    Plus,
    Minus,
    Star,
    Slash,
    VBar,
    Amper,
    Less,
    Greater,
    Equal,
    Dot,
    Percent,
    EqEqual,
    NotEqual,
    LessEqual,
    GreaterEqual,
    Tilde,
    CircumFlex,
    LeftShift,
    RightShift,
    DoubleStar,
    PlusEqual,
    MinEqual,
    StarEqual,
    SlashEqual,
    PercentEqual,
    AmperEqual,
    VBarEqual,
    CircumflexEqual,
    LeftShiftEqual,
    RightShiftEqual,
    DoubleStarEqual,
    DoubleSlash,
    DoubleSlashEqual,
    At,
    AtEqual,
    RArrow,
    Ellipsis,
    ColonEqual,
    Exclamation,
}

/// The keyword token for `name`, if it is one.
pub fn keyword(name: &str) -> Option<Tok> {
    Some(match name {
        "False" => Tok::False,
        "None" => Tok::None,
        "True" => Tok::True,
        "and" => Tok::And,
        "as" => Tok::As,
        "assert" => Tok::Assert,
        "async" => Tok::Async,
        "await" => Tok::Await,
        "break" => Tok::Break,
        "class" => Tok::Class,
        "continue" => Tok::Continue,
        "def" => Tok::Def,
        "del" => Tok::Del,
        "elif" => Tok::Elif,
        "else" => Tok::Else,
        "except" => Tok::Except,
        "finally" => Tok::Finally,
        "for" => Tok::For,
        "from" => Tok::From,
        "global" => Tok::Global,
        "if" => Tok::If,
        "import" => Tok::Import,
        "in" => Tok::In,
        "is" => Tok::Is,
        "lambda" => Tok::Lambda,
        "nonlocal" => Tok::Nonlocal,
        "not" => Tok::Not,
        "or" => Tok::Or,
        "pass" => Tok::Pass,
        "raise" => Tok::Raise,
        "return" => Tok::Return,
        "try" => Tok::Try,
        "while" => Tok::While,
        "with" => Tok::With,
        "yield" => Tok::Yield,
        _ => return None,
    })
}

impl Tok {
    /// Convert a raw token (with its source text) to a parser token.
    /// Layout tokens (`Newline`) are handled by the layout pass.
    pub fn from_raw(raw: RawTok, text: &str) -> Tok {
        match raw {
            RawTok::Newline => Tok::Newline,
            RawTok::Name => keyword(text).unwrap_or_else(|| Tok::Name(text.to_string())),
            RawTok::Number(v) => Tok::Number(v),
            RawTok::Str(s) => Tok::Str(s),
            RawTok::Backslash => Tok::Exclamation, // unreachable: backslash always errors
            RawTok::LPar => Tok::LPar,
            RawTok::RPar => Tok::RPar,
            RawTok::LSqb => Tok::LSqb,
            RawTok::RSqb => Tok::RSqb,
            RawTok::LBrace => Tok::LBrace,
            RawTok::RBrace => Tok::RBrace,
            RawTok::Colon => Tok::Colon,
            RawTok::Comma => Tok::Comma,
            RawTok::Semi => Tok::Semi,
            RawTok::Plus => Tok::Plus,
            RawTok::Minus => Tok::Minus,
            RawTok::Star => Tok::Star,
            RawTok::Slash => Tok::Slash,
            RawTok::VBar => Tok::VBar,
            RawTok::Amper => Tok::Amper,
            RawTok::Less => Tok::Less,
            RawTok::Greater => Tok::Greater,
            RawTok::Equal => Tok::Equal,
            RawTok::Dot => Tok::Dot,
            RawTok::Percent => Tok::Percent,
            RawTok::EqEqual => Tok::EqEqual,
            RawTok::NotEqual => Tok::NotEqual,
            RawTok::LessEqual => Tok::LessEqual,
            RawTok::GreaterEqual => Tok::GreaterEqual,
            RawTok::Tilde => Tok::Tilde,
            RawTok::CircumFlex => Tok::CircumFlex,
            RawTok::LeftShift => Tok::LeftShift,
            RawTok::RightShift => Tok::RightShift,
            RawTok::DoubleStar => Tok::DoubleStar,
            RawTok::PlusEqual => Tok::PlusEqual,
            RawTok::MinEqual => Tok::MinEqual,
            RawTok::StarEqual => Tok::StarEqual,
            RawTok::SlashEqual => Tok::SlashEqual,
            RawTok::PercentEqual => Tok::PercentEqual,
            RawTok::AmperEqual => Tok::AmperEqual,
            RawTok::VBarEqual => Tok::VBarEqual,
            RawTok::CircumflexEqual => Tok::CircumflexEqual,
            RawTok::LeftShiftEqual => Tok::LeftShiftEqual,
            RawTok::RightShiftEqual => Tok::RightShiftEqual,
            RawTok::DoubleStarEqual => Tok::DoubleStarEqual,
            RawTok::DoubleSlash => Tok::DoubleSlash,
            RawTok::DoubleSlashEqual => Tok::DoubleSlashEqual,
            RawTok::At => Tok::At,
            RawTok::AtEqual => Tok::AtEqual,
            RawTok::RArrow => Tok::RArrow,
            RawTok::Ellipsis => Tok::Ellipsis,
            RawTok::ColonEqual => Tok::ColonEqual,
            RawTok::Exclamation => Tok::Exclamation,
        }
    }

    /// True for tokens that can end an expression (used by error hints).
    pub fn ends_expr(&self) -> bool {
        matches!(
            self,
            Tok::Name(_)
                | Tok::Number(_)
                | Tok::Str(_)
                | Tok::RPar
                | Tok::RSqb
                | Tok::RBrace
                | Tok::True
                | Tok::False
                | Tok::None
                | Tok::Ellipsis
        )
    }

    /// True for tokens that can start an expression operand (error hints).
    pub fn starts_operand(&self) -> bool {
        matches!(
            self,
            Tok::Name(_)
                | Tok::Number(_)
                | Tok::Str(_)
                | Tok::LPar
                | Tok::LSqb
                | Tok::LBrace
                | Tok::True
                | Tok::False
                | Tok::None
                | Tok::Ellipsis
                | Tok::Lambda
                | Tok::Not
                | Tok::Tilde
        )
    }
}
