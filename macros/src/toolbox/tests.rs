//! Unit tests of `toolbox!`: manifests written to a temporary directory, tokens from `quote!`.

use std::path::{Path, PathBuf};

use quote::quote;

use super::*;

/// A temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh directory holding `tools.toml` with `source`.
fn dir_with(test: &str, source: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("dovecote-macros-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("tools.toml"), source).unwrap();
    TempDir(dir)
}

/// Every error message of expanding `input` with `base` as the invoking file's directory.
fn errors(input: TokenStream, base: PathBuf) -> Vec<String> {
    match expand_at(input, None, base) {
        Ok(_) => Vec::new(),
        Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
    }
}

const MANIFEST: &str = r#"[scopes."test:write"]
description = "Change things"
grant = "operators"

[scopes."test:read"]
description = "See things"
grant = "members"

[tools.whoami]
scope = "test:read"
rate = "5/second"

[tools.calculate]
enabled = false
scope = "test:write"
rate = "60/minute"
title = "Calculator"
"#;

#[test]
fn emits_the_toolbox_in_manifest_order() {
    let dir = dir_with("ok", MANIFEST);
    let input = quote!(
        manifest = "tools.toml",
        tools = [crate::examples::calculate, r#whoami,]
    );
    let out = expand_at(input, None, dir.to_path_buf())
        .unwrap()
        .to_string()
        .replace(' ', "");
    let path = dir.join("tools.toml").display().to_string();
    assert!(
        out.contains(&format!("const_:&str=::std::include_str!({path:?});")),
        "{out}"
    );
    assert!(
        out.contains("::std::option_env!(\"DOVECOTE_TOOLS_MANIFEST\")"),
        "{out}"
    );
    assert!(
        out.contains("pubconstTOOLBOX:::dovecote_gateway::toolbox::Toolbox="),
        "{out}"
    );
    let scopes = "scopes:&[::dovecote_gateway::toolbox::ScopeDecl{name:\"test:write\",description:\"Changethings\",grant:::dovecote_gateway::toolbox::ScopeGrant::Operators,},::dovecote_gateway::toolbox::ScopeDecl{name:\"test:read\",description:\"Seethings\",grant:::dovecote_gateway::toolbox::ScopeGrant::Members,}]";
    assert!(out.contains(scopes), "{out}");
    let whoami = out
        .find("def:__dovecote_tool_whoami,")
        .expect("the whoami entry");
    let calculate = out
        .find("def:crate::examples::__dovecote_tool_calculate,")
        .expect("the calculate entry");
    assert!(whoami < calculate, "manifest order, not list order");
    assert!(out.contains("enabled:true,scope:\"test:read\",rate:::dovecote_gateway::toolbox::Rate{count:5,period:::dovecote_gateway::toolbox::RatePeriod::Second},title:::std::option::Option::None,description:::std::option::Option::None"), "{out}");
    assert!(out.contains("enabled:false,scope:\"test:write\",rate:::dovecote_gateway::toolbox::Rate{count:60,period:::dovecote_gateway::toolbox::RatePeriod::Minute},title:::std::option::Option::Some(\"Calculator\")"), "{out}");
}

#[test]
fn the_override_replaces_the_path() {
    let dir = dir_with("override", MANIFEST);
    let path = dir.join("tools.toml").display().to_string();
    let input = quote!(
        manifest = "does/not/exist.toml",
        tools = [whoami, calculate]
    );
    let out = expand_at(input, Some(path.clone()), PathBuf::from("/nowhere"))
        .unwrap()
        .to_string();
    assert!(out.contains(&format!("{path:?}")), "{out}");

    let broken = dir_with("override-broken", "[tools.x]\n");
    let path = broken.join("tools.toml").display().to_string();
    let err = expand_at(
        quote!(manifest = "tools.toml", tools = []),
        Some(path.clone()),
        dir.to_path_buf(),
    )
    .unwrap_err();
    let messages: Vec<String> = err.into_iter().map(|e| e.to_string()).collect();
    assert!(
        messages[0].starts_with(&format!("{path}:1: tool `x` has no `scope`")),
        "{messages:?}"
    );
}

#[test]
fn manifest_errors_name_the_file_as_written_and_the_line() {
    let dir = dir_with(
        "errors",
        "[scopes]\n\"a:b\" = { description = \"c\", grant = \"members\" }\n[tools.x]\nscope = \"kb:read\"\nrate = \"fast\"\n",
    );
    let sub = dir.join("src");
    std::fs::create_dir_all(&sub).unwrap();
    let errs = errors(quote!(manifest = "../tools.toml", tools = [x]), sub);
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert_eq!(
        errs[0],
        "../tools.toml:4: tool `x` names scope `kb:read`, which is not declared — add it under [scopes] or use one of: a:b"
    );
    assert!(
        errs[1].starts_with("../tools.toml:5: the rate `fast` of tool `x` is not valid — write")
    );
}

#[test]
fn syntax_errors_stop_before_the_agreement_checks() {
    let dir = dir_with("syntax", "[scopes]\n\"a:b\" = \"c\n");
    let errs = errors(
        quote!(manifest = "tools.toml", tools = [x, y]),
        dir.to_path_buf(),
    );
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].starts_with("tools.toml:2: ") && errs[0].ends_with(" — fix the TOML syntax"),
        "{errs:?}"
    );
}

