//! `_objgraph_render`, the native half of `objgraph` (stdlib/lib/objgraph.mini):
//! turns the Graphviz text objgraph writes into a picture without Graphviz.
//!
//! - `render(dot, filename, format=None)`: draws the graph and writes it to
//!   `filename` as `'svg'` or `'png'` (the format defaults to the file's
//!   extension); ValueError for text it cannot read or another format,
//!   OSError when the file cannot be written.
//! - `to_svg(dot)`: the SVG document as a str.
//!
//! The pipeline: `dot.rs` parses, `shape.rs` sizes the nodes with the
//! embedded font's metrics (`font.rs`), `layout.rs` lays the graph out in
//! ranks, `svg.rs` writes the SVG (colours through `color.rs`) and
//! `png.rs` rasterises it. Nothing here calls back into mini: the module
//! only reads the str it is given and writes one file.

pub mod color;
pub mod dot;
pub mod font;
pub mod layout;
pub mod png;
pub mod shape;
pub mod svg;

use mini_interpreter::object::rc::ObjRef;
use mini_interpreter::object::str::str_of;
use mini_interpreter::object::value::Value;
use mini_interpreter::vm::args::Args;
use mini_interpreter::{PyResult, Vm};

const M: &str = "_objgraph_render";

/// The formats `render` can write.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Format {
    Svg,
    Png,
}

impl Format {
    pub fn from_name(name: &str) -> Option<Format> {
        match name.to_ascii_lowercase().as_str() {
            "svg" => Some(Format::Svg),
            "png" => Some(Format::Png),
            _ => None,
        }
    }
}

/// The file contents for `dot` in `format`, or a message saying why not.
pub fn render_bytes(dot: &str, format: Format) -> Result<Vec<u8>, String> {
    let graph = dot::parse(dot).map_err(|e| format!("invalid dot text: {e}"))?;
    let svg = svg::render(&graph);
    match format {
        Format::Svg => Ok(svg.into_bytes()),
        Format::Png => png::svg_to_png(&svg),
    }
}

pub fn init(vm: &mut Vm) -> PyResult<ObjRef> {
    Ok(vm.make_module(M, |vm, d| {
        vm.add_function(d, M, "render", render);
        vm.add_function(d, M, "to_svg", to_svg);
    }))
}

fn str_arg(vm: &mut Vm, v: Option<Value>, fname: &str, what: &str) -> PyResult<String> {
    match v.as_ref().and_then(|v| match v {
        Value::Obj(o) => str_of(o).map(str::to_string),
        _ => None,
    }) {
        Some(s) => Ok(s),
        None => Err(vm.type_error(format!("{fname}() argument '{what}' must be str"))),
    }
}

fn render(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    args.check_pos(vm, "render", 0, 3)?;
    let dot = args.arg(0, "dot");
    let dot = str_arg(vm, dot, "render", "dot")?;
    let filename = args.arg(1, "filename");
    let filename = str_arg(vm, filename, "render", "filename")?;
    let format = match args.arg(2, "format").filter(|v| !v.is_none()) {
        Some(v) => str_arg(vm, Some(v), "render", "format")?,
        None => std::path::Path::new(&filename)
            .extension()
            .map(|e| e.to_string_lossy().to_string())
            .unwrap_or_default(),
    };
    if let Some((k, _)) = args.kw.first() {
        let k = str_of(k).unwrap_or("?").to_string();
        return Err(vm.type_error(format!("render() got an unexpected keyword argument '{k}'")));
    }
    let Some(fmt) = Format::from_name(&format) else {
        return Err(vm.value_error(format!(
            "cannot render to format {format:?}: only 'svg' and 'png'"
        )));
    };
    let bytes = render_bytes(&dot, fmt).map_err(|e| vm.value_error(e))?;
    if let Err(e) = std::fs::write(&filename, bytes) {
        return Err(vm.io_error(&e, &filename));
    }
    Ok(Value::None)
}

fn to_svg(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "to_svg", 1, 1)?;
    let dot = str_arg(vm, Some(args.pos[0].clone()), "to_svg", "dot")?;
    let graph = dot::parse(&dot).map_err(|e| vm.value_error(format!("invalid dot text: {e}")))?;
    let svg = svg::render(&graph);
    Ok(Value::Obj(vm.new_string(svg)))
}
