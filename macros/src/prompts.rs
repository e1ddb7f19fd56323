//! The prompts part of `toolbox!`'s output: each valid `[prompts.*]` entry as a
//! `PromptDef`, and for each message embedding a resource a compile-time check that a listed
//! resource family serves its URI (a const assertion whose panic names the manifest line).

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::Ident;

use crate::manifest::{Body, Manifest, Role};
use crate::tool::option;

/// The `prompts: &[…]` elements, and the const checks of embedded resources.
pub fn emit(
    manifest: &Manifest,
    families: &[(String, syn::Path)],
    shown: &str,
) -> (Vec<TokenStream>, Vec<TokenStream>) {
    let toolbox = quote!(::dovecote_gateway::toolbox);
    let templates: Vec<TokenStream> = families
        .iter()
        .map(|(_, path)| quote!(#path.uri_template))
        .collect();
    let mut defs = Vec::new();
    let mut checks = Vec::new();
    for prompt in &manifest.prompts {
        let Some(decl) = &prompt.decl else {
            continue;
        };
        let name = &prompt.name;
        let (title, description, scope) =
            (option(decl.title.as_ref()), &decl.description, &decl.scope);
        let rate = crate::toolbox::rate_tokens(&decl.rate);
        let arguments = decl.arguments.iter().map(|a| {
            let (arg, description, required) = (&a.name, option(a.description.as_ref()), a.required);
            quote!(#toolbox::ArgumentDecl { name: #arg, description: #description, required: #required })
        });
        let messages = decl.messages.iter().map(|m| {
            let role = Ident::new(
                match m.role {
                    Role::User => "User",
                    Role::Assistant => "Assistant",
                },
                Span::call_site(),
            );
            let body = match &m.body {
                Body::Text(t) => quote!(#toolbox::MessageTemplate::Text(#t)),
                Body::Resource(uri) => {
                    let message = format!(
                        "{shown}:{}: prompt `{name}` embeds `{uri}`, which no resource family in toolbox!'s resources list serves — use a URI of one of their templates, or add `text` to embed fixed text under that URI",
                        m.line
                    )
                    // A literal for `panic!`, which reads braces as its own placeholders.
                    .replace('{', "{{")
                    .replace('}', "}}");
                    checks.push(quote! {
                        const _: () = if !#toolbox::served(&[#(#templates),*], #uri) {
                            ::std::panic!(#message)
                        };
                    });
                    quote!(#toolbox::MessageTemplate::Resource(#uri))
                }
                Body::Inline { uri, mime_type, text } => {
                    let mime_type = option(mime_type.as_ref());
                    quote!(#toolbox::MessageTemplate::Inline { uri: #uri, mime_type: #mime_type, text: #text })
                }
                Body::Image { data, mime_type } => {
                    quote!(#toolbox::MessageTemplate::Image { data: #data, mime_type: #mime_type })
                }
            };
            quote!(#toolbox::MessageDecl { role: ::dovecote_gateway::mcp::model::Role::#role, body: #body })
        });
        defs.push(quote! {
            #toolbox::PromptDef {
                name: #name,
                title: #title,
                description: #description,
                scope: #scope,
                rate: #rate,
                arguments: &[#(#arguments),*],
                messages: &[#(#messages),*],
            }
        });
    }
    (defs, checks)
}
