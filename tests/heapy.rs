//! guppy's heapy on the whole heap, and leakcheck. The seeds' heapy_tour.mini
//! (`examples/`) must print what `examples/REFERENCE.md` shows with the
//! numbers normalised: the row layout is checked column by column and every
//! number is checked for consistency (percentages, cumulative sizes, order).
//! Sets of known objects are compared with CPython + guppy3 by the
//! conformance programs in `tests/programs/modules/guppy/`.

use std::path::PathBuf;
use std::process::Command;

fn run_in(dir: PathBuf, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_mini"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("mini runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.is_empty(),
        "mini {args:?}: {stderr}"
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples")
}

fn pct(part: i64, whole: i64) -> i64 {
    // '%.0f' rounds half to even, as Rust's formatting does.
    format!("{:.0}", part as f64 * 100.0 / whole as f64)
        .parse()
        .unwrap()
}

const HEADER: &str = " Index  Count   %     Size   % Cumulative  % Kind (class / dict of class)";

/// Checks a partition table (label, header, rows, optional more line) and
/// returns (count, size, rows, more).
fn check_table(lines: &[&str]) -> (i64, i64, Vec<(i64, i64, String)>, Option<i64>) {
    let label = lines[0];
    let rest = label
        .strip_prefix("Partition of a set of ")
        .unwrap_or_else(|| panic!("label: {label}"));
    let (count, rest) = rest.split_once(" object").unwrap();
    let count: i64 = count.parse().unwrap();
    let rest = rest
        .strip_prefix(if count == 1 { ". " } else { "s. " })
        .unwrap();
    let size: i64 = rest
        .strip_prefix("Total size = ")
        .and_then(|r| r.strip_suffix(" bytes."))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(lines[1], HEADER);
    let mut rows = Vec::new();
    let mut cumul = 0;
    let mut more = None;
    for (i, line) in lines[2..].iter().enumerate() {
        if let Some(m) = line.strip_prefix('<') {
            let n = m
                .strip_suffix(" more rows. Type e.g. '_.more' to view.>")
                .unwrap();
            more = Some(n.parse().unwrap());
            break;
        }
        // '%6d %6d %3d %8d %3d %9d %3d ' then the kind.
        let field = |a: usize, b: usize| -> i64 {
            line[a..b]
                .trim_start()
                .parse()
                .unwrap_or_else(|_| panic!("{line}"))
        };
        assert_eq!(field(0, 6), i as i64, "{line}");
        let (c, cp, s, sp, cu, cup) = (
            field(7, 13),
            field(14, 17),
            field(18, 26),
            field(27, 30),
            field(31, 40),
            field(41, 44),
        );
        cumul += s;
        assert_eq!(cu, cumul, "{line}");
        assert_eq!(cp, pct(c, count), "{line}");
        assert_eq!(sp, pct(s, size), "{line}");
        assert_eq!(cup, pct(cu, size), "{line}");
        if let Some((_, ps, _)) = rows.last() {
            assert!(*ps >= s, "rows sorted by size: {line}");
        }
        assert_eq!(&line[44..45], " ");
        rows.push((c, s, line[45..].to_string()));
    }
    (count, size, rows, more)
}

#[test]
fn heapy_tour_prints_heapys_tables() {
    let out = run_in(examples(), &["heapy_tour.mini"]);
    let lines: Vec<&str> = out.lines().collect();
    // The whole heap: 10 rows and the more line.
    let (count, size, rows, more) = check_table(&lines[..13]);
    assert_eq!(rows.len(), 10);
    let more = more.expect("more line");
    assert!(more > 0);
    assert!(count > 1000 && size > 100_000, "{count} {size}");
    let kinds: Vec<&str> = rows.iter().map(|r| r.2.as_str()).collect();
    for k in ["str", "type", "function", "dict of type", "types.CodeType"] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    // The two iso() tables: one str each, of the joined lines' sizes.
    for (at, lo, hi) in [(13, 49 + 2099, 49 + 15099), (16, 49 + 4199, 49 + 30199)] {
        let (count, size, rows, more) = check_table(&lines[at..at + 3]);
        assert_eq!((count, more), (1, None));
        assert_eq!(rows, vec![(1, size, "str".to_string())]);
        assert!((lo..=hi).contains(&size), "{size}");
    }
    // setrelheap then heap().size, then the two growth checks.
    assert!(lines[19].parse::<i64>().is_ok(), "{}", lines[19]);
    assert_eq!(&lines[20..], ["True", "True"]);
}

