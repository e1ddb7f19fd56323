//! The import rules of `docs/architecture.md`, held against the code. The table there says,
//! for each part (a module directly under `gateway/src`, and the crates `macros/` and
//! `bridge/`), what it may import, what it must never import and which rules are broken
//! today (known exceptions). This test reads that table from the page — so the page and the
//! test cannot drift — and the parts' `crate::…` paths from the code.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::dev_vars::root;
use crate::markdown::Page;

/// One row of the table.
#[derive(Debug)]
struct Rule {
    may: BTreeSet<String>,
    never: BTreeSet<String>,
    exceptions: BTreeSet<String>,
}

/// The crates that are parts of their own, beside gateway/src's modules.
const CRATES: [&str; 2] = ["macros/", "bridge/"];

/// The modules directly under gateway/src: `oauth` for `oauth/` or `oauth.rs`.
fn gateway_parts() -> BTreeSet<String> {
    std::fs::read_dir(root().join("gateway/src"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_owned();
            if p.is_dir() {
                Some(name)
            } else {
                name.strip_suffix(".rs")
                    .filter(|n| *n != "lib")
                    .map(str::to_owned)
            }
        })
        .collect()
}

/// The table, by part.
fn rules() -> BTreeMap<String, Rule> {
    let text = std::fs::read_to_string(root().join("docs/architecture.md")).unwrap();
    let page = Page::parse(&text);
    let table = page.table(&["Part"]);
    let part = table.column("Part");
    let may = table.column("May import");
    let never = table.column("Must never import");
    let exceptions = table.column("Known exceptions");
    let parts = gateway_parts();
    let mut out = BTreeMap::new();
    for row in &table.rows {
        let name = row[part]
            .code
            .first()
            .unwrap_or_else(|| panic!("a row of the import table names no part: {row:?}"))
            .clone();
        let may: BTreeSet<String> = row[may].code.iter().cloned().collect();
        let mut never_set: BTreeSet<String> = row[never].code.iter().cloned().collect();
        if row[never].text.contains("every other part") {
            never_set.extend(
                parts
                    .iter()
                    .filter(|p| **p != name && !may.contains(*p))
                    .cloned(),
            );
        }
        let rule = Rule {
            may,
            never: never_set,
            exceptions: row[exceptions].code.iter().cloned().collect(),
        };
        assert!(
            out.insert(name.clone(), rule).is_none(),
            "{name} has two rows in the import table"
        );
    }
    out
}

/// A file with the depth of the module it holds (`oauth/pkce.rs` is 2: `crate::oauth::pkce`).
struct Source {
    path: PathBuf,
    depth: usize,
}

/// The non-test files of a gateway part, with the files they include by `#[path]`.
fn sources(part: &str) -> Vec<Source> {
    fn walk(dir: &Path, depth: usize, out: &mut Vec<Source>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                if name != "tests" {
                    walk(&path, depth + 1, out);
                }
            } else if name.ends_with(".rs") && name != "tests.rs" {
                let depth = if name == "mod.rs" { depth } else { depth + 1 };
                out.push(Source { path, depth });
            }
        }
    }
    let src = root().join("gateway/src");
    let mut out = Vec::new();
    let file = src.join(format!("{part}.rs"));
    if file.exists() {
        out.push(Source {
            path: file,
            depth: 1,
        });
    } else {
        walk(&src.join(part), 0, &mut out);
    }
    let mut i = 0;
    while i < out.len() {
        let code = code_of(&out[i].path);
        let dir = out[i].path.parent().unwrap().to_path_buf();
        for included in path_attributes(&code) {
            out.push(Source {
                path: dir.join(included),
                depth: out[i].depth + 1,
            });
        }
        i += 1;
    }
    out
}

/// A file's code without its tests and comments.
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    let code = code.split("#[cfg(all(test").next().unwrap_or_default();
    code.lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The files a source includes: `#[path = "…"]`, `include!("…")`, `include_str!("…")`, …
