//! The only list of normalisations applied to program output before comparison.
//! `scripts/regen-expected` applies the same ones, in the same order, to
//! CPython's output when it writes the sidecars; change both together.
//! 1. the absolute path of the program's folder becomes `$DIR`;
//! 2. addresses in default reprs (`<A object at 0x7f3a...>`) become `0xADDR`
//!    (LANGUAGE.md: id() values and repr addresses differ). Only the
//!    ` at 0x...` form is rewritten so that hex(), `%x` and float.hex()
//!    output is still compared digit for digit.

use std::path::Path;

/// Applies every normalisation to `text`, printed by a program run in `dir`.
pub fn normalize(text: &str, dir: &Path) -> String {
    let mut out = text.to_string();
    let mut folders = vec![dir.to_string_lossy().into_owned()];
    if let Ok(real) = dir.canonicalize() {
        let real = real.to_string_lossy().into_owned();
        if !folders.contains(&real) {
            folders.push(real);
        }
    }
    for folder in &folders {
        out = out.replace(folder.as_str(), "$DIR");
    }
    replace_addresses(&out)
}

/// Rewrites every ` at 0x<lowercase hex digits>` to ` at 0xADDR`.
fn replace_addresses(text: &str) -> String {
    const MARK: &str = " at 0x";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find(MARK) {
        let after = &rest[pos + MARK.len()..];
        let digits = after
            .bytes()
            .take_while(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
            .count();
        out.push_str(&rest[..pos + MARK.len()]);
        if digits > 0 {
            out.push_str("ADDR");
        }
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_folder_and_addresses_only() {
        let dir = Path::new("/no/such/dir");
        let text = "File \"/no/such/dir/a.mini\"\n<A object at 0x7f00ab12> 0xff at 0xZ\n";
        assert_eq!(
            normalize(text, dir),
            "File \"$DIR/a.mini\"\n<A object at 0xADDR> 0xff at 0xZ\n"
        );
    }
}
