//! `{name}` templates, the one engine of prompts, declared tools and event routes: a template
//! is text with `{name}` slots (an identifier of `A-Za-z0-9_`) and `{secret:NAME}` slots (a
//! Worker secret by name). Where the values come from and how each is encoded for where it goes
//! is the caller's: this file only finds the slots. Plain `std`, no gateway types, so the macro
//! crate includes this very file to check templates at build time.

/// One slot of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot<'t> {
    /// `{name}`: a value the caller supplies (an argument, an event field).
    Value(&'t str),
    /// `{secret:NAME}`: the Worker secret `NAME`.
    Secret(&'t str),
}

/// A piece of a template: literal text or a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'t> {
    /// Text kept as written (a `{` that opens no slot is text too).
    Text(&'t str),
    /// A slot.
    Slot(Slot<'t>),
}

fn is_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The slot `inner` (what stands between the braces) opens, if any.
fn slot(inner: &str) -> Option<Slot<'_>> {
    match inner.strip_prefix("secret:") {
        Some(secret) => is_name(secret).then_some(Slot::Secret(secret)),
        None => is_name(inner).then_some(Slot::Value(inner)),
    }
}

/// The pieces of `template`, in order.
pub fn pieces(template: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut text_start = 0;
    let mut at = 0;
    while let Some(open) = template[at..].find('{').map(|o| at + o) {
        let found = template[open + 1..]
            .find(['{', '}'])
            .filter(|&close| template.as_bytes()[open + 1 + close] == b'}')
            .and_then(|close| Some((close, slot(&template[open + 1..open + 1 + close])?)));
        match found {
            Some((close, s)) => {
                if open > text_start {
                    out.push(Piece::Text(&template[text_start..open]));
                }
                out.push(Piece::Slot(s));
                at = open + close + 2;
                text_start = at;
            }
            None => at = open + 1,
        }
    }
    if text_start < template.len() {
        out.push(Piece::Text(&template[text_start..]));
    }
    out
}

/// The slots of `template`, in order.
pub fn slots(template: &str) -> Vec<Slot<'_>> {
    pieces(template)
        .into_iter()
        .filter_map(|p| match p {
            Piece::Slot(s) => Some(s),
            Piece::Text(_) => None,
        })
        .collect()
}

/// `template` with each slot written by `put` into the output; a slot `put` declines (returns
/// false) is kept as written, braces and all.
pub fn render(template: &str, mut put: impl FnMut(Slot<'_>, &mut String) -> bool) -> String {
    let mut out = String::with_capacity(template.len());
    for piece in pieces(template) {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Slot(s) => {
                let mark = out.len();
                if !put(s, &mut out) {
                    out.truncate(mark);
                    match s {
                        Slot::Value(n) => out.extend(["{", n, "}"]),
                        Slot::Secret(n) => out.extend(["{secret:", n, "}"]),
                    }
                }
            }
        }
    }
    out
}

/// `template` with each `{name}` found in `values` replaced by its value as is (no encoding:
/// for text a person or a model reads); other slots are kept as written.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    render(template, |slot, out| match slot {
        Slot::Value(name) => match values.iter().find(|(n, _)| *n == name) {
            Some((_, v)) => {
                out.push_str(v);
                true
            }
            None => false,
        },
        Slot::Secret(_) => false,
    })
}

/// Whether `template` is exactly one `{name}` slot and nothing else (a JSON body then takes
/// the value with its own type, not as text).
pub fn whole_value(template: &str) -> Option<&str> {
    match pieces(template).as_slice() {
        [Piece::Slot(Slot::Value(name))] => Some(name),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_braced_identifiers_and_secret_references_only() {
        assert_eq!(
            slots("a {x} b {y_2}{z} {secret:API_TOKEN}"),
            [
                Slot::Value("x"),
                Slot::Value("y_2"),
                Slot::Value("z"),
                Slot::Secret("API_TOKEN")
            ]
        );
        assert_eq!(slots("{} { x } {a-b} { {secret:} {secret:a b}"), []);
        assert_eq!(slots("json {\"k\": {n}}"), [Slot::Value("n")]);
        assert_eq!(slots("{{n}}"), [Slot::Value("n")]);
    }

    #[test]
    fn fill_replaces_known_values_and_keeps_other_braces() {
        let values = [("account", "octo"), ("n", "3")];
        assert_eq!(
            fill("github://accounts/{account}/pending", &values),
            "github://accounts/octo/pending"
        );
        assert_eq!(
            fill("{n} of {other} {{n}} { {secret:K}", &values),
            "3 of {other} {3} { {secret:K}"
        );
        assert_eq!(fill("no braces", &[]), "no braces");
        // A value is inserted once, never read as a template itself.
        assert_eq!(fill("{a}", &[("a", "{n}"), ("n", "x")]), "{n}");
    }

    #[test]
    fn render_lets_the_caller_encode_each_value() {
        let out = render("/items/{id}?k={secret:KEY}", |slot, out| {
            match slot {
                Slot::Value(_) => out.push_str("a%2Fb"),
                Slot::Secret(_) => out.push('s'),
            }
            true
        });
        assert_eq!(out, "/items/a%2Fb?k=s");
    }

    #[test]
    fn a_whole_value_is_one_slot_alone() {
        assert_eq!(whole_value("{count}"), Some("count"));
        assert_eq!(whole_value(" {count}"), None);
        assert_eq!(whole_value("{a}{b}"), None);
        assert_eq!(whole_value("{secret:A}"), None);
    }
}
