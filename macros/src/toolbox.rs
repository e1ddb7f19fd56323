//! `toolbox!`: reads `tools.toml`, checks it against the listed `#[tool]` fns and resource
//! families, and emits `pub const TOOLBOX`, each tool's `ToolDef` and each family's
//! `ResourceDef` joined with its manifest entry.

use std::path::{Path, PathBuf};

use proc_macro2::{Literal, Span, TokenStream};
use quote::quote;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, LitStr, Token};

use crate::ctxt::Ctxt;
use crate::manifest::{self, Grant, Manifest, Period, Policy};
use crate::tool::option;

/// Replaces the manifest path when set at build time (the e2e tests build with another one).
const OVERRIDE_VAR: &str = "DOVECOTE_TOOLS_MANIFEST";

/// Expands `toolbox! { manifest = "…", tools = [...] }`.
pub fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let override_path = std::env::var(OVERRIDE_VAR).ok().filter(|p| !p.is_empty());
    expand_at(input, override_path, invoking_dir())
}

/// `expand` with the environment made explicit: `base` is where a relative path starts.
pub fn expand_at(
    input: TokenStream,
    override_path: Option<String>,
    base: PathBuf,
) -> syn::Result<TokenStream> {
    let input: Input = syn::parse2(input)?;
    let mut cx = Ctxt::new();
    for problem in input.problems {
        cx.syn_error(problem);
    }
    let (Some(lit), Some(tools)) = (&input.manifest, &input.tools) else {
        if input.manifest.is_none() {
            cx.error_at(
                Span::call_site(),
                "toolbox! needs `manifest = \"…\"`: the path of tools.toml, relative to this file",
            );
        }
        if input.tools.is_none() {
            cx.error_at(
                Span::call_site(),
                "toolbox! needs `tools = [...]`: the paths of the #[tool] fns it serves",
            );
        }
        return cx.check().map(|()| TokenStream::new());
    };

    let (path, shown, fix) = match override_path {
        Some(path) => (
            PathBuf::from(&path),
            path,
            format!("fix or unset {OVERRIDE_VAR}"),
        ),
        None => {
            let fix = "the path is relative to the file that invokes toolbox!".to_owned();
            (base.join(lit.value()), lit.value(), fix)
        }
    };
    let path = std::path::absolute(&path).unwrap_or(path);
    let source = match std::fs::read_to_string(&path) {
        Ok(source) => source,
        Err(e) => {
            cx.error_spanned_by(
                lit,
                format_args!("{shown}: cannot read {}: {e} — {fix}", path.display()),
            );
            return cx.check().map(|()| TokenStream::new());
        }
    };
    let (manifest, errors) = match manifest::parse(&source) {
        Ok(parsed) => parsed,
        Err(e) => {
            cx.error_spanned_by(lit, format_args!("{shown}:{}: {}", e.line, e.message));
            return cx.check().map(|()| TokenStream::new());
        }
    };
    for e in errors {
        cx.error_spanned_by(lit, format_args!("{shown}:{}: {}", e.line, e.message));
    }
    let channel_ids = input
        .channels
        .as_ref()
        .and_then(|c| crate::channels::channel_ids(c, &base, &mut cx));
    let presets = crate::declared::check_channels(&manifest, channel_ids.as_deref(), &shown);
    let routes = crate::event_routes::check_channels(&manifest, channel_ids.as_deref(), &shown);
    for problem in presets
        .into_iter()
        .chain(routes)
        .chain(crate::declared::check_preset_scopes(&manifest, &shown))
    {
        cx.error_spanned_by(lit, problem);
    }
    let defs = agree(&manifest, tools, lit, &shown, &mut cx);
    let families = agree_resources(&manifest, input.resources.as_ref(), lit, &shown, &mut cx);
    let (lock, lock_shown) = crate::upstreams::read_lock(&manifest, &path, &shown, lit, &mut cx);
    let (_, imported, problems) = crate::upstreams::resolve(&manifest, &lock, &lock_shown, &shown);
    let fns: Vec<String> = defs.iter().map(|(n, _)| n.clone()).collect();
    for problem in problems.into_iter().chain(crate::upstreams::check_names(
        &manifest, &imported, &fns, &shown,
    )) {
        cx.error_spanned_by(lit, problem);
    }
    cx.check()?;
    let upstream_tools = crate::upstreams::entries(&manifest, &imported);
    let lock_file = (!manifest.upstreams.is_empty()).then(|| {
        crate::upstreams::lock_path(&path)
            .to_string_lossy()
            .into_owned()
    });
    Ok(emit(
        &manifest,
        &defs,
        &families,
        &path,
        &shown,
        &upstream_tools,
        lock_file,
    ))
}

/// The directory of the file that invokes the macro, else the crate root.
pub(crate) fn invoking_dir() -> PathBuf {
    let file = proc_macro::is_available()
        .then(|| proc_macro::Span::call_site().local_file())
        .flatten();
    match file.as_deref().and_then(Path::parent) {
        Some(dir) => dir.to_path_buf(),
        None => std::env::var_os("CARGO_MANIFEST_DIR")
            .map(PathBuf::from)
            .unwrap_or_default(),
    }
}

