//! `channels!`: reads `channels.toml`, validates every instance, and emits
//! `pub const CHANNELS: &[Instance]`.

use std::path::PathBuf;

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Token};

use crate::ctxt::Ctxt;

mod manifest;
// What `rules.rs` reaches as `super::address`: the private-address guard, also shared.
#[path = "../../gateway/src/address.rs"]
#[allow(dead_code)]
mod address;
#[path = "../../gateway/src/channels/rules.rs"]
#[allow(dead_code)] // The gateway uses the rest at run time.
pub(crate) mod rules;

use manifest::{Declared, Target};
use rules::Service;

/// Replaces the manifest path when set at build time.
const OVERRIDE_VAR: &str = "DOVECOTE_CHANNELS_MANIFEST";

/// Expands `channels! { manifest = "…" }`.
pub fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let override_path = std::env::var(OVERRIDE_VAR).ok().filter(|p| !p.is_empty());
    expand_at(input, override_path, crate::toolbox::invoking_dir())
}

/// `expand` with the environment made explicit: `base` is where a relative path starts.
pub fn expand_at(
    input: TokenStream,
    override_path: Option<String>,
    base: PathBuf,
) -> syn::Result<TokenStream> {
    let Input { manifest: lit } = syn::parse2(input)?;
    let mut cx = Ctxt::new();
    let (path, shown, fix) = match override_path {
        Some(path) => (
            PathBuf::from(&path),
            path,
            format!("fix or unset {OVERRIDE_VAR}"),
        ),
        None => (
            base.join(lit.value()),
            lit.value(),
            "the path is relative to the file that invokes channels!".to_owned(),
        ),
    };
    let path = std::path::absolute(&path).unwrap_or(path);
    let source = match std::fs::read_to_string(&path) {
        Ok(source) => source,
        Err(e) => {
            cx.error_spanned_by(
                &lit,
                format_args!("{shown}: cannot read {}: {e} — {fix}", path.display()),
            );
            return cx.check().map(|()| TokenStream::new());
        }
    };
    match manifest::parse(&source) {
        Ok((instances, errors)) => {
            for e in errors {
                cx.error_spanned_by(&lit, format_args!("{shown}:{}: {}", e.line, e.message));
            }
            cx.check()?;
            Ok(emit(&instances, &path))
        }
        Err(e) => {
            cx.error_spanned_by(&lit, format_args!("{shown}:{}: {}", e.line, e.message));
            cx.check().map(|()| TokenStream::new())
        }
    }
}

/// The channel ids (`<service>-<id>`) of the `channels.toml` at `lit` (relative to `base`,
/// or `DOVECOTE_CHANNELS_MANIFEST`), for `toolbox!`'s check of presets; `None` when it cannot
/// be read or parsed (the mistake is in `cx`; `channels!` reports the manifest's own).
pub(crate) fn channel_ids(
    lit: &LitStr,
    base: &std::path::Path,
    cx: &mut Ctxt,
) -> Option<Vec<String>> {
    let path = match std::env::var(OVERRIDE_VAR).ok().filter(|p| !p.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => base.join(lit.value()),
    };
    let source = match std::fs::read_to_string(&path) {
        Ok(s) => s,
        Err(e) => {
            cx.error_spanned_by(
                lit,
                format_args!("{}: cannot read {}: {e} — the path is relative to the file that invokes toolbox!", lit.value(), path.display()),
            );
            return None;
        }
    };
    let (instances, _) = manifest::parse(&source).ok()?;
    Some(
        instances
            .iter()
            .map(|(service, d)| format!("{}-{}", service.as_str(), d.id))
            .collect(),
    )
}

/// `manifest = "…"`.
struct Input {
    manifest: LitStr,
}

impl Parse for Input {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let key: Ident = input.parse()?;
        if key != "manifest" {
            return Err(syn::Error::new(
                key.span(),
                "channels! takes `manifest = \"…\"`: the path of channels.toml, relative to this file",
            ));
        }
        input.parse::<Token![=]>()?;
        let manifest = input.parse()?;
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
        if !input.is_empty() {
            return Err(input.error("channels! takes only `manifest = \"…\"`"));
        }
        Ok(Self { manifest })
    }
}

/// `Some(Cow::Borrowed(…))` or `None`.
fn text(value: Option<&String>) -> TokenStream {
    match value {
        Some(v) => quote!(::std::option::Option::Some(::std::borrow::Cow::Borrowed(#v))),
        None => quote!(::std::option::Option::None),
    }
}

fn emit(instances: &[(Service, Declared)], path: &std::path::Path) -> TokenStream {
    let channels = quote!(::dovecote_gateway::channels);
    let items = instances.iter().map(|(_, d)| {
        let (id, name, secret) = (&d.id, &d.name, &d.secret);
        let description = text(d.description.as_ref());
        let api_base = text(d.api_base.as_ref());
        let allow_any_host = d.allow_any_host;
        let confirm = d.confirm;
        let target = match &d.target {
            Target::Telegram { chat_id, topic_id } => {
                let topic = match topic_id {
                    Some(t) => quote!(::std::option::Option::Some(#t)),
                    None => quote!(::std::option::Option::None),
                };
                quote!(#channels::Target::Telegram { chat_id: ::std::borrow::Cow::Borrowed(#chat_id), topic_id: #topic })
            }
            Target::Discord { thread_id, username, avatar_url } => {
                let (t, u, a) = (text(thread_id.as_ref()), text(username.as_ref()), text(avatar_url.as_ref()));
                quote!(#channels::Target::Discord { thread_id: #t, username: #u, avatar_url: #a })
            }
            Target::Slack { channel } => {
                let c = text(channel.as_ref());
                quote!(#channels::Target::Slack { channel: #c })
            }
            Target::Webhook { signing_secret, signature_header } => {
                let signing = match signing_secret {
                    Some(s) => quote!(::std::option::Option::Some(#channels::Credential::Secret(::std::borrow::Cow::Borrowed(#s)))),
                    None => quote!(::std::option::Option::None),
                };
                let header = signature_header.clone().unwrap_or_else(|| "x-dovecote-signature".into());
                quote!(#channels::Target::Webhook { signing_secret: #signing, signature_header: ::std::borrow::Cow::Borrowed(#header) })
            }
        };
        quote! {
            #channels::Instance {
                id: ::std::borrow::Cow::Borrowed(#id),
                name: ::std::borrow::Cow::Borrowed(#name),
                description: #description,
                credential: #channels::Credential::Secret(::std::borrow::Cow::Borrowed(#secret)),
                api_base: #api_base,
                allow_any_host: #allow_any_host,
                confirm: #confirm,
                target: #target,
            }
        }
    });
    let path = path.to_string_lossy();
    quote! {
        // Rebuild when the manifest or its override changes.
        const _: &str = ::std::include_str!(#path);
        const _: ::std::option::Option<&str> = ::std::option_env!(#OVERRIDE_VAR);

        /// Every channel instance declared in `channels.toml`, in file order.
        pub const CHANNELS: &[#channels::Instance] = &[#(#items),*];
    }
}

#[cfg(test)]
mod tests;
