//! SVG to PNG: the SVG the renderer wrote is parsed by `usvg` and drawn by
//! `resvg` onto a `tiny-skia` pixmap, which encodes itself as PNG. Text is
//! shaped with the embedded font only (`font.rs`), never system fonts, so
//! the same graph gives the same pixels everywhere.
//!
//! Invariant: the image is the SVG's size in CSS pixels (points × 4/3, the
//! 96 dpi Graphviz's PNG output also uses), capped at `MAX_SIDE` pixels a
//! side by scaling the whole picture down.

use std::sync::Arc;

use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg::{Options, Tree};

use super::font;

/// Largest width or height of a rendered image, in pixels.
pub const MAX_SIDE: f32 = 16384.0;

/// Rasterises `svg` and returns the PNG file's bytes.
pub fn svg_to_png(svg: &str) -> Result<Vec<u8>, String> {
    let opt = Options {
        fontdb: Arc::new(font::database()),
        font_family: font::FAMILY.to_string(),
        ..Options::default()
    };
    let tree = Tree::from_str(svg, &opt).map_err(|e| format!("cannot read the SVG: {e}"))?;
    let size = tree.size();
    let scale = (MAX_SIDE / size.width().max(size.height())).min(1.0);
    let w = (size.width() * scale).ceil().max(1.0) as u32;
    let h = (size.height() * scale).ceil().max(1.0) as u32;
    let mut pixmap = Pixmap::new(w, h).ok_or_else(|| format!("cannot make a {w}x{h} image"))?;
    resvg::render(
        &tree,
        Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| format!("cannot encode the PNG: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_picture_becomes_a_png() {
        let svg = "<svg width=\"30pt\" height=\"15pt\" viewBox=\"0 0 30 15\" xmlns=\"http://www.w3.org/2000/svg\"><rect width=\"30\" height=\"15\" fill=\"#ff0000\"/><text x=\"2\" y=\"12\" font-family=\"DejaVu Sans\" font-size=\"10\">ab</text></svg>";
        let png = svg_to_png(svg).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        let w = u32::from_be_bytes(png[16..20].try_into().unwrap());
        let h = u32::from_be_bytes(png[20..24].try_into().unwrap());
        assert_eq!((w, h), (40, 20));
        assert!(svg_to_png("not svg").is_err());
    }
}
