//! Reads the Graphviz `dot` language, as much of it as objgraph's output
//! and hand-written object graphs use: one `graph`/`digraph` (optionally
//! `strict`), node statements, edge chains `a -> b -> c`, `node[...]`,
//! `edge[...]` and `graph[...]` defaults, `key=value` graph attributes,
//! subgraph braces (their contents are flattened into the graph), quoted,
//! numeral and plain identifiers, and `//`, `/* */` and `#` comments.
//!
//! Invariants: a node exists once per identifier, in order of first
//! mention; later statements about a node add to or override its
//! attributes; `node[...]` defaults apply to nodes mentioned after them
//! (as in Graphviz) and are copied into the node when it is created, so
//! `Node::attrs` is complete. Quoted strings keep their backslash escapes
//! except `\"` (labels interpret the rest, see `label_lines`).

use std::collections::HashMap;

/// Attributes of one node or edge, in a map (later settings win).
pub type Attrs = HashMap<String, String>;

pub struct Node {
    pub id: String,
    pub attrs: Attrs,
}

pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub attrs: Attrs,
}

#[derive(Default)]
pub struct Graph {
    pub name: String,
    pub directed: bool,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    pub attrs: Attrs,
    index: HashMap<String, usize>,
}

impl Graph {
    /// The node named `id`, created (with the current defaults) if new.
    fn node(&mut self, id: &str, defaults: &Attrs) -> usize {
        if let Some(&i) = self.index.get(id) {
            return i;
        }
        let i = self.nodes.len();
        self.nodes.push(Node {
            id: id.to_string(),
            attrs: defaults.clone(),
        });
        self.index.insert(id.to_string(), i);
        i
    }

