//! Layered ("Sugiyama-style") layout of a directed graph, the method
//! Graphviz's `dot` follows, in five steps:
//!
//! 1. cycles are broken by reversing the back edges of a depth-first
//!    search (they are drawn in their real direction at the end);
//! 2. ranks: longest path from the sources, then each node is moved
//!    between its predecessors and successors towards the heavier side, so
//!    edges are short (sources sit just above what they point to);
//! 3. edges spanning several ranks get a chain of dummy nodes, one per
//!    rank, through which they are routed;
//! 4. order within ranks: barycentre sweeps down and up, keeping the order
//!    with the fewest crossings (counted exactly per pair of ranks);
//! 5. x coordinates: repeated sweeps place each rank as close as possible
//!    (weighted least squares) to the positions of its neighbours in the
//!    previous rank, keeping the order and the minimum spacing; each
//!    sweep is solved exactly by pool-adjacent-violators. Dummy chains
//!    weigh more, so long edges come out straight.
//!
//! When any edge has a label every edge spans at least two ranks (as in
//! `dot`) and the label sits beside the dummy node in the middle.
//!
//! Invariants: output coordinates are in points, with (0, 0) the top-left
//! corner, every node inside `[margin, width - margin]` ×
//! `[margin, height - margin]`; two nodes of one rank never overlap
//! (their gap is at least `node_sep`); every route starts at its edge's
//! source centre and ends at its target centre, in the edge's direction.

/// Sizes and edges to lay out.
pub struct Input {
    /// (width, height) of each node.
    pub sizes: Vec<(f64, f64)>,
    pub edges: Vec<InEdge>,
}

pub struct InEdge {
    pub from: usize,
    pub to: usize,
    /// Graphviz's `weight`: how much straightness and shortness matter.
    pub weight: f64,
    /// (width, height) of the edge's label, if it has one.
    pub label: Option<(f64, f64)>,
}

pub struct Params {
    pub node_sep: f64,
    pub rank_sep: f64,
    pub margin: f64,
}

impl Default for Params {
    /// Graphviz's defaults: nodesep 0.25 in, ranksep 0.5 in, 4 pt pad.
    fn default() -> Params {
        Params {
            node_sep: 18.0,
            rank_sep: 36.0,
            margin: 4.0,
        }
    }
}

pub struct Output {
    /// Centre of each node.
    pub centers: Vec<(f64, f64)>,
    /// For each input edge, the points its route passes through, from the
    /// source centre to the target centre.
    pub routes: Vec<Vec<(f64, f64)>>,
    /// Centre of each edge's label, for edges that have one.
    pub labels: Vec<Option<(f64, f64)>>,
    pub width: f64,
    pub height: f64,
}

/// Working state: real nodes first, then dummies.
struct Work {
    width: Vec<f64>,
    height: Vec<f64>,
    rank: Vec<usize>,
    /// Edges between adjacent ranks: (upper, lower, weight).
    segs: Vec<(usize, usize, f64)>,
    /// Per rank, node indices in left-to-right order.
    layers: Vec<Vec<usize>>,
    x: Vec<f64>,
}

