//! mprof's memory-over-time chart, drawn as SVG with no plotting library:
//! `plot(out, title, label, samples, funcs, timestamps=True, xlim=None)`.
//!
//! The layout follows `mprof plot` (matplotlib, a 14×6 inch figure at 90
//! dpi, axes at [0.1, 0.1, 0.6, 0.75] of it, legend to the right of the
//! axes): samples and the entry/exit points of the profiled functions are
//! merged, sorted by time and drawn as one black line with `+` markers
//! against seconds since the first point; x label `time (in seconds)`, y
//! label `memory used (in MiB)`, the command line as title, a grid. Each
//! call of a `@profile` function gets mprof's pair of brackets (entry and
//! exit, at the memory of that moment) in its function's colour, over a
//! faint span of that colour; the peak is marked by dashed red lines.
//!
//! `samples` are (time, MiB) pairs; `funcs` are (legend label, colour
//! index, start, end, MiB at start, MiB at end). Invariants: all text is
//! XML-escaped; axis limits come from matplotlib's rule (5 % margins, then
//! "nice" tick steps of 1, 2, 2.5 or 5 × 10^k).

use std::fmt::Write;

use mini_interpreter::object::str::str_of;
use mini_interpreter::object::tuple::Tuple;
use mini_interpreter::object::value::Value;
use mini_interpreter::vm::args::Args;
use mini_interpreter::vm::arith::{as_num, Num};
use mini_interpreter::{PyResult, Vm};

use crate::graph::font::{text_width, FAMILY};

const W: f64 = 1260.0;
const H: f64 = 540.0;
/// Axes box: left, top, width, height (figure fractions as mprof's).
const AX: (f64, f64, f64, f64) = (126.0, 81.0, 756.0, 405.0);
/// 10 pt at 90 dpi.
const FONT: f64 = 12.5;
const TITLE_FONT: f64 = 15.0;
/// matplotlib's single-letter colours mprof uses: c, y, g, r, b.
const FUNC_COLORS: [&str; 5] = ["#00bfbf", "#bfbf00", "#008000", "#ff0000", "#0000ff"];

/// One call of a profiled function.
pub struct Call {
    pub label: String,
    pub color: usize,
    pub t0: f64,
    pub t1: f64,
    pub m0: f64,
    pub m1: f64,
}

/// Everything one chart shows.
pub struct Chart {
    pub title: Option<String>,
    pub label: String,
    pub samples: Vec<(f64, f64)>,
    pub calls: Vec<Call>,
    pub timestamps: bool,
    pub xlim: Option<(f64, f64)>,
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

/// matplotlib's default view limits: data range plus 5 % on each side
/// (a flat range is widened around its value).
fn limits(lo: f64, hi: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
        let d = if lo == 0.0 { 1.0 } else { lo.abs() * 0.05 };
        return (lo - d, hi + d);
    }
    let m = (hi - lo) * 0.05;
    (lo - m, hi + m)
}

/// Tick positions: the "nice" step giving at most 9 ticks inside (lo, hi).
fn ticks(lo: f64, hi: f64) -> (Vec<f64>, f64) {
    let span = hi - lo;
    let raw = span / 8.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| span / s <= 8.0 + 1e-9)
        .unwrap_or(10.0 * mag);
    let mut out = Vec::new();
    let mut k = (lo / step).ceil();
    while k * step <= hi + step * 1e-9 {
        out.push(k * step);
        k += 1.0;
    }
    (out, step)
}

/// A tick label with as many decimals as the step needs.
fn tick_label(v: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-(step.log10()).floor() as usize
            + usize::from((step * 10f64.powi(-(step.log10().floor() as i32))).fract() > 1e-6))
        .min(6)
    };
    let v = if v.abs() < step * 1e-9 { 0.0 } else { v };
    format!("{v:.decimals$}").replace('-', "\u{2212}")
}

