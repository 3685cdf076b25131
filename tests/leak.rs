//! The leak test of the memory-management issue: `tests/leak/cycles.mini`
//! creates and drops a million small reference cycles (instances, lists,
//! dicts, closures, bound methods, generators, exceptions with tracebacks,
//! tuples) in ten rounds, collecting after each. After every round the
//! number of tracked objects must equal the baseline taken before the loop
//! (give or take the loop's own iterator and counter objects, which are the
//! same in every round), and the resident set must stay flat: no round may
//! end more than 2 MiB above the first round's figure (the allocator keeps
//! freed pages for reuse, so a leak of a million cycles would show as tens
//! of MiB).

use std::path::PathBuf;
use std::process::Command;

const ROUNDS: usize = 10;
const PER_ROUND: usize = 12_500; // one_of_each() makes 8 cycles

#[test]
fn a_million_cycles_leave_nothing_behind() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/leak");
    let out = Command::new(env!("CARGO_BIN_EXE_mini"))
        .args(["cycles.mini", &ROUNDS.to_string(), &PER_ROUND.to_string()])
        .current_dir(&dir)
        .output()
        .expect("mini runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}\n{stderr}", out.status);
    assert_eq!(stderr, "");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), ROUNDS + 2, "{stdout}");
    assert_eq!(lines[ROUNDS + 1], "cycles made 1000000");
    let fields = |line: &str| -> (String, usize, usize) {
        let f: Vec<&str> = line.split_whitespace().collect();
        (
            f[0].to_string(),
            f[1].parse().unwrap(),
            f[2].parse().unwrap(),
        )
    };
    let (tag, baseline, _) = fields(lines[0]);
    assert_eq!(tag, "baseline");
    let (_, first_count, first_rss) = fields(lines[1]);
    // The rounds run inside a for loop over a range: its iterator and the
    // loop variable exist during the rounds and not at the baseline.
    assert!(
        first_count <= baseline + 2,
        "tracked objects after the first round: {first_count}, baseline {baseline}\n{stdout}"
    );
    for line in &lines[1..=ROUNDS] {
        let (round, count, rss) = fields(line);
        assert_eq!(
            count, first_count,
            "round {round}: tracked objects changed\n{stdout}"
        );
        assert!(
            rss <= first_rss + 2048,
            "round {round}: resident memory grew from {first_rss} KiB to {rss} KiB\n{stdout}"
        );
    }
}
