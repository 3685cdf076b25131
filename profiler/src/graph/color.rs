//! Graphviz colour values turned into SVG colours: `#rrggbb`,
//! `#rrggbbaa`, HSV triples `"h,s,v"` / `"h s v"` with each part in 0..1
//! (what objgraph writes), and the common X11 colour names.
//!
//! Invariant: every colour this module returns is a `#rrggbb` string (plus
//! an opacity below 1 when the input had an alpha byte), so the SVG
//! writer and the PNG rasteriser read exactly the same colour.

/// An RGB colour with opacity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Color {
    pub r: u8,
    pub g: u8,
    pub b: u8,
    pub alpha: f64,
}

impl Color {
    pub const BLACK: Color = Color::rgb(0, 0, 0);
    pub const WHITE: Color = Color::rgb(255, 255, 255);

    pub const fn rgb(r: u8, g: u8, b: u8) -> Color {
        Color {
            r,
            g,
            b,
            alpha: 1.0,
        }
    }

    pub fn hex(&self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }

    /// Perceived brightness, 0 (black) to 1 (white).
    pub fn luma(&self) -> f64 {
        (0.299 * self.r as f64 + 0.587 * self.g as f64 + 0.114 * self.b as f64) / 255.0
    }
}

/// X11 names Graphviz knows and object graphs commonly use.
const NAMES: &[(&str, [u8; 3])] = &[
    ("black", [0, 0, 0]),
    ("white", [255, 255, 255]),
    ("red", [255, 0, 0]),
    ("green", [0, 255, 0]),
    ("blue", [0, 0, 255]),
    ("yellow", [255, 255, 0]),
    ("cyan", [0, 255, 255]),
    ("magenta", [255, 0, 255]),
    ("gray", [192, 192, 192]),
    ("grey", [192, 192, 192]),
    ("lightgray", [211, 211, 211]),
    ("lightgrey", [211, 211, 211]),
    ("darkgray", [169, 169, 169]),
    ("darkgrey", [169, 169, 169]),
    ("dimgray", [105, 105, 105]),
    ("orange", [255, 165, 0]),
    ("purple", [160, 32, 240]),
    ("brown", [165, 42, 42]),
    ("pink", [255, 192, 203]),
    ("navy", [0, 0, 128]),
    ("gold", [255, 215, 0]),
    ("lightblue", [173, 216, 230]),
    ("lightyellow", [255, 255, 224]),
    ("lightgreen", [144, 238, 144]),
    ("darkgreen", [0, 100, 0]),
    ("darkred", [139, 0, 0]),
    ("orangered", [255, 69, 0]),
    ("violet", [238, 130, 238]),
    ("salmon", [250, 128, 114]),
    ("beige", [245, 245, 220]),
    ("ivory", [255, 255, 240]),
];

/// The colour named by a Graphviz colour value, or None if it is not one
/// this module understands (callers fall back to their default).
pub fn parse(value: &str) -> Option<Color> {
    let v = value.trim();
    if let Some(hex) = v.strip_prefix('#') {
        return parse_hex(hex);
    }
    if v.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return parse_hsv(v);
    }
    let lower = v.to_ascii_lowercase();
    if lower == "none" || lower == "transparent" || lower == "invis" {
        return Some(Color {
            alpha: 0.0,
            ..Color::WHITE
        });
    }
    NAMES
        .iter()
        .find(|(n, _)| *n == lower)
        .map(|(_, c)| Color::rgb(c[0], c[1], c[2]))
}

fn parse_hex(hex: &str) -> Option<Color> {
    let byte = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
    match hex.len() {
        6 => Some(Color::rgb(byte(0)?, byte(2)?, byte(4)?)),
        8 => Some(Color {
            alpha: byte(6)? as f64 / 255.0,
            ..Color::rgb(byte(0)?, byte(2)?, byte(4)?)
        }),
        _ => None,
    }
}

fn parse_hsv(v: &str) -> Option<Color> {
    let parts: Vec<f64> = v
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .map(|p| p.parse::<f64>().ok())
        .collect::<Option<Vec<_>>>()?;
    if parts.len() != 3 {
        return None;
    }
    let clamp = |x: f64| x.clamp(0.0, 1.0);
    let (r, g, b) = hsv_to_rgb(clamp(parts[0]), clamp(parts[1]), clamp(parts[2]));
    let byte = |x: f64| (x * 255.0).round() as u8;
    Some(Color::rgb(byte(r), byte(g), byte(b)))
}

/// HSV (each in 0..1, hue as a fraction of the circle) to RGB in 0..1.
pub fn hsv_to_rgb(h: f64, s: f64, v: f64) -> (f64, f64, f64) {
    if s <= 0.0 {
        return (v, v, v);
    }
    let h6 = (h * 6.0) % 6.0;
    let sector = h6.floor();
    let f = h6 - sector;
    let p = v * (1.0 - s);
    let q = v * (1.0 - s * f);
    let t = v * (1.0 - s * (1.0 - f));
    match sector as u32 {
        0 => (v, t, p),
        1 => (q, v, p),
        2 => (p, v, t),
        3 => (p, q, v),
        4 => (t, p, v),
        _ => (v, p, q),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objgraph_colours() {
        assert_eq!(parse("0,0,1").unwrap().hex(), "#ffffff");
        assert_eq!(parse("0,0,0.3").unwrap().hex(), "#4d4d4d");
        assert_eq!(parse("0,0,0.766667").unwrap().hex(), "#c4c4c4");
        // Modules: h=.3, s=1 (a green); highlighted: h=.6, s=.6 (a blue).
        assert_eq!(parse("0.3,1,1").unwrap().hex(), "#33ff00");
        assert_eq!(parse("0.6,0.6,1").unwrap().hex(), "#66a3ff");
        assert_eq!(parse("0,.5,1").unwrap().hex(), "#ff8080");
    }

    #[test]
    fn names_and_hex() {
        assert_eq!(parse("red"), Some(Color::rgb(255, 0, 0)));
        assert_eq!(parse("#10A0ff").unwrap().hex(), "#10a0ff");
        assert_eq!(parse("#10a0ff80").unwrap().alpha, 128.0 / 255.0);
        assert_eq!(parse("none").unwrap().alpha, 0.0);
        assert_eq!(parse("nosuchcolour"), None);
        assert_eq!(parse("1,2"), None);
    }
}