impl Chart {
    /// The SVG text of the chart.
    pub fn svg(&self) -> String {
        let mut pts: Vec<(f64, f64)> = self.samples.clone();
        for c in &self.calls {
            pts.push((c.t0, c.m0));
            pts.push((c.t1, c.m1));
        }
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        let start = pts.first().map_or(0.0, |p| p.0);
        let pts: Vec<(f64, f64)> = pts.iter().map(|(t, m)| (t - start, *m)).collect();
        let tmax = pts.last().map_or(1.0, |p| p.0);
        let (mlo, mhi) = pts
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
                (a.min(p.1), b.max(p.1))
            });
        let (x0, x1) = self.xlim.unwrap_or_else(|| limits(0.0, tmax));
        let (y0, y1) = limits(mlo, mhi);
        let (ax, ay, aw, ah) = AX;
        let sx = |t: f64| ax + (t - x0) / (x1 - x0) * aw;
        let sy = |m: f64| ay + ah - (m - y0) / (y1 - y0) * ah;

        let mut s = String::new();
        let _ = writeln!(
            s,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}pt\" height=\"{H}pt\" \
             viewBox=\"0 0 {W} {H}\" font-family=\"{FAMILY}, sans-serif\">"
        );
        let _ = writeln!(s, "<rect width=\"{W}\" height=\"{H}\" fill=\"white\"/>");
        let _ = writeln!(
            s,
            "<defs><clipPath id=\"axes\"><rect x=\"{ax}\" y=\"{ay}\" width=\"{aw}\" height=\"{ah}\"/></clipPath></defs>"
        );

        // Grid and ticks.
        let (xt, xstep) = ticks(x0, x1);
        let (yt, ystep) = ticks(y0, y1);
        s.push_str("<g stroke=\"#b0b0b0\" stroke-width=\"1\">\n");
        for t in &xt {
            let x = sx(*t);
            let _ = writeln!(
                s,
                "<line x1=\"{x:.2}\" y1=\"{ay}\" x2=\"{x:.2}\" y2=\"{:.2}\"/>",
                ay + ah
            );
        }
        for m in &yt {
            let y = sy(*m);
            let _ = writeln!(
                s,
                "<line x1=\"{ax}\" y1=\"{y:.2}\" x2=\"{:.2}\" y2=\"{y:.2}\"/>",
                ax + aw
            );
        }
        s.push_str("</g>\n<g font-size=\"12.5\" fill=\"black\">\n");
        for t in &xt {
            let x = sx(*t);
            let _ = writeln!(
                s,
                "<line x1=\"{x:.2}\" y1=\"{:.2}\" x2=\"{x:.2}\" y2=\"{:.2}\" stroke=\"black\"/>\
                 <text x=\"{x:.2}\" y=\"{:.2}\" text-anchor=\"middle\">{}</text>",
                ay + ah,
                ay + ah + 4.4,
                ay + ah + 8.0 + FONT,
                tick_label(*t, xstep)
            );
        }
        for m in &yt {
            let y = sy(*m);
            let _ = writeln!(
                s,
                "<line x1=\"{:.2}\" y1=\"{y:.2}\" x2=\"{ax}\" y2=\"{y:.2}\" stroke=\"black\"/>\
                 <text x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"end\">{}</text>",
                ax - 4.4,
                ax - 7.0,
                y + FONT * 0.35,
                tick_label(*m, ystep)
            );
        }
        let _ = writeln!(
            s,
            "<text x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"middle\">time (in seconds)</text>",
            ax + aw / 2.0,
            ay + ah + 14.0 + 2.0 * FONT
        );
        let ylab_w = yt
            .iter()
            .map(|m| text_width(&tick_label(*m, ystep), FONT))
            .fold(0.0, f64::max);
        let yl = ax - 12.0 - ylab_w - FONT * 0.4;
        let _ = writeln!(
            s,
            "<text transform=\"translate({yl:.2},{:.2}) rotate(-90)\" text-anchor=\"middle\">memory used (in MiB)</text>",
            ay + ah / 2.0
        );
        if let Some(t) = &self.title {
            let _ = writeln!(
                s,
                "<text x=\"{:.2}\" y=\"{:.2}\" font-size=\"{TITLE_FONT}\" text-anchor=\"middle\">{}</text>",
                ax + aw / 2.0,
                ay - 7.5,
                esc(t.trim_end())
            );
        }
        s.push_str("</g>\n<g clip-path=\"url(#axes)\">\n");

        // Spans and brackets of the profiled calls.
        let vsize = (y1 - y0) / 20.0;
        let hsize = (x1 - x0) / 60.0;
        if self.timestamps {
            for c in &self.calls {
                let col = FUNC_COLORS[c.color % FUNC_COLORS.len()];
                let (a, b) = (sx(c.t0 - start), sx(c.t1 - start));
                let _ = writeln!(
                    s,
                    "<rect x=\"{a:.2}\" y=\"{ay}\" width=\"{:.2}\" height=\"{ah}\" fill=\"{col}\" fill-opacity=\"0.08\"/>",
                    (b - a).max(0.5)
                );
            }
            for c in &self.calls {
                let col = FUNC_COLORS[c.color % FUNC_COLORS.len()];
                for (t, m, dir) in [(c.t0 - start, c.m0, 1.0), (c.t1 - start, c.m1, -1.0)] {
                    let p = [
                        (t + dir * hsize, m + vsize),
                        (t, m + vsize),
                        (t, m - vsize),
                        (t + dir * hsize, m - vsize),
                    ];
                    let d: Vec<String> = p
                        .iter()
                        .map(|(t, m)| format!("{:.2},{:.2}", sx(*t), sy(*m)))
                        .collect();
                    let _ = writeln!(
                        s,
                        "<polyline points=\"{}\" fill=\"none\" stroke=\"{col}\" stroke-width=\"2.5\"/>",
                        d.join(" ")
                    );
                }
            }
        }

        // The memory line with its + markers.
        let line: Vec<String> = pts
            .iter()
            .map(|(t, m)| format!("{:.2},{:.2}", sx(*t), sy(*m)))
            .collect();
        let _ = writeln!(
            s,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"black\" stroke-width=\"1.9\" stroke-linejoin=\"round\"/>",
            line.join(" ")
        );
        s.push_str("<g stroke=\"black\" stroke-width=\"1.25\">\n");
        for (t, m) in &pts {
            let (x, y) = (sx(*t), sy(*m));
            let _ = writeln!(
                s,
                "<path d=\"M{:.2} {y:.2}H{:.2}M{x:.2} {:.2}V{:.2}\"/>",
                x - 4.5,
                x + 4.5,
                y - 4.5,
                y + 4.5
            );
        }
        s.push_str("</g>\n");

        // The peak.
        if self.timestamps {
            if let Some((pt, pm)) = pts
                .iter()
                .copied()
                .reduce(|a, b| if b.1 > a.1 { b } else { a })
            {
                let (x, y) = (sx(pt), sy(pm));
                let _ = writeln!(
                    s,
                    "<g stroke=\"#ff0000\" stroke-width=\"1.25\" stroke-dasharray=\"4.6,2\">\
                     <line x1=\"{ax}\" y1=\"{y:.2}\" x2=\"{:.2}\" y2=\"{y:.2}\"/>\
                     <line x1=\"{x:.2}\" y1=\"{ay}\" x2=\"{x:.2}\" y2=\"{:.2}\"/></g>",
                    ax + aw,
                    ay + ah
                );
            }
        }
        s.push_str("</g>\n");
        let _ = writeln!(
            s,
            "<rect x=\"{ax}\" y=\"{ay}\" width=\"{aw}\" height=\"{ah}\" fill=\"none\" stroke=\"black\" stroke-width=\"1\"/>"
        );

        // Legend, centred on the right edge of the axes.
        let mut entries: Vec<(String, &str, bool)> = vec![(self.label.clone(), "black", true)];
        if self.timestamps {
            for c in &self.calls {
                entries.push((
                    c.label.clone(),
                    FUNC_COLORS[c.color % FUNC_COLORS.len()],
                    false,
                ));
            }
        }
        let row = FONT * 1.45;
        let lw = entries
            .iter()
            .map(|e| text_width(&e.0, FONT))
            .fold(0.0, f64::max)
            + 50.0;
        let lh = row * entries.len() as f64 + 8.0;
        let lx = ax + aw + 12.0;
        let ly = ay + ah / 2.0 - lh / 2.0;
        let _ = writeln!(
            s,
            "<rect x=\"{lx:.2}\" y=\"{ly:.2}\" width=\"{lw:.2}\" height=\"{lh:.2}\" rx=\"3\" fill=\"white\" fill-opacity=\"0.5\" stroke=\"#cccccc\"/>"
        );
        for (i, (text, col, marker)) in entries.iter().enumerate() {
            let y = ly + 4.0 + row * (i as f64 + 0.5);
            let _ = write!(
                s,
                "<line x1=\"{:.2}\" y1=\"{y:.2}\" x2=\"{:.2}\" y2=\"{y:.2}\" stroke=\"{col}\" stroke-width=\"{}\"/>",
                lx + 8.0,
                lx + 36.0,
                if *marker { 1.9 } else { 2.5 }
            );
            if *marker {
                let _ = write!(
                    s,
                    "<path d=\"M{:.2} {y:.2}h9M{:.2} {:.2}v9\" stroke=\"black\" stroke-width=\"1.25\"/>",
                    lx + 17.5,
                    lx + 22.0,
                    y - 4.5
                );
            }
            let _ = writeln!(
                s,
                "<text x=\"{:.2}\" y=\"{:.2}\" font-size=\"12.5\">{}</text>",
                lx + 42.0,
                y + FONT * 0.35,
                esc(text)
            );
        }
        s.push_str("</svg>\n");
        s
    }
}

