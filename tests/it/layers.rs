//! The layers, read from the source tree: the front ends (`ui/`, `plain`, `commands/`) never
//! import one another, the application's top-level modules have no import cycle, and the core
//! crate names no I/O crate (neither in its code nor in its `[dependencies]`).
//!
//! Test code (`#[cfg(test)]` items) is left out: a test that compares the front ends' requests
//! may name two of them; the program they build may not.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const FRONT_ENDS: [&str; 3] = ["ui", "plain", "commands"];

/// Crates that do I/O (async runtime, terminal, SDK, HTTP): none of them in the core crate.
/// `aws_` stands for every `aws_*` crate.
const IO_CRATES: [&str; 8] = [
    "tokio",
    "ratatui",
    "crossterm",
    "tui_input",
    "aws_",
    "axum",
    "hyper",
    "reqwest",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source without comments, string literals' contents, or `#[cfg(test)]` items.
fn code(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let bytes = source.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if source[i..].starts_with("//") {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if source[i..].starts_with("/*") {
            i = source[i..]
                .find("*/")
                .map_or(bytes.len(), |end| i + end + 2);
        } else if source[i..].starts_with("#[cfg(test)]") {
            i = item_end(source, i + "#[cfg(test)]".len());
        } else if source[i..].starts_with("'\"'") || source[i..].starts_with("'\\\"'") {
            // A quote as a char literal opens no string.
            i = source[i + 1..]
                .find('\'')
                .map_or(bytes.len(), |end| i + end + 2);
        } else if source[i..].starts_with("r#\"") {
            i = source[i..]
                .find("\"#")
                .map_or(bytes.len(), |end| i + end + 2);
            out.push_str("\"\"");
        } else if bytes[i] == b'"' {
            // Skip the literal: `"crate::ui"` in a message is not an import.
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else {
            let c = source[i..].chars().next().expect("in bounds");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Where the item starting at `from` ends: after its matching `}`, or its `;` if that comes
/// first.
fn item_end(source: &str, from: usize) -> usize {
    let rest = &source[from..];
    let brace = rest.find('{');
    let semi = rest.find(';');
    match (brace, semi) {
        (Some(b), Some(s)) if s < b => from + s + 1,
        (None, Some(s)) => from + s + 1,
        (Some(b), _) => {
            let mut depth = 0;
            for (at, c) in rest[b..].char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            return from + b + at + 1;
                        }
                    }
                    _ => {}
                }
            }
            source.len()
        }
        (None, None) => source.len(),
    }
}

fn ident_at(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The top-level modules `code` names through `prefix` (`crate::x`, `crate::{x, y::z}`).
fn named_modules(code: &str, prefix: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (at, _) in code.match_indices(prefix) {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &code[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => start = true,
                    c if start && (c.is_alphanumeric() || c == '_') => {
                        names.insert(ident_at(&group[i..]).to_string());
                        start = false;
                    }
                    _ => {}
                }
            }
        } else {
            let name = ident_at(rest);
            if !name.is_empty() {
                names.insert(name.to_string());
            }
        }
    }
    names
}

/// The application's top-level module a file under src/ belongs to.
fn module_of(relative: &Path) -> String {
    let first = relative
        .components()
        .next()
        .expect("a path under src")
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    first.strip_suffix(".rs").unwrap_or(&first).to_string()
}

/// Module → the top-level modules it imports (itself left out).
fn application_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let module = module_of(file.strip_prefix(src).expect("under src"));
        if module == "lib" {
            continue;
        }
        let code = code(&std::fs::read_to_string(&file).expect("readable source"));
        // The binary names the library's modules by the crate's name.
        let prefix = if module == "main" {
            "iotmi_onboard::"
        } else {
            "crate::"
        };
        let edges = graph.entry(module.clone()).or_default();
        edges.extend(
            named_modules(&code, prefix)
                .into_iter()
                .filter(|m| *m != module),
        );
    }
    graph
}

/// Every front end's import of another front end, as "from → to".
fn front_end_crossings(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let mut crossings = Vec::new();
    for from in FRONT_ENDS {
        for to in graph.get(from).into_iter().flatten() {
            if FRONT_ENDS.contains(&to.as_str()) {
                crossings.push(format!("{from} → {to}"));
            }
        }
    }
    crossings
}

/// One cycle, as the path of modules around it, if the graph has any.
fn a_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

