//! Runs lalrpop on `src/grammar.lalrpop`, writing the parser into OUT_DIR.
fn main() {
    lalrpop::Configuration::new()
        .use_cargo_dir_conventions()
        .emit_rerun_directives(true)
        .process()
        .expect("lalrpop failed on src/grammar.lalrpop");
}