fn path_attributes(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for marker in ["#[path", "include!(", "include_str!(", "include_bytes!("] {
        for (at, _) in code.match_indices(marker) {
            let rest = &code[at + marker.len()..];
            let Some(open) = rest.find('"') else { continue };
            let Some(len) = rest[open + 1..].find('"') else {
                continue;
            };
            if rest[..open].chars().all(|c| c == '=' || c.is_whitespace()) {
                out.push(rest[open + 1..open + 1 + len].to_owned());
            }
        }
    }
    out
}

/// The first segments of the paths a piece of code names from the crate's root: `oauth` for
/// `crate::oauth::pkce`, `a` and `b` for `crate::{a::x, b}`, and the same after
/// `dovecote_gateway::` or enough `super::` to reach the root from `depth`.
fn root_names(code: &str, depth: usize) -> BTreeSet<String> {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = BTreeSet::new();
    let mut starts = Vec::new();
    for prefix in ["crate::", "dovecote_gateway::"] {
        for (at, _) in code.match_indices(prefix) {
            if !code[..at].ends_with(is_ident) {
                starts.push(at + prefix.len());
            }
        }
    }
    for (at, _) in code.match_indices("super::") {
        let before = &code[..at];
        if before.ends_with("super::") || before.ends_with(is_ident) {
            continue;
        }
        let mut end = at;
        let mut count = 0;
        while code[end..].starts_with("super::") {
            end += "super::".len();
            count += 1;
        }
        if count >= depth {
            starts.push(end);
        }
    }
    for start in starts {
        let rest = code[start..].trim_start();
        if let Some(group) = rest.strip_prefix('{') {
            let mut level = 0;
            let mut segment_start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => level += 1,
                    '}' if level == 0 => break,
                    '}' => level -= 1,
                    ',' if level == 0 => segment_start = true,
                    c if segment_start && is_ident(c) => {
                        let name: String =
                            group[i..].chars().take_while(|c| is_ident(*c)).collect();
                        out.insert(name);
                        segment_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            let name: String = rest.chars().take_while(|c| is_ident(*c)).collect();
            out.insert(name);
        }
    }
    out
}

/// What each gateway part imports of the other parts, with the files that do.
fn gateway_imports() -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
    let parts = gateway_parts();
    let src = root().join("gateway/src");
    let mut out = BTreeMap::new();
    for part in &parts {
        let mut imports: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for source in sources(part) {
            let shown = source
                .path
                .strip_prefix(&src)
                .unwrap_or(&source.path)
                .display()
                .to_string();
            for name in root_names(&code_of(&source.path), source.depth) {
                if parts.contains(&name) && name != *part {
                    imports.entry(name).or_default().insert(shown.clone());
                }
            }
        }
        out.insert(part.clone(), imports);
    }
    out
}

/// What a crate of ours links or compiles of ours: the `dovecote-*` crates in its
/// Cargo.toml, and the files outside it that its non-test sources include.
fn crate_imports(dir: &str) -> BTreeMap<String, BTreeSet<String>> {
    let root = root();
    let crate_dir = root.join(dir);
    let manifest: toml::Table = std::fs::read_to_string(crate_dir.join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let mut tables: Vec<&toml::Value> = Vec::new();
    for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
        tables.extend(manifest.get(key));
        if let Some(targets) = manifest.get("target").and_then(|t| t.as_table()) {
            tables.extend(targets.values().filter_map(|t| t.get(key)));
        }
    }
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for table in tables.iter().filter_map(|t| t.as_table()) {
        for name in table.keys().filter(|n| n.starts_with("dovecote")) {
            out.entry(name.clone())
                .or_default()
                .insert(format!("{dir}Cargo.toml"));
        }
    }
    let mut files = Vec::new();
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                if name != "tests" {
                    walk(&path, out);
                }
            } else if name.ends_with(".rs") && name != "tests.rs" {
                out.push(path);
            }
        }
    }
    for sub in ["src", "examples", "build.rs"] {
        let path = crate_dir.join(sub);
        if path.is_file() {
            files.push(path);
        } else {
            walk(&path, &mut files);
        }
    }
    let root = root.canonicalize().unwrap();
    let crate_dir = crate_dir.canonicalize().unwrap();
    for file in files {
        let file = file.canonicalize().unwrap();
        for included in path_attributes(&code_of(&file)) {
            let target = file.parent().unwrap().join(&included);
            let target = target.canonicalize().unwrap_or(target);
            if !target.starts_with(&crate_dir) {
                let shown = target.strip_prefix(&root).unwrap_or(&target);
                out.entry(shown.display().to_string()).or_default().insert(
                    file.strip_prefix(&root)
                        .unwrap_or(&file)
                        .display()
                        .to_string(),
                );
            }
        }
    }
    out
}

