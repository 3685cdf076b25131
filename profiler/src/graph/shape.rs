//! Node geometry: how big a node is (from its label, font size, shape and
//! its `width`/`height` minimums, sized as Graphviz sizes them), and where
//! a line from its centre leaves its outline (so edges stop at the border).
//!
//! Invariant: sizes are in points and include the outline (for a
//! `doublecircle`, the outer ring).

use super::font::text_width;

/// The outlines this renderer draws; other Graphviz shapes are drawn as boxes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Box,
    Ellipse,
    Circle,
    DoubleCircle,
    /// Text only (`plaintext`, `plain`, `none`).
    Text,
}

impl Kind {
    pub fn from_attr(shape: Option<&str>) -> Kind {
        match shape.unwrap_or("ellipse") {
            "ellipse" | "oval" => Kind::Ellipse,
            "circle" | "point" => Kind::Circle,
            "doublecircle" => Kind::DoubleCircle,
            "plaintext" | "plain" | "none" => Kind::Text,
            _ => Kind::Box,
        }
    }
}

/// Space between the outer and inner ring of a double circle.
pub const RING_GAP: f64 = 4.0;
/// Line height as a multiple of the font size.
pub const LINE_SPACING: f64 = 1.2;

/// Width and height of the block of text `lines` at `size` points.
pub fn text_block(lines: &[String], size: f64) -> (f64, f64) {
    let w = lines
        .iter()
        .map(|l| text_width(l, size))
        .fold(0.0, f64::max);
    (w, lines.len() as f64 * size * LINE_SPACING)
}

/// A node's (width, height) for its text block and its minimum sizes in
/// inches (Graphviz's `width` and `height`, 0.75 and 0.5 by default).
pub fn node_size(kind: Kind, text: (f64, f64), min_w_in: f64, min_h_in: f64) -> (f64, f64) {
    // Graphviz's default margins: 0.11 in across, 0.055 in up and down.
    let (mx, my) = (16.0, 8.0);
    let min_w = min_w_in * 72.0;
    let min_h = min_h_in * 72.0;
    match kind {
        Kind::Box => ((text.0 + mx).max(min_w), (text.1 + my).max(min_h)),
        Kind::Text => (text.0 + mx, text.1 + my),
        Kind::Ellipse => {
            // The ellipse through the corners of the padded text box.
            let w = (text.0 + mx) * std::f64::consts::SQRT_2;
            let h = (text.1 + my) * std::f64::consts::SQRT_2;
            (w.max(min_w), h.max(min_h))
        }
        Kind::Circle | Kind::DoubleCircle => {
            let d = (text.0 + my)
                .hypot(text.1 + my)
                .max(min_w.min(min_h))
                .max(min_h);
            let d = if kind == Kind::DoubleCircle {
                d + 2.0 * RING_GAP
            } else {
                d
            };
            (d, d)
        }
    }
}

/// The point where the segment from `center` towards `toward` crosses
/// the outline of a node of this kind and size (the centre itself when
/// `toward` is inside).
pub fn boundary(
    kind: Kind,
    center: (f64, f64),
    size: (f64, f64),
    toward: (f64, f64),
) -> (f64, f64) {
    let (dx, dy) = (toward.0 - center.0, toward.1 - center.1);
    if dx == 0.0 && dy == 0.0 {
        return center;
    }
    let (a, b) = (size.0 / 2.0, size.1 / 2.0);
    let t = match kind {
        Kind::Box | Kind::Text => {
            let tx = if dx != 0.0 {
                a / dx.abs()
            } else {
                f64::INFINITY
            };
            let ty = if dy != 0.0 {
                b / dy.abs()
            } else {
                f64::INFINITY
            };
            tx.min(ty)
        }
        Kind::Ellipse | Kind::Circle | Kind::DoubleCircle => {
            1.0 / ((dx / a).powi(2) + (dy / b).powi(2)).sqrt()
        }
    };
    if t >= 1.0 {
        return center;
    }
    (center.0 + dx * t, center.1 + dy * t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boxes_have_graphviz_minimums() {
        assert_eq!(node_size(Kind::Box, (10.0, 10.0), 0.75, 0.5), (54.0, 36.0));
        let (w, h) = node_size(Kind::Box, (200.0, 50.0), 0.75, 0.5);
        assert_eq!((w, h), (216.0, 58.0));
        let (w, h) = node_size(Kind::DoubleCircle, (20.0, 8.0), 0.75, 0.25);
        assert_eq!(w, h);
        assert!(w >= 18.0 + 2.0 * RING_GAP);
    }

    #[test]
    fn edges_stop_at_the_outline() {
        let p = boundary(Kind::Box, (0.0, 0.0), (40.0, 20.0), (0.0, 100.0));
        assert_eq!(p, (0.0, 10.0));
        let p = boundary(Kind::Circle, (0.0, 0.0), (20.0, 20.0), (100.0, 0.0));
        assert!((p.0 - 10.0).abs() < 1e-9 && p.1.abs() < 1e-9);
        assert_eq!(
            boundary(Kind::Box, (0.0, 0.0), (40.0, 20.0), (1.0, 1.0)),
            (0.0, 0.0)
        );
    }
}
