//! The upstreams part of `toolbox!` and the `upstreams!` macro: each `[upstreams.<name>]` joined
//! with what its lock file `upstreams.lock.toml` says the server lists. `toolbox!` turns every
//! imported tool into a `ToolEntry` whose call forwards to the gateway's `upstreams::call`, so it
//! is listed, scoped, rate-limited and audited like any tool, and refuses a name the lock does
//! not have or a name two tools would share; `upstreams!` emits the connection list the run
//! time needs (URL, secret name, protocol, each imported tool's fingerprint).

use std::path::{Path, PathBuf};

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use serde_json::Value;
use syn::LitStr;

use crate::ctxt::Ctxt;
use crate::manifest::{self, Hints, Locked, Manifest, Override, Selection, Upstream};
use crate::tool::option;

#[path = "../../gateway/src/upstreams/fingerprint.rs"]
#[allow(dead_code)]
mod fingerprint;

/// The lock beside a manifest: `upstreams.lock.toml` beside `tools.toml`, else
/// `<stem>.upstreams.lock.toml` beside `<stem>.toml`.
pub fn lock_path(manifest: &Path) -> PathBuf {
    let stem = manifest
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("tools");
    let file = if stem == "tools" {
        "upstreams.lock.toml".to_owned()
    } else {
        format!("{stem}.upstreams.lock.toml")
    };
    manifest.with_file_name(file)
}

/// One imported tool.
pub struct Imported<'m> {
    /// Its upstream.
    pub upstream: &'m Upstream,
    /// Its name upstream.
    pub remote: String,
    /// Its name here: the prefix and the remote name.
    pub local: String,
    /// Its descriptor, from the lock.
    pub descriptor: Value,
}

/// Each upstream with its lock entry and what it imports; every problem as
/// `file:line: problem — fix`.
pub fn resolve<'m>(
    manifest: &'m Manifest,
    lock: &'m [Locked],
    lock_shown: &str,
    shown: &str,
) -> (
    Vec<(&'m Upstream, &'m Locked)>,
    Vec<Imported<'m>>,
    Vec<String>,
) {
    let (mut joined, mut imported, mut problems) = (Vec::new(), Vec::new(), Vec::new());
    for upstream in &manifest.upstreams {
        let (name, line) = (&upstream.name, upstream.line);
        let Some(locked) = lock.iter().find(|l| l.name == *name) else {
            problems.push(format!("{shown}:{line}: upstream `{name}` is not in {lock_shown} — run `make upstreams` to fetch its tool list"));
            continue;
        };
        if locked.url != upstream.url {
            problems.push(format!("{shown}:{line}: upstream `{name}` has the url {}, but {lock_shown} was fetched from {} — run `make upstreams` again", upstream.url, locked.url));
            continue;
        }
        joined.push((upstream, locked));
        let remote_name = |d: &Value| d["name"].as_str().unwrap_or_default().to_owned();
        let wanted: Vec<(String, Option<usize>)> = match &upstream.tools {
            Selection::All => locked
                .tools
                .iter()
                .map(|d| (remote_name(d), None))
                .collect(),
            Selection::Named(names) => names.iter().map(|(n, l)| (n.clone(), Some(*l))).collect(),
        };
        for (remote, at) in wanted {
            let Some(descriptor) = locked.tools.iter().find(|d| remote_name(d) == remote) else {
                let has: Vec<String> = locked.tools.iter().map(remote_name).collect();
                let has = if has.is_empty() {
                    "none".to_owned()
                } else {
                    has.join(", ")
                };
                problems.push(format!(
                    "{shown}:{}: upstream `{name}` has no tool `{remote}` (its tools, as {lock_shown} has them: {has}) — fix the name, or run `make upstreams` if the server has added it",
                    at.unwrap_or(line)
                ));
                continue;
            };
            let local = format!("{}{remote}", upstream.prefix);
            let valid = (1..=128).contains(&local.len())
                && local
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
            if !valid {
                problems.push(format!("{shown}:{line}: upstream `{name}` imports `{remote}` as `{local}`, which is not a valid tool name — leave it out of `tools`, or change the `prefix`"));
                continue;
            }
            imported.push(Imported {
                upstream,
                remote,
                local,
                descriptor: descriptor.clone(),
            });
        }
    }
    (joined, imported, problems)
}