/// What the invocation says; unknown or repeated keys are `problems`, reported with the rest.
struct Input {
    manifest: Option<LitStr>,
    channels: Option<LitStr>,
    tools: Option<Punctuated<syn::Path, Token![,]>>,
    resources: Option<Punctuated<syn::Path, Token![,]>>,
    problems: Vec<syn::Error>,
}

impl Parse for Input {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut this = Self {
            manifest: None,
            channels: None,
            tools: None,
            resources: None,
            problems: Vec::new(),
        };
        while !input.is_empty() {
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            let repeated = match key.to_string().as_str() {
                "manifest" => this.manifest.replace(input.parse()?).is_some(),
                "channels" => this.channels.replace(input.parse()?).is_some(),
                "tools" => this.tools.replace(paths(input)?).is_some(),
                "resources" => this.resources.replace(paths(input)?).is_some(),
                _ => {
                    input.parse::<syn::Expr>()?;
                    let message = format!("unknown key `{key}` — toolbox! takes `manifest = \"…\"`, `tools = [...]`, `resources = [...]` and `channels = \"…\"`");
                    this.problems.push(syn::Error::new(key.span(), message));
                    false
                }
            };
            if repeated {
                this.problems.push(syn::Error::new(
                    key.span(),
                    format!("`{key}` is given twice — keep one"),
                ));
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(this)
    }
}

/// `[a::b, c]`: a bracketed list of paths.
fn paths(input: ParseStream) -> syn::Result<Punctuated<syn::Path, Token![,]>> {
    let content;
    syn::bracketed!(content in input);
    Punctuated::parse_terminated_with(&content, syn::Path::parse_mod_style)
}

/// The manifest key of a listed resource family: its const's name, lower-cased
/// (`events::GITHUB_EVENT` is `[resources.github_event]`).
fn family_key(path: &syn::Path) -> Option<String> {
    path.segments
        .last()
        .map(|s| s.ident.unraw().to_string().to_ascii_lowercase())
}

/// Checks that the listed resource families and the manifest's `[resources.*]` agree, as
/// tools do. Returns each listed family's path by manifest key.
fn agree_resources(
    manifest: &Manifest,
    listed: Option<&Punctuated<syn::Path, Token![,]>>,
    lit: &LitStr,
    shown: &str,
    cx: &mut Ctxt,
) -> Vec<(String, syn::Path)> {
    let mut families: Vec<(String, syn::Path)> = Vec::new();
    for path in listed.into_iter().flatten() {
        let Some(name) = family_key(path) else {
            continue;
        };
        if families.iter().any(|(n, _)| *n == name) {
            cx.error_spanned_by(
                path,
                format_args!("resource family `{name}` is already in the list — remove it"),
            );
            continue;
        }
        if !manifest.resources.iter().any(|r| r.name == name) {
            let fix = format!("add [resources.{name}] with a scope and a rate to {shown}");
            cx.error_spanned_by(
                path,
                format_args!("resource family `{name}` has no entry in the manifest — {fix}"),
            );
        }
        families.push((name, path.clone()));
    }
    for family in &manifest.resources {
        if !families.iter().any(|(n, _)| *n == family.name) {
            let name = &family.name;
            let problem = format!(
                "resource family `{name}` is declared in the manifest but no ResourceDef const named `{}` is in toolbox!'s resources list",
                name.to_ascii_uppercase()
            );
            let fix = format!("add the const to the list or remove [resources.{name}]");
            cx.error_spanned_by(
                lit,
                format_args!("{shown}:{}: {problem} — {fix}", family.line),
            );
        }
    }
    families
}

/// Checks that the list and the manifest name the same tools (the manifest key is the fn
/// name). Returns the path of each listed tool's `ToolDef` const, by manifest key.
fn agree(
    manifest: &Manifest,
    tools: &Punctuated<syn::Path, Token![,]>,
    lit: &LitStr,
    shown: &str,
    cx: &mut Ctxt,
) -> Vec<(String, syn::Path)> {
    let mut defs: Vec<(String, syn::Path)> = Vec::new();
    for path in tools {
        let Some(last) = path.segments.last() else {
            continue;
        };
        let name = last.ident.unraw().to_string();
        if defs.iter().any(|(n, _)| *n == name) {
            let fix = "remove it (manifest keys are fn names, so listed fns need distinct names)";
            cx.error_spanned_by(
                path,
                format_args!("tool `{name}` is already in the list — {fix}"),
            );
            continue;
        }
        // An imported tool's name is checked with the upstreams (check_names).
        let declared_here = manifest
            .tools
            .iter()
            .find(|t| t.name == name && matches!(t.declared_kind(), Some("http" | "preset")));
        if let Some(tool) = declared_here {
            let kind = tool.declared_kind().unwrap_or_default();
            let problem = format!("{shown}:{}: tool `{name}` is declared there with `kind = \"{kind}\"`, and a #[tool] fn of the same name is in toolbox!'s tools list", tool.line);
            cx.error_spanned_by(
                path,
                format_args!("{problem} — rename the declared tool (tool names are unique)"),
            );
        } else if !manifest
            .tools
            .iter()
            .any(|t| t.name == name && t.kind != Some("upstream"))
        {
            let fix = format!("add [tools.{name}] with a scope and a rate to {shown}");
            cx.error_spanned_by(
                path,
                format_args!("tool `{name}` has no entry in the manifest — {fix}"),
            );
        }
        let mut def = path.clone();
        if let Some(last) = def.segments.last_mut() {
            last.ident = crate::tool::def_ident(&last.ident);
        }
        defs.push((name, def));
    }
    for tool in &manifest.tools {
        if tool.declared_kind().is_none() && !defs.iter().any(|(n, _)| *n == tool.name) {
            let name = &tool.name;
            let problem = format!(
                "tool `{name}` is declared in the manifest but no #[tool] fn named `{name}` is in toolbox!'s tools list"
            );
            let fix = format!("add the fn to the list or remove [tools.{name}]");
            cx.error_spanned_by(
                lit,
                format_args!("{shown}:{}: {problem} — {fix}", tool.line),
            );
        }
    }
    defs
}

/// The `TOOLBOX` const; called only when the manifest and the list agree.
fn emit(
    manifest: &Manifest,
    defs: &[(String, syn::Path)],
    families: &[(String, syn::Path)],
    path: &Path,
    shown: &str,
    upstream_tools: &[TokenStream],
    lock_file: Option<String>,
) -> TokenStream {
    let toolbox = quote!(::dovecote_gateway::toolbox);
    let scopes = manifest.scopes.iter().map(|s| {
        let (name, description) = (&s.name, &s.description);
        let grant = Ident::new(
            match s.grant {
                Grant::Members => "Members",
                Grant::Operators => "Operators",
            },
            Span::call_site(),
        );
        quote!(#toolbox::ScopeDecl {
            name: #name,
            description: #description,
            grant: #toolbox::ScopeGrant::#grant,
        })
    });
    let tools = manifest.tools.iter().filter_map(|tool| {
        let Policy {
            enabled,
            scope,
            rate,
            title,
            description,
            declared,
        } = tool.policy.as_ref()?;
        let def = match declared {
            Some(d) => crate::declared::def(tool, d, description.as_deref().unwrap_or_default()),
            None => {
                let (_, def) = defs.iter().find(|(n, _)| *n == tool.name)?;
                quote!(#def)
            }
        };
        let rate = rate_tokens(rate);
        let (title, description) = (option(title.as_ref()), option(description.as_ref()));
        Some(quote! {
            #toolbox::ToolEntry {
                def: #def,
                policy: #toolbox::ToolPolicy {
                    enabled: #enabled,
                    scope: #scope,
                    rate: #rate,
                    title: #title,
                    description: #description,
                },
            }
        })
    });
    let resources = manifest.resources.iter().filter_map(|family| {
        let (_, def) = families.iter().find(|(n, _)| *n == family.name)?;
        let manifest::ResourcePolicy {
            enabled,
            scope,
            rate,
        } = family.policy.as_ref()?;
        let rate = rate_tokens(rate);
        Some(quote! {
            #toolbox::ResourceEntry {
                def: #def,
                policy: #toolbox::ResourcePolicy { enabled: #enabled, scope: #scope, rate: #rate },
            }
        })
    });
    let (prompts, checks) = crate::prompts::emit(manifest, families, shown);
    let warnings = crate::declared::secret_warnings(manifest, shown);
    let routes = crate::event_routes::emit(manifest);
    let path = path.to_string_lossy();
    let lock = lock_file.map(|lock| {
        quote!(
            const _: &str = ::std::include_str!(#lock);
        )
    });
    quote! {
        #(#checks)*
        #(#warnings)*

        // Rebuild when the manifest, its lock or its override changes.
        const _: &str = ::std::include_str!(#path);
        #lock
        const _: ::std::option::Option<&str> = ::std::option_env!(#OVERRIDE_VAR);

        /// Every tool this gateway was built with, joined with its `tools.toml` entry.
        pub const TOOLBOX: #toolbox::Toolbox = #toolbox::Toolbox {
            scopes: &[#(#scopes),*],
            tools: &[#(#tools,)* #(#upstream_tools),*],
            resources: &[#(#resources),*],
            prompts: &[#(#prompts),*],
        };

        #routes
    }
}

/// `Rate { count, period }` as tokens.
pub(crate) fn rate_tokens(rate: &manifest::Rate) -> TokenStream {
    let count = Literal::u32_unsuffixed(rate.count);
    let period = Ident::new(
        match rate.period {
            Period::Second => "Second",
            Period::Minute => "Minute",
            Period::Hour => "Hour",
            Period::Day => "Day",
        },
        Span::call_site(),
    );
    quote!(::dovecote_gateway::toolbox::Rate {
        count: #count,
        period: ::dovecote_gateway::toolbox::RatePeriod::#period
    })
}

#[cfg(test)]
mod tests;
