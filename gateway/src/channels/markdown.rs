//! Markdown (CommonMark + strikethrough, parsed by pulldown-cmark) rendered into a service's
//! own markup, as blocks of self-contained lines: every style opened on a line is closed on
//! it, so the text can be split between any two lines without breaking an entity.

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

/// An inline style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `**strong**`, and headings.
    Bold,
    /// `*emphasis*`.
    Italic,
    /// `~~strikethrough~~`.
    Strike,
}

/// A service's markup.
pub trait Dialect {
    /// `text` with the characters the markup would interpret escaped.
    fn escape(&self, text: &str) -> String;
    /// The opening and closing marks of `style`.
    fn marks(&self, style: Style) -> (&'static str, &'static str);
    /// Inline code.
    fn code(&self, code: &str) -> String;
    /// A link with already rendered `text`; `url` is http(s) or mailto.
    fn link(&self, url: &str, text: &str) -> String;
    /// A code block of raw `code` lines.
    fn code_block(&self, language: Option<&str>, code: &str) -> String;
    /// What starts each line of a block quote.
    fn quote_prefix(&self) -> &'static str {
        "> "
    }
}

/// A block: rendered lines (each balanced), or a code block's raw lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// Rendered lines of a paragraph, heading, list or quote.
    Lines(Vec<String>),
    /// A fenced or indented code block: its language and raw lines.
    Code(Option<String>, Vec<String>),
}

/// Link targets a message may carry; anything else (`javascript:`, relative paths) becomes text.
pub fn is_safe_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:"))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Renders `markdown` into blocks of `dialect`'s markup.
pub fn render(markdown: &str, dialect: &dyn Dialect) -> Vec<Block> {
    let mut r = Renderer {
        dialect,
        blocks: Vec::new(),
        lines: Vec::new(),
        line: String::new(),
        styles: Vec::new(),
        lists: Vec::new(),
        quote_depth: 0,
        links: Vec::new(),
        code: None,
        fresh_item: false,
    };
    let options = Options::ENABLE_STRIKETHROUGH;
    for event in Parser::new_ext(markdown, options) {
        r.event(event);
    }
    r.end_block();
    r.blocks
}

/// A link being rendered: where its text starts in the line, and its target.
struct OpenLink {
    start: usize,
    url: String,
}

struct Renderer<'d> {
    dialect: &'d dyn Dialect,
    blocks: Vec<Block>,
    lines: Vec<String>,
    line: String,
    styles: Vec<Style>,
    /// The next number of each open list (`None`: bulleted).
    lists: Vec<Option<u64>>,
    quote_depth: usize,
    links: Vec<OpenLink>,
    code: Option<(Option<String>, String)>,
    /// The line holds only a list marker so far (a loose item's paragraph continues it).
    fresh_item: bool,
}

