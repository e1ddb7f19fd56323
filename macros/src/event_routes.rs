//! `toolbox!`'s part for `[routes.<name>]`: each route's channels checked against
//! `channels.toml`, and `pub const EVENT_ROUTES`, the routes as the gateway's
//! `triggers::EventRoute`s.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::Ident;

use crate::declared::{capitalized, undeclared_channels, Sender};
use crate::manifest::{EventRoute, Manifest};
use crate::tool::option;

/// Each route's channel that `channels.toml` does not declare, as `file:line: problem — fix`.
pub fn check_channels(
    manifest: &Manifest,
    declared: Option<&[String]>,
    shown: &str,
) -> Vec<String> {
    let mut problems = Vec::new();
    for route in &manifest.routes {
        let sender = Sender {
            owner: format!("route `{}`", route.name),
            line: route.channels.first().map_or(1, |(_, l)| *l),
            whose: "a route's",
        };
        problems.extend(undeclared_channels(
            &route.channels,
            declared,
            &sender,
            shown,
        ));
    }
    problems
}

fn route(r: &EventRoute) -> TokenStream {
    let triggers = quote!(::dovecote_gateway::triggers);
    let EventRoute {
        name,
        events,
        actions,
        conditions,
        accounts,
        channels,
        title,
        text,
        link,
        severity,
        mark_processed,
    } = r;
    let (events, actions, accounts) = (strs(events), strs(actions), strs(accounts));
    let channels: Vec<&String> = channels.iter().map(|(c, _)| c).collect();
    let conditions = conditions.iter().map(|(field, values)| {
        let any_of = strs(values);
        quote!(#triggers::Condition { field: #field, any_of: #any_of })
    });
    let severity = option(severity.as_ref().map(|s| {
        let variant = Ident::new(&capitalized(s), Span::call_site());
        quote!(::dovecote_gateway::channels::message::Severity::#variant)
    }));
    let (title, link) = (option(title.as_ref()), option(link.as_ref()));
    quote! {
        #triggers::EventRoute {
            name: #name,
            events: #events,
            actions: #actions,
            conditions: &[#(#conditions),*],
            accounts: #accounts,
            channels: &[#(#channels),*],
            title: #title,
            text: #text,
            link: #link,
            severity: #severity,
            mark_processed: #mark_processed,
        }
    }
}

/// `&["a", "b"]`.
fn strs(v: &[String]) -> TokenStream {
    quote!(&[#(#v),*])
}

/// `pub const EVENT_ROUTES`.
pub fn emit(manifest: &Manifest) -> TokenStream {
    let routes = manifest.routes.iter().map(route);
    quote! {
        /// The event routes of `tools.toml` (`[routes.<name>]`).
        pub const EVENT_ROUTES: &[::dovecote_gateway::triggers::EventRoute] = &[#(#routes),*];
    }
}
