//! Random-graph property test of the cycle collector. For each of many
//! seeded random directed graphs, a mini program builds one object per node
//! (a list subclass holding its out-edges, with a weak reference slot),
//! keeps some nodes as roots, drops everything else and runs
//! `gc.collect()` with automatic collection off. The test computes, from
//! the graph alone, what must happen:
//!
//! - exactly the nodes reachable from a root survive (checked through weak
//!   references);
//! - a garbage node is freed by reference counting at `del` unless a
//!   garbage cycle reaches it; `gc.collect()` returns the number of the
//!   others (the garbage nodes reachable from a garbage cycle);
//!
//! and the heap checker (`Interpreter::check_heap`) must find the
//! collector's invariants intact after building and after collecting.

use mini_interpreter::{Interpreter, Value};

/// xorshift64*: a small deterministic generator (no dependency needed).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

struct Graph {
    n: usize,
    edges: Vec<(usize, usize)>,
    roots: Vec<usize>,
}

fn random_graph(rng: &mut Rng) -> Graph {
    let n = 1 + rng.below(60);
    let m = rng.below(2 * n + 1);
    let edges = (0..m).map(|_| (rng.below(n), rng.below(n))).collect();
    let k = rng.below(n.min(4) + 1);
    let roots = (0..k).map(|_| rng.below(n)).collect();
    Graph { n, edges, roots }
}

fn reach(n: usize, adj: &[Vec<usize>], from: impl IntoIterator<Item = usize>) -> Vec<bool> {
    let mut seen = vec![false; n];
    let mut stack: Vec<usize> = from.into_iter().collect();
    while let Some(v) = stack.pop() {
        if !seen[v] {
            seen[v] = true;
            stack.extend(adj[v].iter().copied());
        }
    }
    seen
}

/// (alive bitmask, number of nodes gc.collect() must find).
fn expected(g: &Graph) -> (i64, i64) {
    let mut adj = vec![Vec::new(); g.n];
    for &(a, b) in &g.edges {
        adj[a].push(b);
    }
    let alive = reach(g.n, &adj, g.roots.iter().copied());
    // Garbage subgraph: a garbage node is on a cycle when it can reach
    // itself through garbage nodes (edges out of garbage stay in garbage).
    let on_cycle: Vec<usize> = (0..g.n)
        .filter(|&v| !alive[v])
        .filter(|&v| {
            let from_succ = reach(g.n, &adj, adj[v].iter().copied());
            from_succ[v]
        })
        .collect();
    let kept_by_cycle = reach(g.n, &adj, on_cycle);
    let found = (0..g.n).filter(|&v| !alive[v] && kept_by_cycle[v]).count();
    let mask = (0..g.n)
        .filter(|&v| alive[v])
        .fold(0i64, |m, v| m | (1i64 << v));
    (mask, found as i64)
}

fn program(g: &Graph) -> String {
    let edges: Vec<String> = g.edges.iter().map(|(a, b)| format!("({a}, {b})")).collect();
    let roots: Vec<String> = g.roots.iter().map(|r| r.to_string()).collect();
    format!(
        "a = b = None\n\
         nodes = [Node() for i in range({n})]\n\
         for a, b in [{edges}]:\n    nodes[a].append(nodes[b])\n\
         roots = [nodes[i] for i in [{roots}]]\n\
         refs = [weakref.ref(x) for x in nodes]\n\
         del nodes, a, b\n",
        n = g.n,
        edges = edges.join(", "),
        roots = roots.join(", "),
    )
}

fn int(v: Value) -> i64 {
    match v {
        Value::Int(i) => i,
        _ => panic!("expected an int"),
    }
}

#[test]
fn collector_frees_exactly_the_unreachable() {
    let mut interp = Interpreter::new();
    interp
        .run_source(
            "import gc, _weakref as weakref\n\
             class Node(list):\n    __slots__ = ('__weakref__',)\n\
             gc.disable()\n\
             a = b = None\n",
            "<setup>",
        )
        .expect("setup runs");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for case in 0..400 {
        let g = random_graph(&mut rng);
        let src = program(&g);
        interp.eval("gc.collect()").expect("collect");
        interp
            .run_source(&src, "<graph>")
            .unwrap_or_else(|_| panic!("case {case} failed to run:\n{src}"));
        interp
            .check_heap()
            .unwrap_or_else(|e| panic!("case {case}, before collecting: {e}\n{src}"));
        let found = int(interp.eval("gc.collect()").expect("collect"));
        interp
            .check_heap()
            .unwrap_or_else(|e| panic!("case {case}, after collecting: {e}\n{src}"));
        let alive = int(interp
            .eval("sum(1 << i for i, r in enumerate(refs) if r() is not None)")
            .expect("alive mask"));
        let (want_alive, want_found) = expected(&g);
        assert_eq!(alive, want_alive, "case {case}: survivors differ\n{src}");
        assert_eq!(found, want_found, "case {case}: gc.collect() count\n{src}");
        interp
            .run_source("del roots, refs\n", "<cleanup>")
            .expect("cleanup");
    }
    interp.check_heap().expect("heap consistent at the end");
}
