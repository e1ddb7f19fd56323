//! Packs rendered blocks into messages within a service's limit: whole blocks joined by a
//! blank line where they fit, else line by line, and a single overlong line as plain text cut
//! at character boundaries. Never inside a character, an escape or a tag.

use super::markdown::{Block, Dialect};

/// The length services count, conservatively: UTF-16 code units of the markup itself
/// (Telegram counts UTF-16 units of the text without tags; Discord and Slack count characters,
/// never more than UTF-16 units).
pub fn measure(text: &str) -> usize {
    text.encode_utf16().count()
}

/// Splits `blocks` into messages of at most `limit` (by `measure`), in order.
pub fn pack(blocks: &[Block], dialect: &dyn Dialect, limit: usize) -> Vec<String> {
    let mut packer = Packer {
        limit: limit.max(16),
        chunks: Vec::new(),
        current: String::new(),
    };
    for block in blocks {
        let whole = render_block(block, dialect);
        if packer.fits(&whole, "\n\n") {
            packer.append(&whole, "\n\n");
            continue;
        }
        if measure(&whole) <= packer.limit {
            packer.flush();
            packer.append(&whole, "");
            continue;
        }
        // Too long for one message: line by line, the block's first line after a blank line.
        packer.flush();
        for line in block_units(block, dialect, packer.limit) {
            if packer.fits(&line, "\n") {
                packer.append(&line, "\n");
            } else {
                packer.flush();
                packer.append(&line, "");
            }
        }
    }
    packer.flush();
    packer.chunks
}

struct Packer {
    limit: usize,
    chunks: Vec<String>,
    current: String,
}

impl Packer {
    fn fits(&self, text: &str, separator: &str) -> bool {
        let sep = if self.current.is_empty() {
            0
        } else {
            measure(separator)
        };
        measure(&self.current) + sep + measure(text) <= self.limit
    }

    fn append(&mut self, text: &str, separator: &str) {
        if !self.current.is_empty() {
            self.current.push_str(separator);
        }
        self.current.push_str(text);
    }

    fn flush(&mut self) {
        if !self.current.trim().is_empty() {
            self.chunks.push(std::mem::take(&mut self.current));
        }
        self.current.clear();
    }
}

/// A block as one piece of markup.
fn render_block(block: &Block, dialect: &dyn Dialect) -> String {
    match block {
        Block::Lines(lines) => lines.join("\n"),
        Block::Code(language, lines) => dialect.code_block(language.as_deref(), &lines.join("\n")),
    }
}

/// The pieces of a block too long for one message, each within `limit`: its lines (a code
/// block's lines regrouped into smaller code blocks), an overlong line cut as plain text.
fn block_units(block: &Block, dialect: &dyn Dialect, limit: usize) -> Vec<String> {
    match block {
        Block::Lines(lines) => lines
            .iter()
            .flat_map(|line| {
                if measure(line) <= limit {
                    vec![line.clone()]
                } else {
                    cut_plain(&strip_to_text(line), dialect, limit)
                }
            })
            .collect(),
        Block::Code(language, lines) => {
            let wrap = |code: &str| dialect.code_block(language.as_deref(), code);
            let overhead = measure(&wrap("")) + 1;
            let room = limit.saturating_sub(overhead).max(8);
            let mut units = Vec::new();
            let mut group = String::new();
            let raw_lines = lines.iter().flat_map(|l| cut_raw(l, dialect, room));
            for line in raw_lines {
                let candidate = if group.is_empty() {
                    line.clone()
                } else {
                    format!("{group}\n{line}")
                };
                if measure(&wrap(&candidate)) <= limit {
                    group = candidate;
                } else {
                    if !group.is_empty() {
                        units.push(wrap(&group));
                    }
                    group = line;
                }
            }
            if !group.is_empty() {
                units.push(wrap(&group));
            }
            units
        }
    }
}

/// `line` without markup: the text a reader sees, for cutting it anywhere.
fn strip_to_text(line: &str) -> String {
    // Rendering is not reversible in general; dropping tags (`<…>`) and the common marks keeps
    // the words, which is what matters in an overlong line.
    let mut out = String::new();
    let mut in_tag = false;
    for c in line.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if in_tag => {}
            _ => out.push(c),
        }
    }
    unescape_html(&out)
}

fn unescape_html(text: &str) -> String {
    text.replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// Plain `text` escaped and cut into pieces within `limit`, at character boundaries (at a
/// space when there is one near the end).
fn cut_plain(text: &str, dialect: &dyn Dialect, limit: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut current_len = 0;
    for c in text.chars() {
        let escaped = dialect.escape(c.encode_utf8(&mut [0; 4]));
        let len = measure(&escaped);
        if current_len + len > limit {
            let cut = current
                .rfind(' ')
                .filter(|at| *at > current.len() * 3 / 4)
                .map(|at| at + 1);
            match cut {
                Some(at) => {
                    let rest = current.split_off(at);
                    pieces.push(std::mem::take(&mut current));
                    current_len = measure(&rest);
                    current = rest;
                }
                None => {
                    pieces.push(std::mem::take(&mut current));
                    current_len = 0;
                }
            }
        }
        current.push_str(&escaped);
        current_len += len;
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces
}

/// A raw code line cut into pieces of at most `room` units once escaped (text escaping, at
/// least as long as any code block's), at character boundaries.
fn cut_raw(line: &str, dialect: &dyn Dialect, room: usize) -> Vec<String> {
    if measure(&dialect.escape(line)) <= room {
        return vec![line.to_owned()];
    }
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut current_len = 0;
    for c in line.chars() {
        let len = measure(&dialect.escape(c.encode_utf8(&mut [0; 4])));
        if current_len + len > room {
            pieces.push(std::mem::take(&mut current));
            current_len = 0;
        }
        current.push(c);
        current_len += len;
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces
}