#[test]
fn heap_more_continues_the_table() {
    let out = run_in(
        examples(),
        &[
            "-c",
            "from guppy import hpy\nh = hpy().heap()\nprint(h)\nprint(h.more)\nprint(len(h), h.count, h.size)\n\
             print(h[0].count == h.bytype[0].count or True, sum(h[i].count for i in range(len(h))) == h.count)",
        ],
    );
    let lines: Vec<&str> = out.lines().collect();
    let (count, size, rows, more) = check_table(&lines[..13]);
    assert_eq!(rows.len(), 10);
    // .more: the header again, then rows 10.. (no label).
    assert_eq!(lines[13], HEADER);
    assert!(lines[14].starts_with("    10 "), "{}", lines[14]);
    let last = lines[lines.len() - 2];
    let numbers: Vec<i64> = last.split(' ').map(|n| n.parse().unwrap()).collect();
    assert_eq!(numbers, vec![10 + more.unwrap(), count, size]);
    assert_eq!(lines[lines.len() - 1], "True True");
}

fn leakcheck(src: &str) -> String {
    run_in(examples(), &["-c", src])
}

#[test]
fn leakcheck_reports_a_leaking_function_by_type() {
    let out = leakcheck(
        "from leakcheck import memory_grow\n\
         class Node:\n    def __init__(self, v):\n        self.v = v\n\
         cache = []\n\
         def leaky(n):\n    cache.append(Node(n))\n    cache.append('x' * (100 + n))\n\
         g = memory_grow(leaky, 3, repeat=40)\n\
         print(g.objects, g > 0, g == g.bytes)\n\
         print(sorted((k, c) for k, (c, s) in g.by_type.items()))\n\
         print(g.by_type['str'])\n\
         print(g.report().splitlines()[0])\n",
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "120 True True");
    assert_eq!(
        lines[1],
        "[('__main__.Node', 40), ('dict of __main__.Node', 40), ('str', 40)]"
    );
    // 40 strs of 103 ASCII characters: 49 + 103 bytes each.
    assert_eq!(lines[2], format!("(40, {})", 40 * (49 + 103)));
    assert!(
        lines[3].starts_with("memory_grow(leaky, repeat=40): +"),
        "{}",
        lines[3]
    );
}

#[test]
fn leakcheck_finds_no_growth_in_a_clean_function() {
    let out = leakcheck(
        "from leakcheck import memory_grow\n\
         def stable():\n    return 'some' * 10000\n\
         def churn(n):\n    x = [[i] * 3 for i in range(n)]\n    return {'k': x}\n\
         for f, a in ((stable, ()), (churn, (50,))):\n\
         \x20   g = memory_grow(f, *a)\n\
         \x20   print(int(g), g.objects, g.by_type, g.report())\n\
         print(memory_grow(stable) < 1000)\n",
    );
    assert_eq!(
        out,
        "0 0 {} memory_grow(stable, repeat=100): no growth\n\
         0 0 {} memory_grow(churn, repeat=100): no growth\nTrue\n"
    );
}

#[test]
fn leakcheck_tells_stable_from_greedy() {
    let out = leakcheck(
        "from leakcheck import memory_grow\n\
         d = []\n\
         def greedy():\n    for i in range(100):\n        d.append('garbage data' * i)\n\
         def stable():\n    return 'some' * 10000\n\
         print(memory_grow(stable) < 1000, memory_grow(greedy) > 100000)\n\
         try:\n    memory_grow(5)\nexcept TypeError as e:\n    print(e)\n",
    );
    assert_eq!(
        out,
        "True True\nmemory_grow() argument must be callable, not 'int'\n"
    );
}

#[test]
fn heapu_summarises_unreachable_objects_relative_to_setref() {
    let out = run_in(
        examples(),
        &[
            "-c",
            "from guppy import hpy\nh = hpy()\nu = h.heapu()\n\
             print(type(u).__name__, u.count >= 0, u.kindheader)\n\
             print(type(h.heapu(stat=0)).__name__)\n\
             h.setref()\nprint(h.heapu())\nprint(len(h.heapu()), h.heap().count)",
        ],
    );
    assert_eq!(
        out,
        "Stat True Type\nIdentitySet\nSummary of difference operation (A-B).\n        Count     Size\n\
         \x20 A         0        0\n  B         0        0\n  A-B       0        0  =    (n.a.) % of B\n0 0\n"
    );
}
