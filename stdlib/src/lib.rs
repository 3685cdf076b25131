//! The standard-library modules written in mini (`stdlib/lib/`), embedded in
//! the binary as source text. The build script generates the table; the
//! binary hands each entry to `Interpreter::register_source`, and the
//! importer compiles a module the first time it is imported.

/// One embedded module.
pub struct Module {
    /// Dotted import name (`collections`, `json.decoder`).
    pub name: &'static str,
    /// True for a package's `__init__.mini`.
    pub is_package: bool,
    pub source: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/modules.rs"));

/// Looks an embedded module up by its import name.
pub fn find(name: &str) -> Option<&'static Module> {
    MODULES.iter().find(|m| m.name == name)
}