#[test]
fn the_code_keeps_the_import_rules_of_the_architecture_page() {
    let rules = rules();
    let parts = gateway_parts();
    let mut problems = Vec::new();
    let mut expected: BTreeSet<String> = parts.clone();
    expected.extend(CRATES.iter().map(|c| c.to_string()));
    let listed: BTreeSet<String> = rules.keys().cloned().collect();
    for missing in expected.difference(&listed) {
        problems.push(format!(
            "`{missing}` has no row: add what it may and must never import"
        ));
    }
    for stale in listed.difference(&expected) {
        problems.push(format!(
            "`{stale}` has a row but is no part of the code: remove the row"
        ));
    }
    for (name, rule) in &rules {
        for both in rule.may.intersection(&rule.never) {
            problems.push(format!("`{name}` both may and must never import `{both}`"));
        }
        for e in rule.exceptions.difference(&rule.never) {
            problems.push(format!(
                "`{name}`: the known exception `{e}` is not under \"Must never import\" — an \
                 exception is a rule broken today"
            ));
        }
        if parts.contains(name) {
            let named = rule.may.iter().chain(&rule.never).chain(&rule.exceptions);
            for unknown in named.filter(|n| !parts.contains(*n)) {
                problems.push(format!(
                    "`{name}` names `{unknown}`, which is no part of gateway/src"
                ));
            }
        }
    }
    let mut actual = gateway_imports();
    for dir in CRATES {
        actual.insert(dir.to_owned(), crate_imports(dir));
    }
    for (name, imports) in &actual {
        let Some(rule) = rules.get(name) else {
            continue;
        };
        for (imported, files) in imports {
            let files: Vec<&str> = files.iter().map(String::as_str).collect();
            if rule.exceptions.contains(imported) {
                continue;
            }
            if rule.never.contains(imported) {
                problems.push(format!(
                    "`{name}` imports `{imported}` ({}), which it must never import — \
                     move what it needs, or (if it must stay for now) list it as a known exception",
                    files.join(", ")
                ));
            } else if !rule.may.contains(imported) {
                problems.push(format!(
                    "`{name}` imports `{imported}` ({}), which the table does not allow — add it \
                     under \"May import\" if the design allows it",
                    files.join(", ")
                ));
            }
        }
        for gone in rule.exceptions.iter().filter(|e| !imports.contains_key(*e)) {
            problems.push(format!(
                "`{name}` no longer imports `{gone}`: remove it from the known exceptions"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "docs/architecture.md's import table and the code disagree:\n{}",
        problems.join("\n")
    );
}

#[test]
fn root_names_reads_paths_groups_and_supers() {
    let code =
        "use crate::oauth::pkce;\nuse crate::{ mcp::Catalog, toolbox::{self, Rate}, http };\n\
                let x = dovecote_gateway::log::internal();\nuse super::super::grants;\n\
                use super::sibling;\nlet y = my_crate::channels;";
    let names: Vec<String> = root_names(code, 2).into_iter().collect();
    assert_eq!(names, ["grants", "http", "log", "mcp", "oauth", "toolbox"]);
    assert!(!root_names(code, 3).contains("grants"));
}

#[test]
fn included_files_are_found_after_their_attribute() {
    let code = "#[path = \"../../x/y.rs\"]\nmod y;\nconst A: &str = include_str!(\"page.html\");\n\
                let s = \"#[path not an attribute\";";
    assert_eq!(path_attributes(code), ["../../x/y.rs", "page.html"]);
}
