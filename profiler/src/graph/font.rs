//! The one font graphs are measured and drawn with: DejaVu Sans, embedded
//! in the binary (the `dejavu` crate), so that a graph lays out and
//! rasterises the same on every machine, with or without system fonts.
//!
//! Invariant: `text_width` uses the same font data the PNG rasteriser
//! loads (`data()`), and the SVG names the same family (`FAMILY`), so the
//! boxes the layout sizes fit the text drawn in them.

use std::sync::OnceLock;

use resvg::usvg::fontdb;
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

/// The family name written in SVG `font-family` attributes.
pub const FAMILY: &str = "DejaVu Sans";

/// The raw font file.
pub fn data() -> &'static [u8] {
    dejavu::sans::regular()
}

/// Advance widths of the printable ASCII characters at size 1, and the
/// width used for characters the font lacks.
struct Widths {
    ascii: [f32; 95],
    fallback: f32,
}

fn widths() -> &'static Widths {
    static W: OnceLock<Widths> = OnceLock::new();
    W.get_or_init(|| {
        let mut w = Widths {
            ascii: [0.6; 95],
            fallback: 0.6,
        };
        if let Ok(font) = FontRef::new(data()) {
            let metrics = font.glyph_metrics(Size::new(1.0), LocationRef::default());
            let map = font.charmap();
            for (i, slot) in w.ascii.iter_mut().enumerate() {
                let ch = (b' ' + i as u8) as char;
                if let Some(a) = map.map(ch).and_then(|g| metrics.advance_width(g)) {
                    *slot = a;
                }
            }
            if let Some(a) = map.map('M').and_then(|g| metrics.advance_width(g)) {
                w.fallback = a;
            }
        }
        w
    })
}

/// Width of one line of text at `size` points.
pub fn text_width(text: &str, size: f64) -> f64 {
    let w = widths();
    // Parsed only when a character outside printable ASCII turns up.
    let mut font: Option<Option<FontRef>> = None;
    let mut total = 0.0f64;
    for ch in text.chars() {
        let c = ch as u32;
        if (0x20..0x7f).contains(&c) {
            total += w.ascii[(c - 0x20) as usize] as f64;
            continue;
        }
        let f = font.get_or_insert_with(|| FontRef::new(data()).ok());
        let advance = f.as_ref().and_then(|f| {
            let metrics = f.glyph_metrics(Size::new(1.0), LocationRef::default());
            f.charmap().map(ch).and_then(|g| metrics.advance_width(g))
        });
        total += advance.unwrap_or(w.fallback) as f64;
    }
    total * size
}

/// A font database holding only the embedded font, for the rasteriser.
pub fn database() -> fontdb::Database {
    let mut db = fontdb::Database::new();
    db.load_font_data(data().to_vec());
    db.set_sans_serif_family(FAMILY);
    db
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_grow_with_text_and_size() {
        let a = text_width("list", 14.0);
        assert!(a > 14.0 && a < 60.0, "{a}");
        assert!(text_width("list [4]", 14.0) > a);
        assert!((text_width("list", 28.0) - 2.0 * a).abs() < 1e-6);
        assert_eq!(text_width("", 14.0), 0.0);
        assert!(text_width("é→", 10.0) > 0.0);
    }
}