    /// The index of the node named `id`, if there is one.
    pub fn find(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// An identifier, numeral or quoted string (with its quoting removed).
    Id(String),
    Arrow,
    Punct(char),
}

fn tokenize(src: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line_start = true;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line_start = true;
            i += 1;
            continue;
        }
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        // `#` at the start of a line is a preprocessor-style comment.
        if c == '#' && line_start {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        line_start = false;
        if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
            continue;
        }
        if c == '-' && matches!(chars.get(i + 1), Some('>') | Some('-')) {
            out.push(Tok::Arrow);
            i += 2;
            continue;
        }
        if c == '"' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err("unterminated string".into()),
                    Some('"') => break,
                    Some('\\') => match chars.get(i + 1) {
                        Some('"') => {
                            s.push('"');
                            i += 2;
                        }
                        Some('\n') => i += 2,
                        Some(&n) => {
                            s.push('\\');
                            s.push(n);
                            i += 2;
                        }
                        None => return Err("unterminated string".into()),
                    },
                    Some(&ch) => {
                        s.push(ch);
                        i += 1;
                    }
                }
            }
            i += 1;
            // `"a" + "b"` concatenates.
            if let (Some(Tok::Punct('+')), Some(Tok::Id(_))) = (out.last(), out.iter().rev().nth(1))
            {
                out.pop();
                if let Some(Tok::Id(prev)) = out.last_mut() {
                    prev.push_str(&s);
                    continue;
                }
            }
            out.push(Tok::Id(s));
            continue;
        }
        if c.is_alphanumeric()
            || c == '_'
            || c == '.'
            || (c == '-'
                && chars
                    .get(i + 1)
                    .is_some_and(|n| n.is_ascii_digit() || *n == '.'))
        {
            let start = i;
            i += 1;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            out.push(Tok::Id(chars[start..i].iter().collect()));
            continue;
        }
        if "{}[]=;,:+".contains(c) {
            out.push(Tok::Punct(c));
            i += 1;
            continue;
        }
        if c == '<' {
            // An HTML-like label: kept as its text between the outer brackets.
            let mut depth = 0;
            let start = i + 1;
            while i < chars.len() {
                if chars[i] == '<' {
                    depth += 1;
                } else if chars[i] == '>' {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                i += 1;
            }
            if i >= chars.len() {
                return Err("unterminated <...> label".into());
            }
            out.push(Tok::Id(chars[start..i].iter().collect()));
            i += 1;
            continue;
        }
        return Err(format!("unexpected character {c:?}"));
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::Punct(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(format!("expected '{c}', found {}", self.describe()))
        }
    }

    fn describe(&self) -> String {
        match self.peek() {
            None => "end of input".into(),
            Some(Tok::Id(s)) => format!("{s:?}"),
            Some(Tok::Arrow) => "'->'".into(),
            Some(Tok::Punct(c)) => format!("'{c}'"),
        }
    }

    fn id(&mut self) -> Result<String, String> {
        match self.next() {
            Some(Tok::Id(s)) => Ok(s),
            _ => {
                self.pos -= 1;
                Err(format!("expected an identifier, found {}", self.describe()))
            }
        }
    }

    /// `[a=b, c=d; e=f]` groups, any number of them, merged into `into`.
    fn attr_lists(&mut self, into: &mut Attrs) -> Result<(), String> {
        while self.eat('[') {
            loop {
                if self.eat(']') {
                    break;
                }
                let k = self.id()?;
                let v = if self.eat('=') {
                    self.id()?
                } else {
                    "true".to_string()
                };
                into.insert(k, v);
                let _ = self.eat(',') || self.eat(';');
            }
        }
        Ok(())
    }

    /// A node identifier with an optional `:port[:compass]` (ignored).
    fn node_ref(&mut self) -> Result<String, String> {
        let id = self.id()?;
        while self.eat(':') {
            self.id()?;
        }
        Ok(id)
    }

    fn stmts(
        &mut self,
        g: &mut Graph,
        node_defaults: &mut Attrs,
        edge_defaults: &mut Attrs,
    ) -> Result<(), String> {
        loop {
            match self.peek() {
                None => return Err("missing '}'".into()),
                Some(Tok::Punct('}')) => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(Tok::Punct(';')) => {
                    self.pos += 1;
                }
                Some(Tok::Punct('{')) => {
                    self.pos += 1;
                    self.subgraph(g, node_defaults, edge_defaults)?;
                }
                _ => self.stmt(g, node_defaults, edge_defaults)?,
            }
        }
    }

    /// The body of a subgraph (after its `{`); defaults set inside stay inside.
    fn subgraph(
        &mut self,
        g: &mut Graph,
        node_defaults: &Attrs,
        edge_defaults: &Attrs,
    ) -> Result<(), String> {
        let mut nd = node_defaults.clone();
        let mut ed = edge_defaults.clone();
        self.stmts(g, &mut nd, &mut ed)
    }

    fn stmt(
        &mut self,
        g: &mut Graph,
        node_defaults: &mut Attrs,
        edge_defaults: &mut Attrs,
    ) -> Result<(), String> {
        let first = self.id()?;
        match first.as_str() {
            "node" if self.peek() == Some(&Tok::Punct('[')) => {
                return self.attr_lists(node_defaults)
            }
            "edge" if self.peek() == Some(&Tok::Punct('[')) => {
                return self.attr_lists(edge_defaults)
            }
            "graph" if self.peek() == Some(&Tok::Punct('[')) => {
                let mut a = Attrs::new();
                self.attr_lists(&mut a)?;
                g.attrs.extend(a);
                return Ok(());
            }
            "subgraph" => {
                if let Some(Tok::Id(_)) = self.peek() {
                    self.pos += 1;
                }
                self.expect('{')?;
                return self.subgraph(g, node_defaults, edge_defaults);
            }
            _ => {}
        }
        if self.eat('=') {
            let v = self.id()?;
            g.attrs.insert(first, v);
            return Ok(());
        }
        while self.eat(':') {
            self.id()?;
        }
        let mut chain = vec![first];
        while self.peek() == Some(&Tok::Arrow) {
            self.pos += 1;
            chain.push(self.node_ref()?);
        }
        let mut attrs = Attrs::new();
        self.attr_lists(&mut attrs)?;
        if chain.len() == 1 {
            let n = g.node(&chain[0], node_defaults);
            g.nodes[n].attrs.extend(attrs);
        } else {
            let ids: Vec<usize> = chain.iter().map(|c| g.node(c, node_defaults)).collect();
            for w in ids.windows(2) {
                let mut a = edge_defaults.clone();
                a.extend(attrs.iter().map(|(k, v)| (k.clone(), v.clone())));
                g.edges.push(Edge {
                    from: w[0],
                    to: w[1],
                    attrs: a,
                });
            }
        }
        Ok(())
    }
}

