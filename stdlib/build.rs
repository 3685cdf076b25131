//! Embeds every `lib/**/*.mini` file as a `(module name, source)` table in
//! `$OUT_DIR/modules.rs`. `pkg/__init__.mini` becomes package `pkg`,
//! `pkg/sub.mini` becomes `pkg.sub`. Sorted so builds are reproducible.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

fn walk(dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf, bool)>) {
    let mut entries: Vec<_> = fs::read_dir(dir).expect("stdlib/lib").flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        let name = e.file_name().to_string_lossy().to_string();
        if p.is_dir() {
            let sub = format!("{prefix}{name}.");
            walk(&p, &sub, out);
        } else if let Some(stem) = name.strip_suffix(".mini") {
            if stem == "__init__" {
                let pkg = prefix.trim_end_matches('.').to_string();
                out.push((pkg, p, true));
            } else {
                out.push((format!("{prefix}{stem}"), p, false));
            }
        }
    }
}

fn main() {
    let lib = Path::new(env!("CARGO_MANIFEST_DIR")).join("lib");
    println!("cargo:rerun-if-changed={}", lib.display());
    let mut mods = Vec::new();
    walk(&lib, "", &mut mods);
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("modules.rs");
    let mut f = fs::File::create(out).unwrap();
    writeln!(f, "pub static MODULES: &[Module] = &[").unwrap();
    for (name, path, is_pkg) in &mods {
        println!("cargo:rerun-if-changed={}", path.display());
        writeln!(
            f,
            "    Module {{ name: {name:?}, is_package: {is_pkg}, source: include_str!({:?}) }},",
            path.display().to_string()
        )
        .unwrap();
    }
    writeln!(f, "];").unwrap();
}