fn num(v: &Value) -> Option<f64> {
    match as_num(v)? {
        Num::Int(i) => Some(i as f64),
        Num::Float(f) => Some(f),
        _ => None,
    }
}

fn items(v: &Value) -> Option<Vec<Value>> {
    let o = v.as_obj()?;
    if let Some(t) = o.downcast::<Tuple>() {
        return Some(t.as_slice().to_vec());
    }
    o.downcast::<mini_interpreter::object::list::List>()
        .map(|l| l.snapshot())
}

fn text(v: &Value) -> Option<String> {
    v.as_obj().and_then(|o| str_of(o)).map(str::to_string)
}

/// `plot(out, title, label, samples, funcs, timestamps=True, xlim=None)`.
pub fn plot(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    args.check(vm, "plot", 5, 7)?;
    let bad = |vm: &mut Vm, what: &str| vm.type_error(format!("plot(): bad {what}"));
    let out = args.arg(0, "out").and_then(|v| text(&v));
    let Some(out) = out else {
        return Err(bad(vm, "output path"));
    };
    let title = args.arg(1, "title").and_then(|v| text(&v));
    let Some(label) = args.arg(2, "label").and_then(|v| text(&v)) else {
        return Err(bad(vm, "label"));
    };
    let mut samples = Vec::new();
    for p in args
        .arg(3, "samples")
        .and_then(|v| items(&v))
        .unwrap_or_default()
    {
        match items(&p).as_deref() {
            Some([t, m]) => match (num(t), num(m)) {
                (Some(t), Some(m)) => samples.push((t, m)),
                _ => return Err(bad(vm, "sample")),
            },
            _ => return Err(bad(vm, "sample")),
        }
    }
    let mut calls = Vec::new();
    for c in args
        .arg(4, "funcs")
        .and_then(|v| items(&v))
        .unwrap_or_default()
    {
        let parts = items(&c).unwrap_or_default();
        let [l, ci, t0, t1, m0, m1] = parts.as_slice() else {
            return Err(bad(vm, "function entry"));
        };
        match (text(l), num(ci), num(t0), num(t1), num(m0), num(m1)) {
            (Some(label), Some(ci), Some(t0), Some(t1), Some(m0), Some(m1)) => calls.push(Call {
                label,
                color: ci.max(0.0) as usize,
                t0,
                t1,
                m0,
                m1,
            }),
            _ => return Err(bad(vm, "function entry")),
        }
    }
    let timestamps = match args.arg(5, "timestamps") {
        Some(v) => vm.truthy(&v)?,
        None => true,
    };
    let xlim = match args.arg(6, "xlim").filter(|v| !v.is_none()) {
        Some(v) => match items(&v).as_deref() {
            Some([a, b]) => match (num(a), num(b)) {
                (Some(a), Some(b)) if b > a => Some((a, b)),
                _ => return Err(vm.value_error("plot(): xlim must be two increasing numbers")),
            },
            _ => return Err(vm.value_error("plot(): xlim must be two increasing numbers")),
        },
        None => None,
    };
    args.no_kw(vm, "plot")?;
    if samples.is_empty() && calls.is_empty() {
        return Err(vm.value_error("plot(): no memory samples"));
    }
    let chart = Chart {
        title,
        label,
        samples,
        calls,
        timestamps,
        xlim,
    };
    match std::fs::write(&out, chart.svg()) {
        Ok(()) => Ok(Value::None),
        Err(e) => Err(vm.os_error(format!("{out}: {e}"))),
    }
}
