//! `docs/configuration.md`'s table of every variable and secret agrees with
//! `.dev.vars.example` (the same names, each a secret or a var on both) and with the code
//! (every name the gateway reads is in the table; every name in the table is read).

use std::collections::{BTreeMap, BTreeSet};

use crate::dev_vars::variables_in_source;
use crate::dev_vars::{example_entries, is_variable_name, names_in_source, root};
use crate::markdown::Page;

/// `name → "secret" | "var"` from the table of docs/configuration.md.
fn documented() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(root().join("docs/configuration.md")).unwrap();
    let page = Page::parse(&text);
    let table = page.table(&["Name", "Kind", "Default", "Meaning"]);
    let (name, kind) = (table.column("Name"), table.column("Kind"));
    let mut out = BTreeMap::new();
    for row in &table.rows {
        // A row without a name of its own (the secrets `channels.toml` names) is prose.
        for n in row[name].code.iter().filter(|c| is_variable_name(c)) {
            let previous = out.insert(n.clone(), row[kind].text.clone());
            assert!(
                previous.is_none(),
                "{n} has two rows in docs/configuration.md"
            );
        }
    }
    out
}

#[test]
fn the_configuration_table_and_dev_vars_example_list_the_same_variables() {
    let documented = documented();
    let example: BTreeMap<String, String> = example_entries()
        .into_iter()
        .map(|(n, tag)| {
            let kind = if tag.starts_with("secret") {
                "secret"
            } else {
                "var"
            };
            (n, kind.to_owned())
        })
        .collect();
    let only_doc: Vec<&String> = documented
        .keys()
        .filter(|n| !example.contains_key(*n))
        .collect();
    let only_example: Vec<&String> = example
        .keys()
        .filter(|n| !documented.contains_key(*n))
        .collect();
    assert!(
        only_doc.is_empty() && only_example.is_empty(),
        "docs/configuration.md lists {only_doc:?} which .dev.vars.example lacks, and \
         .dev.vars.example lists {only_example:?} which docs/configuration.md lacks — add each \
         to the other with what it does"
    );
    for (n, kind) in &documented {
        assert_eq!(
            Some(kind),
            example.get(n),
            "{n}: docs/configuration.md says `{kind}`, .dev.vars.example says otherwise"
        );
    }
}

#[test]
fn the_configuration_table_lists_what_the_gateway_reads_and_nothing_else() {
    let documented: BTreeSet<String> = documented().into_keys().collect();
    let read = variables_in_source();
    let undocumented: Vec<&String> = read.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "the gateway reads {undocumented:?}, which docs/configuration.md does not list"
    );
    let in_code = names_in_source();
    let unread: Vec<&String> = documented
        .iter()
        .filter(|n| !in_code.contains(*n))
        .collect();
    assert!(
        unread.is_empty(),
        "docs/configuration.md lists {unread:?}, which nothing in gateway/src reads — remove \
         the rows (and their .dev.vars.example entries) or read them"
    );
}
