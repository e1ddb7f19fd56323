//! The declared-tools part of `toolbox!`'s output: each `[tools.*]` with `kind = "http"` or
//! `kind = "preset"` as a `ToolDef` whose call runs the gateway's `tools::declared`, so it is
//! dispatched like any `#[tool]`; and the checks that need more than `tools.toml` — a preset's
//! channels against `channels.toml`, a tool sending a secret under a members scope (a warning).

use proc_macro2::{Literal, Span, TokenStream};
use quote::quote;
use syn::Ident;

use crate::manifest::{Declared, Grant, Hints, Kind, Manifest, Method, Returns, Tool};
use crate::tool::option;

/// A `ToolDef` expression for the declared tool `tool` described by `description`.
pub fn def(tool: &Tool, declared: &Declared, description: &str) -> TokenStream {
    let toolbox = quote!(::dovecote_gateway::toolbox);
    let module = quote!(::dovecote_gateway::tools::declared);
    let value = quote!(::dovecote_gateway::__private::serde_json::Value);
    let name = &tool.name;
    let arguments = declared.arguments.iter().map(|a| {
        let (arg, required, schema) = (&a.name, a.required, &a.schema);
        quote!(#module::ArgDecl { name: #arg, required: #required, schema: #schema })
    });
    let arguments = quote!(&[#(#arguments),*]);
    let (decl, call, output) = match &declared.kind {
        Kind::Http(h) => {
            let method = Ident::new(h.method.variant(), Span::call_site());
            let base_url_var = option(h.base_url_var.as_ref());
            let pairs = |pairs: &[(String, String)]| {
                let items = pairs.iter().map(|(k, v)| quote!((#k, #v)));
                quote!(&[#(#items),*])
            };
            let (url, query, headers) = (&h.url, pairs(&h.query), pairs(&h.headers));
            let body = option(h.body.as_ref());
            let returns = match &h.returns {
                Returns::Whole => quote!(#module::http::Returns::Whole),
                Returns::Pointer(p) => quote!(#module::http::Returns::Pointer(#p)),
                Returns::Fields(f) => {
                    let f = pairs(f);
                    quote!(#module::http::Returns::Fields(#f))
                }
            };
            let output_schema = option(h.output_schema.as_ref());
            let timeout_ms = Literal::u64_unsuffixed(h.timeout_ms);
            let max_bytes = Literal::u64_unsuffixed(h.max_bytes);
            let allow_any_host = h.allow_any_host;
            let retry = h.method == Method::Get && declared.hints.idempotent == Some(true);
            (
                quote! {
                    static DECL: #module::http::HttpTool = #module::http::HttpTool {
                        name: #name,
                        method: ::dovecote_gateway::platform::HttpMethod::#method,
                        url: #url,
                        base_url_var: #base_url_var,
                        query: #query,
                        headers: #headers,
                        body: #body,
                        arguments: #arguments,
                        returns: #returns,
                        output_schema: #output_schema,
                        timeout_ms: #timeout_ms,
                        max_bytes: #max_bytes,
                        allow_any_host: #allow_any_host,
                        retry: #retry,
                    };
                },
                quote!(#module::http::call(&DECL, ctx, args)),
                quote!(DECL.output_schema()),
            )
        }
        Kind::Preset(p) => {
            let channels = p.channels.iter().map(|(c, _)| c);
            let severity = option(p.severity.as_ref().map(|s| {
                let variant = Ident::new(&capitalized(s), Span::call_site());
                quote!(::dovecote_gateway::channels::message::Severity::#variant)
            }));
            let (headline, text, link, silent) = (
                option(p.headline.as_ref()),
                &p.text,
                option(p.link.as_ref()),
                p.silent,
            );
            (
                quote! {
                    static DECL: #module::preset::Preset = #module::preset::Preset {
                        name: #name,
                        channels: &[#(#channels),*],
                        severity: #severity,
                        headline: #headline,
                        text: #text,
                        link: #link,
                        silent: #silent,
                        arguments: #arguments,
                    };
                },
                quote!(#module::preset::call(&DECL, ctx, args)),
                quote!(#module::preset::output_schema()),
            )
        }
    };
    let mut hints = declared.hints;
    if let Kind::Preset(_) = declared.kind {
        // send_notification's hints, where the preset does not say.
        hints.destructive = hints.destructive.or(Some(false));
        hints.idempotent = hints.idempotent.or(Some(false));
        hints.open_world = hints.open_world.or(Some(true));
    }
    let annotations = annotations(&hints);
    let call_fn = call_fn(&call);
    quote! {{
        #decl
        #call_fn
        fn __input() -> #value {
            #module::arguments_schema(DECL.arguments)
        }
        fn __output() -> ::std::option::Option<#value> {
            #output
        }
        #toolbox::ToolDef {
            name: #name,
            description: #description,
            title: ::std::option::Option::None,
            annotations: #annotations,
            input_schema: __input,
            output_schema: __output,
            call: __call,
        }
    }}
}

/// `fn __call`, a `CallFn` that runs the future `call` (over `ctx` and `args`).
pub fn call_fn(call: &TokenStream) -> TokenStream {
    let toolbox = quote!(::dovecote_gateway::toolbox);
    let value = quote!(::dovecote_gateway::__private::serde_json::Value);
    quote! {
        fn __call<'r>(
            ctx: &'r #toolbox::ToolContext<'_>,
            args: #value,
        ) -> ::std::pin::Pin<::std::boxed::Box<
            dyn ::std::future::Future<Output = #toolbox::CallToolResult> + 'r,
        >> {
            ::std::boxed::Box::pin(#call)
        }
    }
}

/// `Annotations { … }` of `h`.
pub fn annotations(h: &Hints) -> TokenStream {
    let (r, d, i, o) = (
        option(h.read_only),
        option(h.destructive),
        option(h.idempotent),
        option(h.open_world),
    );
    quote!(::dovecote_gateway::toolbox::Annotations { read_only: #r, destructive: #d, idempotent: #i, open_world: #o })
}

pub(crate) fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

/// Each preset channel `channels.toml` does not declare, as `file:line: problem — fix`;
/// `declared` are the channel ids it does (`None`: toolbox! was given no channels manifest).
pub fn check_channels(
    manifest: &Manifest,
    declared: Option<&[String]>,
    shown: &str,
) -> Vec<String> {
    let mut problems = Vec::new();
    for tool in &manifest.tools {
        let Some(Kind::Preset(p)) = tool
            .policy
            .as_ref()
            .and_then(|p| p.declared.as_ref())
            .map(|d| &d.kind)
        else {
            continue;
        };
        let sender = Sender {
            owner: format!("preset `{}`", tool.name),
            line: tool.line,
            whose: "a preset's",
        };
        problems.extend(undeclared_channels(&p.channels, declared, &sender, shown));
    }
    problems
}

/// What sends to channels, for the messages about them: ``preset `x` `` on its line, and
/// whose channels only declared ones can be (`a preset's`).
pub struct Sender {
    /// ``preset `x` ``.
    pub owner: String,
    /// The line of its table.
    pub line: usize,
    /// `a preset's`.
    pub whose: &'static str,
}

/// Each of `channels` (with its line) that `declared` lacks, as `file:line: problem — fix`
/// (`declared` is `None` when toolbox! was given no channels manifest: one problem then).
pub fn undeclared_channels(
    channels: &[(String, usize)],
    declared: Option<&[String]>,
    sender: &Sender,
    shown: &str,
) -> Vec<String> {
    let Sender { owner, line, whose } = sender;
    let Some(known) = declared else {
        return vec![format!("{shown}:{line}: {owner} sends to channels, but toolbox! was not given channels.toml — add `channels = \"…/channels.toml\"` to toolbox!")];
    };
    let fix = if known.is_empty() {
        format!("declare it in channels.toml (no channel is declared there yet; channels given only by the *_INSTANCES secrets cannot be {whose})")
    } else {
        format!(
            "declare it in channels.toml or use one of: {}",
            known.join(", ")
        )
    };
    channels
        .iter()
        .filter(|(channel, _)| !known.contains(channel))
        .map(|(channel, line)| format!("{shown}:{line}: {owner} sends to the channel `{channel}`, which channels.toml does not declare — {fix}"))
        .collect()
}

/// Each preset under a scope members may hold, as `file:line: problem — fix`: the operator's
/// channels are an operator power, as `send_notification` has it.
pub fn check_preset_scopes(manifest: &Manifest, shown: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for tool in &manifest.tools {
        let Some(policy) = &tool.policy else { continue };
        let Some(Kind::Preset(_)) = policy.declared.as_ref().map(|d| &d.kind) else {
            continue;
        };
        let members = manifest
            .scopes
            .iter()
            .any(|s| s.name == policy.scope && s.grant == Grant::Members);
        if members {
            problems.push(format!(
                "{shown}:{}: preset `{}` has the scope `{}`, which members may hold, but it sends to the operator's channels, which only operators use — give it a scope with grant = \"operators\", such as dovecote:notify",
                tool.line, tool.name, policy.scope
            ));
        }
    }
    problems
}

/// For each http tool sending a Worker secret under a scope members may hold: a warning (the
/// tool acts with the operator's credentials for anyone holding the scope).
pub fn secret_warnings(manifest: &Manifest, shown: &str) -> Vec<TokenStream> {
    let mut out = Vec::new();
    for tool in &manifest.tools {
        let Some(policy) = &tool.policy else { continue };
        let Some(Kind::Http(h)) = policy.declared.as_ref().map(|d| &d.kind) else {
            continue;
        };
        let members = manifest
            .scopes
            .iter()
            .any(|s| s.name == policy.scope && s.grant == Grant::Members);
        if h.sends_secret && members {
            let note = format!(
                "{shown}:{}: tool `{}` sends a Worker secret, so anyone holding its scope `{}` acts with the operator's credentials, and that scope has grant = \"members\" — give it a scope with grant = \"operators\" unless every member may use those credentials",
                tool.line, tool.name, policy.scope
            );
            let ident = Ident::new(
                &format!("__{}_sends_a_secret_to_members", tool.name),
                Span::call_site(),
            );
            // A stable proc macro cannot warn; a deprecated item used right away does.
            out.push(quote! {
                const _: () = {
                    #[deprecated(note = #note)]
                    #[allow(non_upper_case_globals)]
                    const #ident: () = ();
                    #ident
                };
            });
        }
    }
    out
}
