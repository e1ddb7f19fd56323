//! Links between the pages resolve: every relative link from `README.md`, `SECURITY.md`,
//! `CHANGELOG.md` and `docs/*.md` names a file that exists and, with `#anchor`, a heading
//! of that page. The README stays a front door that leads to every page of the manual.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use crate::dev_vars::root;
use crate::markdown::Page;

/// The manual's pages, as the docs layout fixes them.
const MANUAL: [&str; 11] = [
    "connect.md",
    "tools.md",
    "notifications.md",
    "webhooks.md",
    "sign-in.md",
    "configuration.md",
    "operate.md",
    "troubleshooting.md",
    "security.md",
    "architecture.md",
    "bench.md",
];

/// Every page checked, by its path from the repository's root.
fn pages() -> BTreeMap<PathBuf, Page> {
    let root = root();
    let mut paths: Vec<PathBuf> = ["README.md", "SECURITY.md", "CHANGELOG.md"]
        .iter()
        .map(PathBuf::from)
        .collect();
    for entry in std::fs::read_dir(root.join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            paths.push(Path::new("docs").join(path.file_name().unwrap()));
        }
    }
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(root.join(&p))
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, Page::parse(&text))
        })
        .collect()
}

/// `base/../x` without touching the file system; `None` when it leaves the repository.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    Some(out)
}

#[test]
fn every_link_between_pages_resolves_with_its_anchor() {
    let root = root();
    let pages = pages();
    let mut broken = Vec::new();
    for (path, page) in &pages {
        for link in &page.links {
            if link.contains("://") || link.starts_with("mailto:") {
                continue;
            }
            let (file, anchor) = link.split_once('#').unwrap_or((link, ""));
            let target = if file.is_empty() {
                Some(path.clone())
            } else {
                normalize(&path.parent().unwrap().join(file))
            };
            let Some(target) = target.filter(|t| root.join(t).exists()) else {
                broken.push(format!("{}: `{link}` names no file", path.display()));
                continue;
            };
            if anchor.is_empty() {
                continue;
            }
            match pages.get(&target) {
                Some(p) if p.anchors.contains(anchor) => {}
                Some(_) => broken.push(format!(
                    "{}: `{link}` — {} has no heading with the anchor #{anchor}",
                    path.display(),
                    target.display()
                )),
                None => broken.push(format!(
                    "{}: `{link}` — an anchor into {}, which is not a checked page",
                    path.display(),
                    target.display()
                )),
            }
        }
    }
    assert!(
        broken.is_empty(),
        "broken links (fix the link or the heading it names):\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_readme_is_a_short_front_door_to_every_page_of_the_manual() {
    let root = root();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let lines = readme.lines().count();
    assert!(
        lines < 200,
        "README.md has {lines} lines: move detail into docs/"
    );
    let page = Page::parse(&readme);
    for name in MANUAL {
        let target = format!("docs/{name}");
        assert!(root.join(&target).exists(), "{target} is missing");
        assert!(
            page.links
                .iter()
                .any(|l| l.split('#').next() == Some(&target)),
            "README.md does not link {target}: add it to the table of contents"
        );
    }
    let first = readme.find("make dev").unwrap_or(usize::MAX);
    let connect = readme.find("## Connect").unwrap_or(0);
    assert!(
        first < connect && readme[..connect].contains("make test"),
        "README.md gives the two set-up commands before anything else"
    );
}

#[test]
fn every_page_of_the_manual_opens_with_its_title() {
    for (path, _) in pages() {
        let text = std::fs::read_to_string(root().join(&path)).unwrap();
        assert!(
            text.starts_with("# "),
            "{} must open with a `# Title` line",
            path.display()
        );
    }
}