#[test]
fn the_list_and_the_manifest_must_agree() {
    let dir = dir_with("agree", MANIFEST);
    let errs = errors(
        quote!(
            manifest = "tools.toml",
            tools = [whoami, a::stray, b::whoami]
        ),
        dir.to_path_buf(),
    );
    assert_eq!(
        errs,
        [
            "tool `stray` has no entry in the manifest — add [tools.stray] with a scope and a rate to tools.toml",
            "tool `whoami` is already in the list — remove it (manifest keys are fn names, so listed fns need distinct names)",
            "tools.toml:13: tool `calculate` is declared in the manifest but no #[tool] fn named `calculate` is in toolbox!'s tools list — add the fn to the list or remove [tools.calculate]",
        ]
    );
}

#[test]
fn invocation_mistakes() {
    let dir = dir_with("invocation", MANIFEST);
    let errs = errors(quote!(), dir.to_path_buf());
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(errs[0].starts_with("toolbox! needs `manifest = \"…\"`"));
    assert!(errs[1].starts_with("toolbox! needs `tools = [...]`"));

    let errs = errors(
        quote!(
            manifest = "tools.toml",
            manifest = "tools.toml",
            extra = 1,
            tools = [whoami, calculate]
        ),
        dir.to_path_buf(),
    );
    assert_eq!(
        errs,
        [
            "`manifest` is given twice — keep one",
            "unknown key `extra` — toolbox! takes `manifest = \"…\"`, `tools = [...]`, `resources = [...]` and `channels = \"…\"`",
        ]
    );

    let errs = errors(
        quote!(manifest = "missing.toml", tools = []),
        dir.to_path_buf(),
    );
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].starts_with("missing.toml: cannot read "),
        "{errs:?}"
    );
    assert!(
        errs[0].ends_with(" — the path is relative to the file that invokes toolbox!"),
        "{errs:?}"
    );

    assert!(
        expand_at(
            quote!(manifest = "tools.toml", tools = [a<T>]),
            None,
            dir.to_path_buf()
        )
        .is_err(),
        "no generics"
    );
}

const WITH_RESOURCES: &str = r#"[scopes."test:read"]
description = "See things"
grant = "members"

[tools.whoami]
scope = "test:read"
rate = "5/second"

[resources.github_event]
scope = "test:read"
rate = "7/minute"

[resources.pending]
enabled = false
scope = "test:read"
rate = "1/second"
"#;

#[test]
fn resource_families_join_their_manifest_entries_by_const_name() {
    let dir = dir_with("resources", WITH_RESOURCES);
    let input = quote!(
        manifest = "tools.toml",
        tools = [whoami],
        resources = [events::PENDING, events::GITHUB_EVENT]
    );
    let out = expand_at(input, None, dir.to_path_buf())
        .unwrap()
        .to_string()
        .replace(' ', "");
    let event = out
        .find("def:events::GITHUB_EVENT,policy:::dovecote_gateway::toolbox::ResourcePolicy{enabled:true,scope:\"test:read\",rate:::dovecote_gateway::toolbox::Rate{count:7,period:::dovecote_gateway::toolbox::RatePeriod::Minute}")
        .expect(&out);
    let pending = out
        .find(
            "def:events::PENDING,policy:::dovecote_gateway::toolbox::ResourcePolicy{enabled:false",
        )
        .expect(&out);
    assert!(event < pending, "manifest order");
}

#[test]
fn resource_families_and_the_manifest_must_agree() {
    let dir = dir_with("resources-agree", WITH_RESOURCES);
    let errs = errors(
        quote!(
            manifest = "tools.toml",
            tools = [whoami],
            resources = [events::GITHUB_EVENT, other::GITHUB_EVENT, kb::DOCUMENT]
        ),
        dir.to_path_buf(),
    );
    assert_eq!(
        errs,
        [
            "resource family `github_event` is already in the list — remove it",
            "resource family `document` has no entry in the manifest — add [resources.document] with a scope and a rate to tools.toml",
            "tools.toml:13: resource family `pending` is declared in the manifest but no ResourceDef const named `PENDING` is in toolbox!'s resources list — add the const to the list or remove [resources.pending]",
        ]
    );
    let errs = errors(
        quote!(manifest = "tools.toml", tools = [whoami]),
        dir.to_path_buf(),
    );
    assert_eq!(
        errs.len(),
        2,
        "without a resources list, both families are unlisted: {errs:?}"
    );
}