/// The I/O crates `code` names (as a path: `tokio::…`, `use hyper;`, `aws_sdk_sts::…`).
fn io_crates_named(code: &str) -> BTreeSet<String> {
    let mut named = BTreeSet::new();
    for io in IO_CRATES {
        for (at, _) in code.match_indices(io) {
            let before = code[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let name = ident_at(&code[at..]);
            let after = &code[at + name.len()..];
            let crate_name = if io == "aws_" { true } else { name == io };
            if crate_name && (after.starts_with("::") || after.trim_start().starts_with(';')) {
                named.insert(name.to_string());
            }
        }
    }
    named
}

/// The I/O crates a Cargo.toml's normal dependencies hold.
fn io_dependencies(manifest: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut in_dependencies = false;
    for line in manifest.lines().map(str::trim) {
        if let Some(header) = line.strip_prefix('[') {
            let header = header.trim_end_matches(']');
            in_dependencies = header == "dependencies"
                || (header.ends_with(".dependencies") && header.starts_with("target."));
            continue;
        }
        if !in_dependencies || line.starts_with('#') {
            continue;
        }
        let name = line.split(['=', ' ', '.']).next().unwrap_or_default();
        let name = name.replace('-', "_");
        if IO_CRATES.iter().any(|io| {
            if *io == "aws_" {
                name.starts_with(io)
            } else {
                name == *io
            }
        }) {
            found.push(name);
        }
    }
    found
}

#[test]
fn front_ends_never_import_one_another() {
    let graph = application_graph(&root().join("src"));
    for front_end in FRONT_ENDS {
        assert!(graph.contains_key(front_end), "no front end {front_end}");
    }
    let crossings = front_end_crossings(&graph);
    assert!(
        crossings.is_empty(),
        "front ends import each other: {crossings:?}"
    );
}

#[test]
fn the_applications_top_level_modules_have_no_import_cycle() {
    let graph = application_graph(&root().join("src"));
    assert!(graph.len() > 10, "too few modules read: {graph:?}");
    if let Some(cycle) = a_cycle(&graph) {
        panic!("import cycle: {}", cycle.join(" → "));
    }
    // Composition is the binary's: no module of the library imports it.
    assert!(graph.values().all(|edges| !edges.contains("main")));
}

#[test]
fn the_core_crate_names_no_io_crate() {
    let core = root().join("crates/core");
    let mut files = Vec::new();
    rust_files(&core.join("src"), &mut files);
    assert!(files.len() > 10, "too few core files read: {files:?}");
    let mut named = Vec::new();
    for file in files {
        let code = code(&std::fs::read_to_string(&file).expect("readable source"));
        for io in io_crates_named(&code) {
            named.push(format!("{}: {io}", file.display()));
        }
    }
    assert!(
        named.is_empty(),
        "the core crate names I/O crates: {named:?}"
    );
    let manifest = std::fs::read_to_string(core.join("Cargo.toml")).expect("core's Cargo.toml");
    let deps = io_dependencies(&manifest);
    assert!(deps.is_empty(), "core depends on I/O crates: {deps:?}");
}

// The checks themselves, on made-up sources: each finds what it is for.

/// Plain mode is prompts and parsing: what it decides belongs to the flow, its sentences to
/// `flow::narration`, its I/O to the shared modules. A budget keeps it so.
#[test]
fn the_plain_front_end_is_at_most_900_lines_of_code() {
    let mut files = Vec::new();
    rust_files(&root().join("src/plain"), &mut files);
    let lines: usize = files
        .iter()
        .filter(|path| !path.ends_with("tests.rs"))
        .map(|path| {
            let source = std::fs::read_to_string(path).expect("readable source");
            code(&source)
                .lines()
                .filter(|l| !l.trim().is_empty())
                .count()
        })
        .sum();
    assert!(
        lines > 300,
        "the scan found plain mode's code ({lines} lines)"
    );
    assert!(
        lines <= 900,
        "src/plain holds {lines} lines of code, over 900"
    );
}

#[test]
fn the_scanner_sees_grouped_imports_and_skips_comments_strings_and_tests() {
    let source = r#"
        use crate::{session::Connection, output};
        use crate::cli::Args;
        // use crate::ui::App;
        const HELP: &str = "crate::plain";
        #[cfg(test)]
        mod tests { use crate::commands::script; }
        fn f() { crate::signals::interruptible(); }
    "#;
    let names = named_modules(&code(source), "crate::");
    assert_eq!(
        names.into_iter().collect::<Vec<_>>(),
        ["cli", "output", "session", "signals"]
    );
}

#[test]
fn a_cycle_and_a_crossing_are_found() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("plain", vec!["session", "ui"]),
        ("session", vec!["runtime"]),
        ("runtime", vec!["session"]),
        ("ui", vec![]),
    ]
    .into_iter()
    .map(|(m, edges)| (m.to_string(), edges.into_iter().map(String::from).collect()))
    .collect();
    assert_eq!(front_end_crossings(&graph), ["plain → ui"]);
    let cycle = a_cycle(&graph).expect("the session ↔ runtime cycle");
    assert!(cycle.contains(&"session".to_string()) && cycle.contains(&"runtime".to_string()));
}

#[test]
fn io_crates_are_found_in_code_and_in_the_manifest() {
    let named = io_crates_named(&code(
        "use tokio::time::Instant;\nfn f() { aws_sdk_sts::Client::new(); }\n// ratatui::x\nuse url::Url;",
    ));
    assert_eq!(
        named.into_iter().collect::<Vec<_>>(),
        ["aws_sdk_sts", "tokio"]
    );
    let manifest = "[dependencies]\nserde = \"1\"\ntui-input = \"0.15\"\naws-config = { version = \"1\" }\n\n[dev-dependencies]\ntokio = \"1\"\n";
    assert_eq!(io_dependencies(manifest), ["tui_input", "aws_config"]);
}
