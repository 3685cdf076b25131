//! Unit tests for the engine's subtle parts.

#[test]
fn sizes() {
    eprintln!(
        "Bt={} Inst={}",
        super::engine::bt_size(),
        std::mem::size_of::<super::compiler::Inst>()
    );
}
