//! Just enough of a Markdown page for the docs tests, read with pulldown-cmark (the parser the
//! gateway already uses for notifications): its headings' anchors as GitHub makes them, its
//! links, and its tables with each cell's text and code spans.

use std::collections::BTreeSet;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// One table cell: its text as shown (code spans included), and its code spans alone.
#[derive(Debug, Default, Clone)]
pub struct Cell {
    pub text: String,
    pub code: Vec<String>,
}

/// A table: the header's cells as text, then each row's cells.
#[derive(Debug, Default)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// The index of the column whose header is `name`.
    pub fn column(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("the table has no column `{name}`: {:?}", self.header))
    }
}

/// What the tests need of one page.
#[derive(Debug, Default)]
pub struct Page {
    /// The anchors its headings get on GitHub (`#the-local-bridge-dovecote-bridge`).
    pub anchors: BTreeSet<String>,
    /// The destination of every link, as written.
    pub links: Vec<String>,
    pub tables: Vec<Table>,
}

impl Page {
    pub fn parse(text: &str) -> Page {
        let mut page = Page::default();
        let mut heading: Option<String> = None;
        let mut cell: Option<Cell> = None;
        let mut table: Option<Table> = None;
        let mut in_head = false;
        for event in Parser::new_ext(text, Options::ENABLE_TABLES) {
            match event {
                Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
                Event::End(TagEnd::Heading(_)) => {
                    let title = heading.take().unwrap_or_default();
                    page.anchors.insert(unique(&page.anchors, slug(&title)));
                }
                Event::Start(Tag::Link { dest_url, .. }) => page.links.push(dest_url.to_string()),
                Event::Start(Tag::Table(_)) => table = Some(Table::default()),
                Event::End(TagEnd::Table) => page.tables.extend(table.take()),
                Event::Start(Tag::TableHead) => in_head = true,
                Event::End(TagEnd::TableHead) => in_head = false,
                Event::Start(Tag::TableRow) => {
                    if let Some(t) = table.as_mut() {
                        t.rows.push(Vec::new());
                    }
                }
                Event::Start(Tag::TableCell) => cell = Some(Cell::default()),
                Event::End(TagEnd::TableCell) => {
                    let (Some(t), Some(c)) = (table.as_mut(), cell.take()) else {
                        continue;
                    };
                    if in_head {
                        t.header.push(c.text.trim().to_owned());
                    } else if let Some(row) = t.rows.last_mut() {
                        row.push(Cell {
                            text: c.text.trim().to_owned(),
                            code: c.code,
                        });
                    }
                }
                Event::Text(s) => {
                    if let Some(h) = heading.as_mut() {
                        h.push_str(&s);
                    }
                    if let Some(c) = cell.as_mut() {
                        c.text.push_str(&s);
                    }
                }
                Event::Code(s) => {
                    if let Some(h) = heading.as_mut() {
                        h.push_str(&s);
                    }
                    if let Some(c) = cell.as_mut() {
                        c.text.push_str(&s);
                        c.code.push(s.to_string());
                    }
                }
                _ => {}
            }
        }
        page
    }

    /// The first table whose header starts with `columns`.
    pub fn table(&self, columns: &[&str]) -> &Table {
        self.tables
            .iter()
            .find(|t| t.header.len() >= columns.len() && t.header[..columns.len()] == *columns)
            .unwrap_or_else(|| panic!("no table with the columns {columns:?}"))
    }
}

/// The anchor GitHub gives a heading: lower case, letters, digits, `-` and `_` kept, spaces
/// turned into `-`, everything else dropped.
pub fn slug(title: &str) -> String {
    title
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// A repeated heading's anchor gets `-1`, `-2`, … as on GitHub.
fn unique(seen: &BTreeSet<String>, anchor: String) -> String {
    if !seen.contains(&anchor) {
        return anchor;
    }
    (1..)
        .map(|n| format!("{anchor}-{n}"))
        .find(|a| !seen.contains(a))
        .unwrap_or(anchor)
}

#[test]
fn anchors_are_made_as_github_makes_them() {
    let page = Page::parse(
        "# The local bridge: `dovecote-bridge`\n## Sign-in: its own OAuth 2.1 server\n\
         ## The bridge's variables\n## CI/CD\n## CI/CD\n",
    );
    let expected = [
        "the-local-bridge-dovecote-bridge",
        "sign-in-its-own-oauth-21-server",
        "the-bridges-variables",
        "cicd",
        "cicd-1",
    ];
    assert_eq!(
        page.anchors,
        expected.iter().map(|s| s.to_string()).collect()
    );
}

#[test]
fn tables_keep_each_cells_code_spans_and_links_are_collected() {
    let page = Page::parse(
        "| Name | Kind |\n| --- | --- |\n| `A_B`, `C_D` | secret |\n| *(x)* | var |\n\n\
         See [this](other.md#part) and `[not a link](no.md)`.\n\n```\n[nor](this.md)\n```\n",
    );
    let table = page.table(&["Name", "Kind"]);
    assert_eq!(table.rows.len(), 2);
    assert_eq!(table.rows[0][0].code, ["A_B", "C_D"]);
    assert_eq!(table.rows[0][1].text, "secret");
    assert_eq!(table.rows[1][0].text, "(x)");
    assert_eq!(page.links, ["other.md#part"]);
}
