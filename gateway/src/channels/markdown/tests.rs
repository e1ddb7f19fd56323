//! Rendering and splitting, per service: exact markup for the constructs agents write, and
//! splits that stay within the limits and never break a character or an entity.

use crate::channels::discord::DiscordMarkdown;
use crate::channels::markdown::{render, Block};
use crate::channels::slack::Mrkdwn;
use crate::channels::split::{measure, pack};
use crate::channels::telegram::Html;

const SAMPLE: &str = "# Deploy <prod>\n\n**Build** _#42_ of `a<b>` is ~~late~~ [done](https://ci.example/run?a=1&b=2).\n\n- one & two\n- *three*\n\n1. first\n2. second\n\n> quoted\n\n```rust\nlet x = a < b && c;\n```\n\n<script>alert(1)</script>\n\n[bad](javascript:alert(1))";

fn joined(blocks: &[Block], code: impl Fn(Option<&str>, &str) -> String) -> String {
    blocks
        .iter()
        .map(|b| match b {
            Block::Lines(lines) => lines.join("\n"),
            Block::Code(language, lines) => code(language.as_deref(), &lines.join("\n")),
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[test]
fn telegram_html_escapes_text_and_uses_its_tags() {
    use crate::channels::markdown::Dialect;
    let blocks = render(SAMPLE, &Html);
    let text = joined(&blocks, |l, c| Html.code_block(l, c));
    assert_eq!(
        text,
        "<b>Deploy &lt;prod&gt;</b>\n\n\
         <b>Build</b> <i>#42</i> of <code>a&lt;b&gt;</code> is <s>late</s> <a href=\"https://ci.example/run?a=1&amp;b=2\">done</a>.\n\n\
         • one &amp; two\n• <i>three</i>\n\n\
         1. first\n2. second\n\n\
         ┃ quoted\n\n\
         <pre><code class=\"language-rust\">let x = a &lt; b &amp;&amp; c;</code></pre>\n\n\
         &lt;script&gt;alert(1)&lt;/script&gt;\n\n\
         bad"
    );
}

#[test]
fn discord_markdown_escapes_its_special_characters() {
    use crate::channels::markdown::Dialect;
    let blocks = render(SAMPLE, &DiscordMarkdown);
    let text = joined(&blocks, |l, c| DiscordMarkdown.code_block(l, c));
    assert_eq!(
        text,
        "**Deploy \\<prod\\>**\n\n\
         **Build** *\\#42* of `a<b>` is ~~late~~ [done](https://ci.example/run?a=1&b=2).\n\n\
         • one & two\n• *three*\n\n\
         1. first\n2. second\n\n\
         > quoted\n\n\
         ```rust\nlet x = a < b && c;\n```\n\n\
         \\<script\\>alert(1)\\</script\\>\n\n\
         bad"
    );
}

#[test]
fn slack_mrkdwn_escapes_ampersand_and_angle_brackets() {
    use crate::channels::markdown::Dialect;
    let blocks = render(SAMPLE, &Mrkdwn);
    let text = joined(&blocks, |l, c| Mrkdwn.code_block(l, c));
    assert_eq!(
        text,
        "*Deploy &lt;prod&gt;*\n\n\
         *Build* _#42_ of `a&lt;b&gt;` is ~late~ <https://ci.example/run?a=1&b=2|done>.\n\n\
         • one &amp; two\n• _three_\n\n\
         1. first\n2. second\n\n\
         > quoted\n\n\
         ```let x = a &lt; b &amp;&amp; c;```\n\n\
         &lt;script&gt;alert(1)&lt;/script&gt;\n\n\
         bad"
    );
}

#[test]
fn styles_spanning_lines_are_closed_and_reopened_on_each() {
    let blocks = render("**one\ntwo** three", &Html);
    assert_eq!(
        blocks,
        [Block::Lines(vec![
            "<b>one</b>".into(),
            "<b>two</b> three".into()
        ])]
    );
}

/// Every chunk within `limit`, every tag balanced, and the text (tags removed) all there.
fn assert_clean_split(chunks: &[String], limit: usize) {
    for chunk in chunks {
        assert!(
            measure(chunk) <= limit,
            "chunk of {} > {limit}",
            measure(chunk)
        );
        for tag in ["b", "i", "s", "code", "pre", "a"] {
            assert_eq!(
                chunk.matches(&format!("<{tag}>")).count()
                    + chunk.matches(&format!("<{tag} ")).count(),
                chunk.matches(&format!("</{tag}>")).count(),
                "unbalanced <{tag}> in {chunk:?}"
            );
        }
        // An entity is never cut: every `&` starts a whole one.
        for (at, _) in chunk.match_indices('&') {
            let rest = &chunk[at..];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&#x"]
                    .iter()
                    .any(|e| rest.starts_with(e)),
                "cut entity at {:?}",
                &rest[..rest.len().min(8)]
            );
        }
    }
}

#[test]
fn long_text_splits_at_paragraphs_within_the_limit() {
    let paragraph = "**Bold** & <tagged> words ".repeat(30);
    let text = [paragraph.trim_end(); 10].join("\n\n");
    let chunks = pack(&render(&text, &Html), &Html, 4096);
    assert!(chunks.len() >= 2);
    assert_clean_split(&chunks, 4096);
    // Paragraph boundaries: every chunk starts at the start of a paragraph.
    assert!(chunks.iter().all(|c| c.starts_with("<b>Bold</b>")));
    let total: usize = chunks
        .iter()
        .map(|c| c.matches("<b>Bold</b>").count())
        .sum();
    assert_eq!(total, 300, "no word is lost");
}

#[test]
fn one_overlong_line_is_cut_at_characters_never_inside_one() {
    // 5,000 emoji (two UTF-16 units each) and ampersands in one paragraph without spaces.
    let text = "😀&".repeat(2500);
    let chunks = pack(&render(&text, &Html), &Html, 4096);
    assert_clean_split(&chunks, 4096);
    let back: String = chunks.concat().replace("&amp;", "&");
    assert_eq!(back, text);
}

#[test]
fn a_long_code_block_becomes_several_balanced_code_blocks() {
    let code = (0..400)
        .map(|i| format!("line {i} <&>"))
        .collect::<Vec<_>>()
        .join("\n");
    let text = format!("```\n{code}\n```");
    let chunks = pack(&render(&text, &Html), &Html, 4096);
    assert!(chunks.len() >= 2);
    assert_clean_split(&chunks, 4096);
    assert!(chunks
        .iter()
        .all(|c| c.starts_with("<pre>") && c.ends_with("</pre>")));
    let discord = pack(&render(&text, &DiscordMarkdown), &DiscordMarkdown, 2000);
    assert!(discord
        .iter()
        .all(|c| c.starts_with("```\n") && c.ends_with("\n```") && measure(c) <= 2000));
}

#[test]
fn loose_and_nested_lists_keep_each_item_on_its_marker_line() {
    let blocks = render(
        "- one\n\n  more of one\n\n- two\n  1. sub\n  2. sub two\n\n3. three",
        &Html,
    );
    assert_eq!(
        blocks,
        [
            Block::Lines(vec![
                "• one".into(),
                "more of one".into(),
                "• two".into(),
                "  1. sub".into(),
                "  2. sub two".into(),
            ]),
            Block::Lines(vec!["3. three".into()]),
        ]
    );
}

/// Markdown made of the pieces agents write, mixed at random (a fixed seed: reproducible).
fn random_markdown(seed: &mut u64, pieces: usize) -> String {
    const PIECES: [&str; 24] = [
        "word ",
        "**bold ",
        "**",
        "*it ",
        "_",
        "~~gone~~ ",
        "`co<de>` ",
        "[link](https://x.example/?a=1&b=2) ",
        "\n",
        "\n\n",
        "- ",
        "1. ",
        "> ",
        "# ",
        "```\nlet a = b < c;\n```\n",
        "<b>raw</b> ",
        "&amp; ",
        "😀 ",
        "ä ",
        "\\",
        "![img](https://x.example/i.png) ",
        "    indented\n",
        "---\n",
        "[bad](javascript:x) ",
    ];
    let mut out = String::new();
    for _ in 0..pieces {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        out.push_str(PIECES[(*seed >> 33) as usize % PIECES.len()]);
    }
    out
}

#[test]
fn any_mix_of_markdown_splits_into_balanced_chunks_within_the_limit() {
    let mut seed = 7;
    for round in 0..300 {
        let text = random_markdown(&mut seed, 40 + round % 200);
        let limit = 64 + (round * 37) % 900;
        let chunks = pack(&render(&text, &Html), &Html, limit);
        assert_clean_split(&chunks, limit);
        for dialect in [
            &DiscordMarkdown as &dyn crate::channels::markdown::Dialect,
            &Mrkdwn,
        ] {
            let chunks = pack(&render(&text, dialect), dialect, limit);
            assert!(
                chunks.iter().all(|c| measure(c) <= limit),
                "{text:?} at {limit}"
            );
        }
    }
}
