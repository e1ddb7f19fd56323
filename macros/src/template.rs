//! The build-time half of the template engine: the very file the gateway runs
//! (`gateway/src/template.rs`), and the check of a template against the values and secrets it
//! may use, each mistake with its fix.

#[path = "../../gateway/src/template.rs"]
#[allow(dead_code)] // The gateway uses the rest at run time.
mod engine;

pub use engine::{pieces, render, slots, Piece, Slot};

/// What a template may use.
pub struct Uses<'a> {
    /// The `{name}`s it may use.
    pub values: &'a [&'a str],
    /// Whether it may use `{secret:NAME}`.
    pub secrets: bool,
    /// How to declare a `{name}` it uses but may not: the fix after "—".
    pub declare: &'a dyn Fn(&str) -> String,
}

/// Every mistake in `template` of `what` (``the url of tool `x` ``), as `problem — fix`.
pub fn check(what: &str, template: &str, uses: &Uses<'_>) -> Vec<String> {
    let mut problems = Vec::new();
    for slot in slots(template) {
        match slot {
            Slot::Value(name) if !uses.values.contains(&name) => {
                let fix = (uses.declare)(name);
                let fix = if uses.values.is_empty() {
                    fix
                } else {
                    format!("{fix} or use one of: {}", uses.values.join(", "))
                };
                problems.push(format!(
                    "{what} uses `{{{name}}}`, which is not one of its arguments — {fix}"
                ));
            }
            Slot::Value(_) => {}
            Slot::Secret(name) if !uses.secrets => problems.push(format!(
                "{what} uses `{{secret:{name}}}`, but secrets may not go there — reference secrets only in `headers` and `query` of an http tool"
            )),
            Slot::Secret(name) => {
                if let Err(problem) = crate::channels::rules::check_secret_name(name) {
                    problems.push(format!("the secret name in {what} {problem}"));
                }
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_and_misplaced_secrets_are_reported_with_their_fix() {
        let declare = |n: &str| format!("declare `{n}`");
        let uses = Uses {
            values: &["id"],
            secrets: false,
            declare: &declare,
        };
        let problems = check("the url", "/x/{id}/{other}?t={secret:TOKEN}", &uses);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0].contains("`{other}`")
                && problems[0].contains("declare `other` or use one of: id")
        );
        assert!(problems[1].contains("secrets may not go there"));
        let uses = Uses {
            secrets: true,
            ..uses
        };
        assert_eq!(
            check("h", "Bearer {secret:TOKEN}", &uses),
            Vec::<String>::new()
        );
        assert_eq!(check("h", "Bearer {secret:token}", &uses).len(), 1);
    }
}