pub fn layout(input: &Input, p: &Params) -> Output {
    let n = input.sizes.len();
    let labelled = input.edges.iter().any(|e| e.label.is_some());
    let minlen = if labelled { 2 } else { 1 };
    let rank_sep = if labelled {
        p.rank_sep / 2.0
    } else {
        p.rank_sep
    };

    // 1. Acyclic orientation of the non-loop edges.
    let mut dag: Vec<(usize, usize, f64, usize, bool)> = Vec::new();
    let reversed = back_edges(n, &input.edges);
    for (i, e) in input.edges.iter().enumerate() {
        if e.from == e.to {
            continue;
        }
        let (u, v) = if reversed[i] {
            (e.to, e.from)
        } else {
            (e.from, e.to)
        };
        dag.push((u, v, e.weight.max(0.0), i, reversed[i]));
    }

    // 2. Ranks.
    let rank = assign_ranks(n, &dag, minlen);

    // 3. Dummy chains.
    let mut w = Work {
        width: input.sizes.iter().map(|s| s.0).collect(),
        height: input.sizes.iter().map(|s| s.1).collect(),
        rank,
        segs: Vec::new(),
        layers: Vec::new(),
        x: Vec::new(),
    };
    let mut paths: Vec<Option<(Vec<usize>, bool)>> = vec![None; input.edges.len()];
    let mut label_node: Vec<Option<usize>> = vec![None; input.edges.len()];
    for &(u, v, wt, i, rev) in &dag {
        let span = w.rank[v] - w.rank[u];
        let mut path = vec![u];
        let mid = span / 2;
        for k in 1..span {
            let d = w.width.len();
            let label = if k == mid { input.edges[i].label } else { None };
            match label {
                Some((lw, lh)) => {
                    w.width.push(2.0 * lw + 6.0);
                    w.height.push(lh);
                    label_node[i] = Some(d);
                }
                None => {
                    w.width.push(2.0);
                    w.height.push(0.0);
                }
            }
            w.rank.push(w.rank[u] + k);
            path.push(d);
        }
        path.push(v);
        for pair in path.windows(2) {
            let dummy_chain = pair[0] >= n && pair[1] >= n;
            let factor = if dummy_chain {
                8.0
            } else if pair[0] >= n || pair[1] >= n {
                2.0
            } else {
                1.0
            };
            w.segs.push((pair[0], pair[1], (wt.max(0.1)) * factor));
        }
        paths[i] = Some((path, rev));
    }

    // 4. Order within ranks.
    order_layers(&mut w);

    // 5. Coordinates.
    place_x(&mut w, p.node_sep);
    let total = w.width.len();
    let nranks = w.layers.len();
    let mut row_h = vec![0.0f64; nranks];
    for v in 0..total {
        row_h[w.rank[v]] = row_h[w.rank[v]].max(w.height[v]);
    }
    let mut y_of_rank = vec![0.0; nranks];
    let mut y = p.margin;
    for r in 0..nranks {
        y_of_rank[r] = y + row_h[r] / 2.0;
        y += row_h[r] + rank_sep;
    }
    let min_x = (0..total)
        .map(|v| w.x[v] - w.width[v] / 2.0)
        .fold(f64::INFINITY, f64::min);
    let shift = if min_x.is_finite() {
        p.margin - min_x
    } else {
        0.0
    };
    let pos = |v: usize| (w.x[v] + shift, y_of_rank[w.rank[v]]);
    let centers: Vec<(f64, f64)> = (0..n).map(pos).collect();

    let mut routes = Vec::with_capacity(input.edges.len());
    let mut labels = Vec::with_capacity(input.edges.len());
    for (i, e) in input.edges.iter().enumerate() {
        let mut route: Vec<(f64, f64)>;
        let mut label_at = None;
        if let Some((path, rev)) = &paths[i] {
            route = path.iter().map(|&v| pos(v)).collect();
            if *rev {
                route.reverse();
            }
            if let (Some(d), Some((lw, _))) = (label_node[i], e.label) {
                let (dx, dy) = pos(d);
                label_at = Some((dx + 3.0 + lw / 2.0, dy));
            } else if let Some((lw, _)) = e.label {
                let (a, b) = (route[0], route[route.len() - 1]);
                label_at = Some(((a.0 + b.0) / 2.0 + 3.0 + lw / 2.0, (a.1 + b.1) / 2.0));
            }
        } else {
            // A loop: out of the right side and back in.
            let (cx, cy) = centers[e.from];
            let half_w = input.sizes[e.from].0 / 2.0;
            let half_h = input.sizes[e.from].1 / 2.0;
            route = vec![
                (cx, cy),
                (cx + half_w + 18.0, cy - half_h / 2.0),
                (cx + half_w + 18.0, cy + half_h / 2.0),
                (cx, cy),
            ];
            if let Some((lw, _)) = e.label {
                label_at = Some((cx + half_w + 22.0 + lw / 2.0, cy));
            }
        }
        routes.push(route);
        labels.push(label_at);
    }

    let mut width = 2.0 * p.margin;
    let mut height = 2.0 * p.margin;
    for v in 0..total {
        let (x, y) = pos(v);
        width = width.max(x + w.width[v] / 2.0 + p.margin);
        height = height.max(y + w.height[v] / 2.0 + p.margin);
    }
    for (i, l) in labels.iter().enumerate() {
        if let (Some((x, y)), Some((lw, lh))) = (l, input.edges[i].label) {
            width = width.max(x + lw / 2.0 + p.margin);
            height = height.max(y + lh / 2.0 + p.margin);
        }
    }
    for r in &routes {
        for &(x, _) in r {
            width = width.max(x + p.margin);
        }
    }
    Output {
        centers,
        routes,
        labels,
        width,
        height,
    }
}