/// Parses one graph.
pub fn parse(src: &str) -> Result<Graph, String> {
    let mut p = Parser {
        toks: tokenize(src)?,
        pos: 0,
    };
    let mut g = Graph::default();
    let mut kw = p.id()?;
    if kw.eq_ignore_ascii_case("strict") {
        kw = p.id()?;
    }
    g.directed = match kw.to_ascii_lowercase().as_str() {
        "digraph" => true,
        "graph" => false,
        _ => return Err(format!("expected 'digraph' or 'graph', found {kw:?}")),
    };
    if let Some(Tok::Id(_)) = p.peek() {
        g.name = p.id()?;
    }
    p.expect('{')?;
    let mut nd = Attrs::new();
    let mut ed = Attrs::new();
    p.stmts(&mut g, &mut nd, &mut ed)?;
    if p.peek().is_some() {
        return Err(format!("unexpected {} after the graph", p.describe()));
    }
    Ok(g)
}

/// The lines of a label, with dot's escapes interpreted: `\n`, `\l`, `\r`
/// break lines, `\\` is a backslash, `\N` the node's name, `\G` the
/// graph's; any other escaped character stands for itself.
pub fn label_lines(raw: &str, node: &str, graph: &str) -> Vec<String> {
    let mut lines = vec![String::new()];
    let mut it = raw.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\\' {
            lines.last_mut().unwrap().push(c);
            continue;
        }
        match it.next() {
            Some('n') | Some('l') | Some('r') => lines.push(String::new()),
            Some('N') => lines.last_mut().unwrap().push_str(node),
            Some('G') => lines.last_mut().unwrap().push_str(graph),
            Some(other) => lines.last_mut().unwrap().push(other),
            None => lines.last_mut().unwrap().push('\\'),
        }
    }
    // A label ending in a line break has no empty last line.
    if lines.len() > 1 && lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objgraph_statements() {
        let g = parse(
            "digraph ObjectGraph {\n  node[shape=box, style=filled, fillcolor=white];\n  o1[fontcolor=red];\n  o1[label=\"list\\n2 items\"];\n  o1 -> o2;\n  o2[label=\"dict\"];\n  o2 -> o1 [label=\"x\",weight=2];\n}\n",
        )
        .unwrap();
        assert_eq!(g.name, "ObjectGraph");
        assert_eq!(g.nodes.len(), 2);
        assert_eq!(g.nodes[0].attrs["fontcolor"], "red");
        assert_eq!(g.nodes[0].attrs["shape"], "box");
        assert_eq!(g.nodes[0].attrs["label"], "list\\n2 items");
        assert_eq!(g.edges.len(), 2);
        assert_eq!((g.edges[1].from, g.edges[1].to), (1, 0));
        assert_eq!(g.edges[1].attrs["weight"], "2");
    }

    #[test]
    fn chains_comments_and_escapes() {
        let g = parse("/* c */ strict digraph { a -> b -> c // x\n# y\n \"q\\\"z\" }").unwrap();
        assert_eq!(g.edges.len(), 2);
        assert_eq!(g.nodes[3].id, "q\"z");
        assert_eq!(label_lines("a\\nb\\\\c\\n", "n", "g"), vec!["a", "b\\c"]);
        assert_eq!(label_lines("\\N", "node7", "g"), vec!["node7"]);
    }

    #[test]
    fn errors_are_reported() {
        assert!(parse("digraph { a -> }").is_err());
        assert!(parse("digraph { a").is_err());
        assert!(parse("tree { }").is_err());
    }
}