/// Names two tools would share: an imported tool and a `#[tool]` fn (`fns`), a declared tool
/// or another imported tool; and `[tools.*]` overrides that match no imported tool.
pub fn check_names(
    manifest: &Manifest,
    imported: &[Imported<'_>],
    fns: &[String],
    shown: &str,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (i, tool) in imported.iter().enumerate() {
        let (local, upstream) = (&tool.local, &tool.upstream.name);
        let line = tool.upstream.line;
        let fix = "give the upstream another `prefix`, or leave the tool out of its `tools`";
        if fns.iter().any(|f| f == local) {
            problems.push(format!("{shown}:{line}: upstream `{upstream}` imports `{local}`, and a #[tool] fn of that name is in toolbox!'s tools list — {fix}"));
        }
        let declared = manifest
            .tools
            .iter()
            .any(|t| t.name == *local && matches!(t.kind, Some("http" | "preset")));
        if declared {
            problems.push(format!("{shown}:{line}: upstream `{upstream}` imports `{local}`, and a tool of that name is declared under [tools.{local}] — {fix}"));
        }
        if let Some(first) = imported[..i].iter().find(|t| t.local == *local) {
            let other = &first.upstream.name;
            problems.push(format!("{shown}:{line}: upstream `{upstream}` imports `{local}`, which upstream `{other}` imports too — {fix}"));
        }
    }
    for tool in &manifest.tools {
        if tool.kind == Some("upstream") && !imported.iter().any(|t| t.local == tool.name) {
            problems.push(format!("{shown}:{}: [tools.{}] overrides a tool no upstream imports (the lock lists no such tool) — fix the name, or run `make upstreams`", tool.line, tool.name));
        }
    }
    problems
}

/// The override `[tools.<local>]` gives, if any.
fn override_of<'m>(manifest: &'m Manifest, local: &str) -> Option<&'m Override> {
    manifest
        .tools
        .iter()
        .find(|t| t.name == local)
        .and_then(|t| t.upstream_override.as_ref())
}

/// The `ToolEntry` of each imported tool.
pub fn entries(manifest: &Manifest, imported: &[Imported<'_>]) -> Vec<TokenStream> {
    let toolbox = quote!(::dovecote_gateway::toolbox);
    let value = quote!(::dovecote_gateway::__private::serde_json::Value);
    imported
        .iter()
        .map(|tool| {
            let d = &tool.descriptor;
            let o = override_of(manifest, &tool.local)
                .cloned()
                .unwrap_or_default();
            let (local, remote, upstream) = (&tool.local, &tool.remote, &tool.upstream.name);
            let description = d["description"].as_str().unwrap_or_default();
            let title = d["title"]
                .as_str()
                .or_else(|| d["annotations"]["title"].as_str());
            let title = option(title);
            let hint = |k: &str| d["annotations"][k].as_bool();
            let annotations = crate::declared::annotations(&Hints {
                read_only: hint("readOnlyHint"),
                destructive: hint("destructiveHint"),
                idempotent: hint("idempotentHint"),
                open_world: hint("openWorldHint"),
            });
            let input = d["inputSchema"].to_string();
            let output = option(
                d.get("outputSchema")
                    .filter(|s| s.is_object())
                    .map(Value::to_string),
            );
            let enabled = o.enabled.unwrap_or(true);
            let scope = o.scope.as_deref().unwrap_or(&tool.upstream.scope);
            let rate = crate::toolbox::rate_tokens(o.rate.as_ref().unwrap_or(&tool.upstream.rate));
            let call_fn = crate::declared::call_fn(
                &quote!(::dovecote_gateway::upstreams::call(#upstream, #remote, ctx, args)),
            );
            let (title_override, description_override) =
                (option(o.title.as_ref()), option(o.description.as_ref()));
            quote! {
                #toolbox::ToolEntry {
                    def: {
                        #call_fn
                        fn __input() -> #value {
                            ::dovecote_gateway::upstreams::schema(#input)
                        }
                        fn __output() -> ::std::option::Option<#value> {
                            let schema: ::std::option::Option<&'static str> = #output;
                            schema.map(::dovecote_gateway::upstreams::schema)
                        }
                        #toolbox::ToolDef {
                            name: #local,
                            description: #description,
                            title: #title,
                            annotations: #annotations,
                            input_schema: __input,
                            output_schema: __output,
                            call: __call,
                        }
                    },
                    policy: #toolbox::ToolPolicy {
                        enabled: #enabled,
                        scope: #scope,
                        rate: #rate,
                        title: #title_override,
                        description: #description_override,
                    },
                }
            }
        })
        .collect()
}