/// Which edges a depth-first search from the nodes in order finds going
/// back to a node still on its stack (loops excluded).
fn back_edges(n: usize, edges: &[InEdge]) -> Vec<bool> {
    let mut out_edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, e) in edges.iter().enumerate() {
        if e.from != e.to {
            out_edges[e.from].push(i);
        }
    }
    // 0 = unvisited, 1 = on the stack, 2 = done.
    let mut state = vec![0u8; n];
    let mut back = vec![false; edges.len()];
    for root in 0..n {
        if state[root] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        state[root] = 1;
        while let Some(&mut (v, ref mut k)) = stack.last_mut() {
            if *k < out_edges[v].len() {
                let ei = out_edges[v][*k];
                *k += 1;
                let t = edges[ei].to;
                match state[t] {
                    0 => {
                        state[t] = 1;
                        stack.push((t, 0));
                    }
                    1 => back[ei] = true,
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    back
}

/// Longest-path ranks, then each node moved within the slack its
/// neighbours allow towards the side its heavier edges go to.
fn assign_ranks(n: usize, dag: &[(usize, usize, f64, usize, bool)], minlen: usize) -> Vec<usize> {
    let mut preds: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
    let mut succs: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
    let mut indeg = vec![0usize; n];
    for &(u, v, w, _, _) in dag {
        succs[u].push((v, w));
        preds[v].push((u, w));
        indeg[v] += 1;
    }
    let mut topo = Vec::with_capacity(n);
    let mut ready: std::collections::VecDeque<usize> = (0..n).filter(|&v| indeg[v] == 0).collect();
    while let Some(v) = ready.pop_front() {
        topo.push(v);
        for &(s, _) in &succs[v] {
            indeg[s] -= 1;
            if indeg[s] == 0 {
                ready.push_back(s);
            }
        }
    }
    let mut rank = vec![0i64; n];
    for &v in &topo {
        for &(s, _) in &succs[v] {
            rank[s] = rank[s].max(rank[v] + minlen as i64);
        }
    }
    let ml = minlen as i64;
    for _ in 0..8 {
        let mut moved = false;
        for &v in topo.iter().rev().chain(topo.iter()) {
            let in_w: f64 = preds[v].iter().map(|p| p.1).sum();
            let out_w: f64 = succs[v].iter().map(|s| s.1).sum();
            let lo = preds[v].iter().map(|&(u, _)| rank[u] + ml).max();
            let hi = succs[v].iter().map(|&(s, _)| rank[s] - ml).min();
            let want = if out_w > in_w {
                hi
            } else if in_w > out_w {
                lo
            } else {
                None
            };
            if let Some(r) = want {
                if r != rank[v] && lo.is_none_or(|l| r >= l) && hi.is_none_or(|h| r <= h) {
                    rank[v] = r;
                    moved = true;
                }
            }
        }
        if !moved {
            break;
        }
    }
    let min = rank.iter().copied().min().unwrap_or(0);
    rank.iter().map(|&r| (r - min) as usize).collect()
}

/// Barycentre ordering sweeps; keeps the best order found.
fn order_layers(w: &mut Work) {
    let total = w.width.len();
    let nranks = w.rank.iter().copied().max().map_or(0, |m| m + 1);
    let mut up: Vec<Vec<usize>> = vec![Vec::new(); total];
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); total];
    for &(a, b, _) in &w.segs {
        down[a].push(b);
        up[b].push(a);
    }
    // Initial order: depth-first from the nodes in input order, so that a
    // node's successors start out next to each other.
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); nranks];
    let mut seen = vec![false; total];
    for root in 0..total {
        if seen[root] || !up[root].is_empty() {
            continue;
        }
        let mut stack = vec![root];
        while let Some(v) = stack.pop() {
            if seen[v] {
                continue;
            }
            seen[v] = true;
            layers[w.rank[v]].push(v);
            for &s in down[v].iter().rev() {
                if !seen[s] {
                    stack.push(s);
                }
            }
        }
    }
    for v in 0..total {
        if !seen[v] {
            layers[w.rank[v]].push(v);
        }
    }
    let mut best = layers.clone();
    let mut best_cross = crossings(&layers, &down, total);
    let mut pos = vec![0.0f64; total];
    for iter in 0..24 {
        if best_cross == 0 {
            break;
        }
        let downward = iter % 2 == 0;
        let ranks: Vec<usize> = if downward {
            (1..nranks).collect()
        } else {
            (0..nranks.saturating_sub(1)).rev().collect()
        };
        for r in ranks {
            for layer in &layers {
                for (i, &v) in layer.iter().enumerate() {
                    pos[v] = i as f64;
                }
            }
            let fixed = if downward { &up } else { &down };
            let mut keyed: Vec<(f64, usize)> = layers[r]
                .iter()
                .map(|&v| {
                    let nb = &fixed[v];
                    let key = if nb.is_empty() {
                        pos[v]
                    } else {
                        let mut ps: Vec<f64> = nb.iter().map(|&u| pos[u]).collect();
                        ps.sort_by(|a, b| a.total_cmp(b));
                        // Median, averaging the middle two.
                        let m = ps.len() / 2;
                        if ps.len() % 2 == 1 {
                            ps[m]
                        } else {
                            (ps[m - 1] + ps[m]) / 2.0
                        }
                    };
                    (key, v)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
            layers[r] = keyed.into_iter().map(|(_, v)| v).collect();
        }
        let c = crossings(&layers, &down, total);
        if c < best_cross {
            best_cross = c;
            best = layers.clone();
        }
    }
    w.layers = best;
}

/// Edge crossings between all pairs of adjacent ranks (inversions counted
/// with a Fenwick tree).
fn crossings(layers: &[Vec<usize>], down: &[Vec<usize>], total: usize) -> usize {
    let mut index = vec![0usize; total];
    for layer in layers {
        for (i, &v) in layer.iter().enumerate() {
            index[v] = i;
        }
    }
    let mut count = 0;
    for r in 0..layers.len().saturating_sub(1) {
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        for &u in &layers[r] {
            for &v in &down[u] {
                pairs.push((index[u], index[v]));
            }
        }
        pairs.sort_unstable();
        let size = layers[r + 1].len() + 1;
        let mut tree = vec![0usize; size + 1];
        for (seen, &(_, b)) in pairs.iter().enumerate() {
            // Earlier edges ending strictly right of b cross this one.
            let mut le = 0;
            let mut i = b + 1;
            while i > 0 {
                le += tree[i];
                i -= i & i.wrapping_neg();
            }
            count += seen - le;
            let mut i = b + 1;
            while i <= size {
                tree[i] += 1;
                i += i & i.wrapping_neg();
            }
        }
    }
    count
}

/// x coordinates by alternating least-squares sweeps (see the module doc).
fn place_x(w: &mut Work, sep: f64) {
    let total = w.width.len();
    let mut up: Vec<Vec<(usize, f64)>> = vec![Vec::new(); total];
    let mut down: Vec<Vec<(usize, f64)>> = vec![Vec::new(); total];
    for &(a, b, wt) in &w.segs {
        down[a].push((b, wt));
        up[b].push((a, wt));
    }
    w.x = vec![0.0; total];
    let widest = w
        .layers
        .iter()
        .map(|l| l.iter().map(|&v| w.width[v] + sep).sum::<f64>())
        .fold(0.0, f64::max);
    for layer in &w.layers {
        let span: f64 = layer.iter().map(|&v| w.width[v] + sep).sum();
        let mut x = (widest - span) / 2.0;
        for &v in layer {
            w.x[v] = x + w.width[v] / 2.0;
            x += w.width[v] + sep;
        }
    }
    let nranks = w.layers.len();
    for iter in 0..10 {
        let both = iter >= 8;
        let downward = iter % 2 == 0;
        let ranks: Vec<usize> = if downward {
            (0..nranks).collect()
        } else {
            (0..nranks).rev().collect()
        };
        for r in ranks {
            let layer = w.layers[r].clone();
            let mut target = Vec::with_capacity(layer.len());
            let mut weight = Vec::with_capacity(layer.len());
            for &v in &layer {
                let mut sum = 0.0;
                let mut ws = 0.0;
                let lists: [&[(usize, f64)]; 2] = if both {
                    [&up[v], &down[v]]
                } else if downward {
                    [&up[v], &[]]
                } else {
                    [&down[v], &[]]
                };
                for list in lists {
                    for &(u, wt) in list {
                        sum += wt * w.x[u];
                        ws += wt;
                    }
                }
                if ws > 0.0 {
                    target.push(sum / ws);
                    weight.push(ws);
                } else {
                    target.push(w.x[v]);
                    weight.push(0.05);
                }
            }
            let gaps: Vec<f64> = layer
                .windows(2)
                .map(|p| (w.width[p[0]] + w.width[p[1]]) / 2.0 + sep)
                .collect();
            let xs = fit_ordered(&target, &weight, &gaps);
            for (k, &v) in layer.iter().enumerate() {
                w.x[v] = xs[k];
            }
        }
    }
}

/// The x minimising Σ weight·(x − target)² subject to
/// x[i+1] − x[i] ≥ gaps[i]: shift out the gaps, then pool adjacent
/// violators of the resulting monotone regression.
fn fit_ordered(target: &[f64], weight: &[f64], gaps: &[f64]) -> Vec<f64> {
    let n = target.len();
    let mut offset = vec![0.0; n];
    for i in 1..n {
        offset[i] = offset[i - 1] + gaps[i - 1];
    }
    // Blocks of (weighted mean, total weight, length).
    let mut blocks: Vec<(f64, f64, usize)> = Vec::new();
    for i in 0..n {
        blocks.push((target[i] - offset[i], weight[i], 1));
        while blocks.len() > 1 {
            let (m2, w2, c2) = blocks[blocks.len() - 1];
            let (m1, w1, c1) = blocks[blocks.len() - 2];
            if m1 <= m2 {
                break;
            }
            blocks.pop();
            blocks.pop();
            let ws = w1 + w2;
            blocks.push(((m1 * w1 + m2 * w2) / ws, ws, c1 + c2));
        }
    }
    let mut out = Vec::with_capacity(n);
    for (m, _, c) in blocks {
        for _ in 0..c {
            out.push(m + offset[out.len()]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(from: usize, to: usize) -> InEdge {
        InEdge {
            from,
            to,
            weight: 1.0,
            label: None,
        }
    }

    #[test]
    fn chain_goes_down_in_a_straight_line() {
        let input = Input {
            sizes: vec![(54.0, 36.0); 3],
            edges: vec![edge(0, 1), edge(1, 2)],
        };
        let out = layout(&input, &Params::default());
        let c = &out.centers;
        assert!(c[0].1 < c[1].1 && c[1].1 < c[2].1);
        assert!((c[0].0 - c[2].0).abs() < 1e-6);
        assert_eq!(out.routes[0].first(), Some(&c[0]));
        assert_eq!(out.routes[0].last(), Some(&c[1]));
    }

    #[test]
    fn siblings_do_not_overlap_and_cycles_terminate() {
        let input = Input {
            sizes: vec![(80.0, 36.0); 4],
            edges: vec![edge(0, 1), edge(0, 2), edge(0, 3), edge(3, 0), edge(2, 2)],
        };
        let p = Params::default();
        let out = layout(&input, &p);
        let mut xs: Vec<f64> = (1..3).map(|i| out.centers[i].0).collect();
        xs.sort_by(|a, b| a.total_cmp(b));
        assert!(xs[1] - xs[0] >= 80.0 + p.node_sep - 1e-6);
        // The back edge 3 -> 0 still runs from 3 to 0.
        assert_eq!(out.routes[3].first(), Some(&out.centers[3]));
        assert_eq!(out.routes[3].last(), Some(&out.centers[0]));
        for &(x, y) in &out.centers {
            assert!(x >= p.margin && x <= out.width - p.margin);
            assert!(y >= p.margin && y <= out.height - p.margin);
        }
    }

    #[test]
    fn crossing_free_order_is_found() {
        // In input order 0 -> 3 crosses 1 -> 2; [0, 1] over [3, 2] has no crossing.
        let edges = vec![edge(0, 3), edge(1, 2), edge(0, 2)];
        let input = Input {
            sizes: vec![(20.0, 20.0); 4],
            edges,
        };
        let out = layout(&input, &Params::default());
        let x = |v: usize| out.centers[v].0;
        for (i, a) in input.edges.iter().enumerate() {
            for b in &input.edges[i + 1..] {
                if a.from != b.from && a.to != b.to {
                    let top = x(a.from) < x(b.from);
                    let bottom = x(a.to) < x(b.to);
                    assert_eq!(
                        top, bottom,
                        "edges {}->{} and {}->{} cross",
                        a.from, a.to, b.from, b.to
                    );
                }
            }
        }
    }

    #[test]
    fn long_edges_get_routes_through_every_rank_and_labels_a_place() {
        let input = Input {
            sizes: vec![(30.0, 20.0); 3],
            edges: vec![
                edge(0, 1),
                edge(1, 2),
                InEdge {
                    from: 0,
                    to: 2,
                    weight: 2.0,
                    label: Some((20.0, 10.0)),
                },
            ],
        };
        let out = layout(&input, &Params::default());
        assert!(out.routes[2].len() >= 3);
        let (lx, ly) = out.labels[2].unwrap();
        assert!(lx > 0.0 && ly > out.centers[0].1 && ly < out.centers[2].1);
    }

    #[test]
    fn ordered_fit_respects_gaps() {
        let xs = fit_ordered(&[0.0, 0.0, 0.0], &[1.0, 1.0, 1.0], &[10.0, 10.0]);
        assert!((xs[1] - xs[0] - 10.0).abs() < 1e-9 && (xs[2] - xs[1] - 10.0).abs() < 1e-9);
        assert!((xs[1]).abs() < 1e-9);
        let xs = fit_ordered(&[0.0, 100.0], &[1.0, 1.0], &[10.0]);
        assert_eq!(xs, vec![0.0, 100.0]);
    }
}
