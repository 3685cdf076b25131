//! Float text conversions shared by repr, str and formatting: CPython's
//! `repr(float)` (shortest round-tripping digits; positional notation for
//! exponents in [-4, 16), scientific otherwise) and helpers to split a
//! number into digits and exponent.

/// The shortest digits that round-trip and the decimal exponent of the
/// first digit: `x = 0.d1d2d3... * 10**(exp+1)`, i.e. d1 is at 10**exp.
pub fn shortest_digits(x: f64) -> (String, i32) {
    let s = format!("{:e}", x.abs());
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let mut digits: String = mant.chars().filter(|c| *c != '.').collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    if digits.len() >= 15 {
        if let Some(even) = tie_to_even(x.abs(), &digits) {
            digits = even;
        }
    }
    (digits, exp)
}

/// When the value lies exactly halfway between two shortest decimal
/// strings that both read back as `x`, CPython (David Gay's algorithm)
/// picks the one with an even last digit; Rust's formatter rounds up.
/// Returns the even choice when it differs from `digits`.
fn tie_to_even(x: f64, digits: &str) -> Option<String> {
    let n = digits.len();
    let exact = format!("{:.*e}", n + 24, x);
    let mant: String = exact
        .split('e')
        .next()?
        .chars()
        .filter(|c| *c != '.')
        .collect();
    let (head, rest) = mant.split_at(n);
    if !rest.starts_with('5') || !rest[1..].bytes().all(|b| b == b'0') {
        return None;
    }
    // The two candidates are `head` (truncated) and `head + 1`.
    let last = head.as_bytes()[n - 1] - b'0';
    if !last.is_multiple_of(2) {
        // head is odd, so head + 1 is the even choice, which Rust made.
        return None;
    }
    if head == digits {
        return None;
    }
    // head is even and round-trips: prefer it.
    let (_, e) = exact.split_once('e')?;
    let candidate = format!("{}.{}e{}", &head[..1], &head[1..], e);
    if candidate.parse::<f64>().ok()? == x {
        Some(head.trim_end_matches('0').to_string()).filter(|s| !s.is_empty())
    } else {
        None
    }
}

/// `repr(x)` for a float, as CPython prints it.
pub fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    let (digits, exp) = shortest_digits(x);
    let sign = if x < 0.0 { "-" } else { "" };
    if (-4..16).contains(&exp) {
        format!("{sign}{}", positional(&digits, exp, true))
    } else {
        let mut m = String::new();
        m.push_str(&digits[..1]);
        if digits.len() > 1 {
            m.push('.');
            m.push_str(&digits[1..]);
        }
        format!(
            "{sign}{m}e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        )
    }
}

/// Digits placed around the decimal point (`force_point` adds ".0" to
/// integral values).
pub fn positional(digits: &str, exp: i32, force_point: bool) -> String {
    let n = digits.len() as i32;
    if exp < 0 {
        let zeros = (-exp - 1) as usize;
        format!("0.{}{}", "0".repeat(zeros), digits)
    } else if exp + 1 >= n {
        let zeros = (exp + 1 - n) as usize;
        if force_point {
            format!("{}{}.0", digits, "0".repeat(zeros))
        } else {
            format!("{}{}", digits, "0".repeat(zeros))
        }
    } else {
        let (a, b) = digits.split_at((exp + 1) as usize);
        format!("{a}.{b}")
    }
}