/// Reads the lock beside `path` when `manifest` declares upstreams; its problems go to `cx`.
pub fn read_lock(
    manifest: &Manifest,
    path: &Path,
    shown: &str,
    lit: &LitStr,
    cx: &mut Ctxt,
) -> (Vec<Locked>, String) {
    let lock = lock_path(path);
    let lock_shown = Path::new(shown)
        .with_file_name(lock.file_name().unwrap_or_default())
        .to_string_lossy()
        .into_owned();
    if manifest.upstreams.is_empty() {
        return (Vec::new(), lock_shown);
    }
    let parsed = std::fs::read_to_string(&lock)
        .map_err(|e| {
            format!(
                "cannot read {}: {e} — run `make upstreams` to write it",
                lock.display()
            )
        })
        .and_then(|source| manifest::parse_lock(&source));
    match parsed {
        Ok(locked) => (locked, lock_shown),
        Err(problem) => {
            cx.error_spanned_by(lit, format_args!("{lock_shown}: {problem}"));
            (Vec::new(), lock_shown)
        }
    }
}

/// Expands `upstreams! { manifest = "…" }`: `pub const UPSTREAMS`, the connection list. Problems
/// are `toolbox!`'s to report; here an upstream with any is left out.
pub fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let override_path = std::env::var("DOVECOTE_TOOLS_MANIFEST")
        .ok()
        .filter(|p| !p.is_empty());
    let mut lit: Option<LitStr> = None;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("manifest") {
            lit = Some(meta.value()?.parse()?);
            Ok(())
        } else {
            Err(meta.error("upstreams! takes only `manifest = \"…\"`"))
        }
    });
    syn::parse::Parser::parse2(parser, input)?;
    let Some(lit) = lit else {
        return Err(syn::Error::new(
            proc_macro2::Span::call_site(),
            "upstreams! needs `manifest = \"…\"`: the path of tools.toml, relative to this file",
        ));
    };
    let path = match override_path {
        Some(p) => PathBuf::from(p),
        None => crate::toolbox::invoking_dir().join(lit.value()),
    };
    let path = std::path::absolute(&path).unwrap_or(path);
    let manifest = std::fs::read_to_string(&path)
        .ok()
        .and_then(|s| manifest::parse(&s).ok())
        .map(|(m, _)| m)
        .unwrap_or_default();
    let mut cx = Ctxt::new();
    let (lock, _) = read_lock(&manifest, &path, "", &lit, &mut cx);
    let _ = cx.check();
    let (joined, imported, _) = resolve(&manifest, &lock, "", "");
    let module = quote!(::dovecote_gateway::upstreams);
    let lock_file = lock_path(&path).to_string_lossy().into_owned();
    let rebuild = (!manifest.upstreams.is_empty() && lock_path(&path).exists()).then(|| {
        quote!(
            const _: &str = ::std::include_str!(#lock_file);
        )
    });
    let path = path.to_string_lossy().into_owned();
    let upstreams = joined.iter().map(|(u, locked)| {
        let (name, url, protocol) = (&u.name, &u.url, &locked.protocol);
        let secret = option(u.bearer_secret.as_ref());
        let (allow, timeout, max) = (
            u.allow_any_host,
            Literal::u64_unsuffixed(u.timeout_ms),
            Literal::u64_unsuffixed(u.max_bytes),
        );
        let tools = imported
            .iter()
            .filter(|t| t.upstream.name == u.name)
            .map(|t| {
                let (remote, local) = (&t.remote, &t.local);
                let fp = Literal::u64_unsuffixed(fingerprint::fingerprint(&t.descriptor));
                quote!(#module::Imported { remote: #remote, local: #local, fingerprint: #fp })
            });
        let all = matches!(u.tools, Selection::All);
        quote! {
            #module::Upstream {
                name: #name,
                url: #url,
                bearer_secret: #secret,
                protocol: #protocol,
                allow_any_host: #allow,
                timeout_ms: #timeout,
                max_bytes: #max,
                imports_all: #all,
                tools: &[#(#tools),*],
            }
        }
    });
    Ok(quote! {
        const _: &str = ::std::include_str!(#path);
        #rebuild
        const _: ::std::option::Option<&str> = ::std::option_env!("DOVECOTE_TOOLS_MANIFEST");
        /// Every upstream this gateway was built with, as `tools.toml` and its lock say.
        pub const UPSTREAMS: &[#module::Upstream] = &[#(#upstreams),*];
    })
}
