//! The options of `#[tool(...)]`, parsed into `ToolAttr`; mistakes go to the `Ctxt`.

use proc_macro2::TokenStream;
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::{Expr, Lit, LitBool, LitStr, Token};

use crate::ctxt::Ctxt;

/// Every option `#[tool]` accepts, in the order error messages list them.
const OPTIONS: &str = "name, title, read_only, destructive, idempotent, open_world";

/// `#[tool(name = "…", title = "…", read_only, destructive = false, …)]`.
#[derive(Default)]
pub struct ToolAttr {
    /// Wire-name override.
    pub name: Option<LitStr>,
    /// Human-readable title.
    pub title: Option<LitStr>,
    /// `readOnlyHint`.
    pub read_only: Option<bool>,
    /// `destructiveHint`.
    pub destructive: Option<bool>,
    /// `idempotentHint`.
    pub idempotent: Option<bool>,
    /// `openWorldHint`.
    pub open_world: Option<bool>,
}

/// Parses the attribute's arguments. Unknown, duplicate or ill-typed options are recorded in
/// `cx` and parsing goes on; only broken syntax (`#[tool(,,)]`) stops it.
pub fn parse(args: TokenStream, cx: &mut Ctxt) -> ToolAttr {
    let mut attr = ToolAttr::default();
    let mut seen: Vec<String> = Vec::new();
    let parser = syn::meta::parser(|meta| {
        let key = meta
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        if !OPTIONS.split(", ").any(|o| o == key) {
            cx.error_spanned_by(
                &meta.path,
                format_args!(
                    "unknown #[tool] option `{}` — the options are: {OPTIONS}",
                    quote::ToTokens::to_token_stream(&meta.path)
                        .to_string()
                        .replace(' ', "")
                ),
            );
            return skip_value(&meta);
        }
        if seen.contains(&key) {
            cx.error_spanned_by(
                &meta.path,
                format_args!("duplicate option `{key}` — give it once"),
            );
            return skip_value(&meta);
        }
        seen.push(key.clone());
        match key.as_str() {
            "name" => attr.name = string_value(&meta, &key, cx)?,
            "title" => attr.title = string_value(&meta, &key, cx)?,
            "read_only" => attr.read_only = flag_value(&meta, &key, cx)?,
            "destructive" => attr.destructive = flag_value(&meta, &key, cx)?,
            "idempotent" => attr.idempotent = flag_value(&meta, &key, cx)?,
            _ => attr.open_world = flag_value(&meta, &key, cx)?,
        }
        Ok(())
    });
    if let Err(e) = parser.parse2(args) {
        cx.syn_error(e);
    }
    attr
}

/// `key = "text"`.
fn string_value(meta: &ParseNestedMeta, key: &str, cx: &mut Ctxt) -> syn::Result<Option<LitStr>> {
    if !meta.input.peek(Token![=]) {
        cx.error_spanned_by(
            &meta.path,
            format_args!("`{key}` needs a value: {key} = \"…\""),
        );
        return skip_value(meta).map(|()| None);
    }
    match meta.value()?.parse::<Expr>()? {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        }) => Ok(Some(s)),
        other => {
            cx.error_spanned_by(
                other,
                format_args!("`{key}` takes a string literal: {key} = \"…\""),
            );
            Ok(None)
        }
    }
}

/// `key` (meaning true) or `key = true|false`.
fn flag_value(meta: &ParseNestedMeta, key: &str, cx: &mut Ctxt) -> syn::Result<Option<bool>> {
    if !meta.input.peek(Token![=]) {
        return skip_value(meta).map(|()| Some(true));
    }
    match meta.value()?.parse::<Expr>()? {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Bool(LitBool { value, .. }),
            ..
        }) => Ok(Some(value)),
        other => {
            cx.error_spanned_by(
                other,
                format_args!(
                    "`{key}` takes `true` or `false`, or nothing: `{key}` alone means true"
                ),
            );
            Ok(None)
        }
    }
}

/// Consumes whatever follows an option we are not going to use: `= expr` or `(…)`.
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.input.parse::<proc_macro2::Group>()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn parse_ok(args: TokenStream) -> ToolAttr {
        let mut cx = Ctxt::new();
        let attr = parse(args, &mut cx);
        cx.check().unwrap();
        attr
    }

    fn errors(args: TokenStream) -> Vec<String> {
        let mut cx = Ctxt::new();
        parse(args, &mut cx);
        cx.check()
            .err()
            .map(|e| e.into_iter().map(|e| e.to_string()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn options_and_flags() {
        let a = parse_ok(quote!(
            name = "calc",
            title = "Calculator",
            read_only,
            idempotent = true,
            open_world = false
        ));
        assert_eq!(a.name.unwrap().value(), "calc");
        assert_eq!(a.title.unwrap().value(), "Calculator");
        assert_eq!(
            (a.read_only, a.destructive, a.idempotent, a.open_world),
            (Some(true), None, Some(true), Some(false))
        );
        let empty = parse_ok(TokenStream::new());
        assert!(empty.name.is_none() && empty.read_only.is_none());
    }

    #[test]
    fn every_mistake_is_reported() {
        let errs = errors(quote!(
            titel = "x",
            read_only,
            read_only = false,
            name = 5,
            idempotent = "yes",
            title
        ));
        assert_eq!(errs.len(), 5, "{errs:?}");
        assert!(
            errs[0].starts_with("unknown #[tool] option `titel` — the options are: name, title")
        );
        assert_eq!(errs[1], "duplicate option `read_only` — give it once");
        assert!(errs[2].contains("`name` takes a string literal"));
        assert!(errs[3].contains("`idempotent` takes `true` or `false`"));
        assert!(errs[4].contains("`title` needs a value"));
    }

    #[test]
    fn unknown_options_with_lists_are_skipped() {
        let errs = errors(quote!(scope(read, write), title = "T"));
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].contains("`scope`"));
    }
}
