//! Shell-style filename matching with Python's `fnmatch.fnmatchcase` rules
//! (POSIX: case-sensitive): `*` matches any run of characters (`/` too),
//! `?` one character, `[seq]` one character of the set (ranges `a-z`, a
//! leading `!` negates, a `]` right after `[` or `[!` is a member), and an
//! unclosed `[` is a literal. Used by `tracemalloc.Filter`.
//!
//! Matching is iterative with single-star backtracking, so it is linear in
//! practice and never recurses.

enum Tok {
    Char(char),
    Any,
    Star,
    Set { neg: bool, items: Vec<(char, char)> },
}

fn parse(pat: &[char]) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < pat.len() {
        let c = pat[i];
        i += 1;
        match c {
            '*' => {
                if !matches!(out.last(), Some(Tok::Star)) {
                    out.push(Tok::Star);
                }
            }
            '?' => out.push(Tok::Any),
            '[' => {
                let mut j = i;
                if j < pat.len() && pat[j] == '!' {
                    j += 1;
                }
                if j < pat.len() && pat[j] == ']' {
                    j += 1;
                }
                while j < pat.len() && pat[j] != ']' {
                    j += 1;
                }
                if j >= pat.len() {
                    out.push(Tok::Char('['));
                    continue;
                }
                let mut k = i;
                let neg = pat[k] == '!';
                if neg {
                    k += 1;
                }
                let mut items = Vec::new();
                let mut first = true;
                while k < j {
                    let a = pat[k];
                    if !first && a == ']' {
                        break;
                    }
                    first = false;
                    if k + 2 < j && pat[k + 1] == '-' {
                        items.push((a, pat[k + 2]));
                        k += 3;
                    } else {
                        items.push((a, a));
                        k += 1;
                    }
                }
                out.push(Tok::Set { neg, items });
                i = j + 1;
            }
            c => out.push(Tok::Char(c)),
        }
    }
    out
}

fn one(t: &Tok, c: char) -> bool {
    match t {
        Tok::Char(x) => *x == c,
        Tok::Any => true,
        Tok::Set { neg, items } => items.iter().any(|&(a, b)| a <= c && c <= b) != *neg,
        Tok::Star => false,
    }
}

/// Whether `name` matches the shell pattern `pat`.
pub fn fnmatch(name: &str, pat: &str) -> bool {
    let p: Vec<char> = pat.chars().collect();
    let toks = parse(&p);
    let s: Vec<char> = name.chars().collect();
    let (mut ti, mut si) = (0usize, 0usize);
    let mut back: Option<(usize, usize)> = None;
    loop {
        if ti < toks.len() {
            if let Tok::Star = toks[ti] {
                back = Some((ti, si));
                ti += 1;
                continue;
            }
            if si < s.len() && one(&toks[ti], s[si]) {
                ti += 1;
                si += 1;
                continue;
            }
        } else if si == s.len() {
            return true;
        }
        match back {
            Some((bt, bs)) if bs < s.len() => {
                back = Some((bt, bs + 1));
                ti = bt + 1;
                si = bs + 1;
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fnmatch;

    #[test]
    fn patterns() {
        assert!(fnmatch("a.py", "*.py"));
        assert!(fnmatch("dir/a.py", "*.py"));
        assert!(!fnmatch("a.pyc", "*.py"));
        assert!(fnmatch("abc", "a?c"));
        assert!(fnmatch("abc", "a[a-c]c"));
        assert!(!fnmatch("abc", "a[!b]c"));
        assert!(fnmatch("a]c", "a[]]c"));
        assert!(fnmatch("a[c", "a[c"));
        assert!(fnmatch("<unknown>", "<unknown>"));
        assert!(fnmatch("", "*"));
        assert!(!fnmatch("x", ""));
        assert!(fnmatch("aXbXc", "a*b*c"));
        assert!(!fnmatch("aXbXd", "a*b*c"));
    }
}