impl Renderer<'_> {
    fn event(&mut self, event: Event) {
        if let Some((_, code)) = &mut self.code {
            match event {
                Event::Text(t) => code.push_str(&t),
                Event::End(TagEnd::CodeBlock) => {
                    self.end_block();
                    if let Some((language, code)) = self.code.take() {
                        let lines = code.trim_end_matches('\n').split('\n').map(str::to_owned);
                        self.blocks.push(Block::Code(language, lines.collect()));
                    }
                }
                _ => {}
            }
            return;
        }
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => self.text(&t),
            Event::Code(c) => {
                self.fresh_item = false;
                self.prefix();
                let code = self.dialect.code(&c);
                self.line.push_str(&code);
            }
            Event::Html(h) | Event::InlineHtml(h) => {
                let text = h.trim_end_matches('\n').to_owned();
                for (i, part) in text.split('\n').enumerate() {
                    if i > 0 {
                        self.break_line();
                    }
                    self.text(part);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if self.links.is_empty() {
                    self.break_line();
                } else {
                    self.text(" ");
                }
            }
            Event::Rule => {
                self.end_block();
                self.lines.push("———".into());
                self.end_block();
            }
            Event::TaskListMarker(done) => self.text(if done { "☑ " } else { "☐ " }),
            Event::FootnoteReference(f) => self.text(&format!("[{f}]")),
            _ => {}
        }
    }

    fn start(&mut self, tag: Tag) {
        if !matches!(tag, Tag::Paragraph) {
            self.fresh_item = false;
        }
        match tag {
            // A list item's later paragraphs continue the item on a new line.
            Tag::Paragraph if !self.line.is_empty() && !self.fresh_item => self.break_line(),
            Tag::Heading { .. } => {
                self.end_block();
                self.open(Style::Bold);
            }
            Tag::HtmlBlock => self.end_block(),
            Tag::BlockQuote(_) => {
                if self.quote_depth == 0 {
                    self.end_block();
                }
                self.quote_depth += 1;
            }
            Tag::CodeBlock(kind) => {
                let language = match kind {
                    CodeBlockKind::Fenced(info) => info
                        .split_whitespace()
                        .next()
                        .filter(|l| {
                            l.len() <= 20
                                && l.bytes()
                                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'+')
                        })
                        .map(str::to_owned),
                    CodeBlockKind::Indented => None,
                };
                self.code = Some((language, String::new()));
            }
            Tag::List(start) => {
                if self.lists.is_empty() {
                    self.end_block();
                } else if !self.line.is_empty() {
                    self.break_line();
                }
                self.lists.push(start);
            }
            Tag::Item => {
                if !self.line.is_empty() {
                    self.break_line();
                }
                let depth = self.lists.len().saturating_sub(1);
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        format!("{}. ", *n - 1)
                    }
                    _ => "• ".into(),
                };
                self.prefix();
                self.line.push_str(&"  ".repeat(depth));
                self.line.push_str(&self.dialect.escape(&marker));
                self.fresh_item = true;
            }
            Tag::Emphasis => self.open(Style::Italic),
            Tag::Strong => self.open(Style::Bold),
            Tag::Strikethrough => self.open(Style::Strike),
            Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } => {
                self.prefix();
                self.links.push(OpenLink {
                    start: self.line.len(),
                    url: dest_url.into_string(),
                });
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => {
                if self.lists.is_empty() && self.quote_depth == 0 {
                    self.end_block();
                } else if !self.line.is_empty() {
                    self.break_line();
                }
            }
            TagEnd::Heading(_) => {
                self.close(Style::Bold);
                self.end_block();
            }
            TagEnd::HtmlBlock => self.end_block(),
            TagEnd::BlockQuote(_) => {
                self.quote_depth = self.quote_depth.saturating_sub(1);
                if self.quote_depth == 0 {
                    self.end_block();
                }
            }
            TagEnd::List(_) => {
                self.lists.pop();
                if self.lists.is_empty() && self.quote_depth == 0 {
                    self.end_block();
                }
            }
            TagEnd::Emphasis => self.close(Style::Italic),
            TagEnd::Strong => self.close(Style::Bold),
            TagEnd::Strikethrough => self.close(Style::Strike),
            TagEnd::Link | TagEnd::Image => {
                if let Some(link) = self.links.pop() {
                    let start = link.start.min(self.line.len());
                    let text = self.line.split_off(start);
                    let text = if text.is_empty() {
                        self.dialect.escape(&link.url)
                    } else {
                        text
                    };
                    let rendered = if is_safe_url(&link.url) {
                        self.dialect.link(&link.url, &text)
                    } else {
                        text
                    };
                    self.line.push_str(&rendered);
                }
            }
            _ => {}
        }
    }

    fn text(&mut self, text: &str) {
        self.fresh_item = false;
        self.prefix();
        let escaped = self.dialect.escape(text);
        self.line.push_str(&escaped);
    }

    /// Starts a line with the quote marks and reopens the styles that were open.
    fn prefix(&mut self) {
        if !self.line.is_empty() {
            return;
        }
        for _ in 0..self.quote_depth {
            self.line.push_str(self.dialect.quote_prefix());
        }
        for style in self.styles.clone() {
            self.line.push_str(self.dialect.marks(style).0);
        }
    }

    fn open(&mut self, style: Style) {
        self.prefix();
        self.styles.push(style);
        self.line.push_str(self.dialect.marks(style).0);
    }

    fn close(&mut self, style: Style) {
        if let Some(at) = self.styles.iter().rposition(|s| *s == style) {
            self.styles.remove(at);
            self.line.push_str(self.dialect.marks(style).1);
        }
    }

    /// Ends the line: closes the open styles, to be reopened on the next.
    fn break_line(&mut self) {
        self.prefix();
        for style in self.styles.iter().rev() {
            self.line.push_str(self.dialect.marks(*style).1);
        }
        let line = std::mem::take(&mut self.line);
        self.lines.push(line);
    }

    fn end_block(&mut self) {
        if !self.line.is_empty() {
            let styles = std::mem::take(&mut self.styles);
            for style in styles.iter().rev() {
                self.line.push_str(self.dialect.marks(*style).1);
            }
            self.lines.push(std::mem::take(&mut self.line));
            self.styles = styles;
        }
        let lines: Vec<String> = std::mem::take(&mut self.lines);
        let lines: Vec<String> = lines.into_iter().map(|l| l.trim_end().to_owned()).collect();
        if lines.iter().any(|l| !l.trim().is_empty()) {
            self.blocks.push(Block::Lines(lines));
        }
    }
}

#[cfg(test)]
mod tests;
