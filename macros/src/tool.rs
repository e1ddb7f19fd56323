//! `#[tool]`: keeps the async fn as written and adds a `ToolDef` const beside it, named
//! `__dovecote_tool_<fn>`, that `toolbox!` collects.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, FnArg, GenericParam, Ident, ItemFn, Lit, ReturnType, Type};

use crate::attr::{self, ToolAttr};
use crate::ctxt::Ctxt;

/// The name of the const `#[tool]` generates for the fn `name`.
pub fn def_ident(name: &Ident) -> Ident {
    format_ident!("__dovecote_tool_{}", name.unraw(), span = name.span())
}

/// Expands `#[tool(attr)] item`. A fn whose attribute or signature is wrong is still emitted
/// (so its callers do not fail too), followed by one `compile_error!` per mistake.
pub fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let func = match syn::parse2::<syn::Item>(item)? {
        syn::Item::Fn(func) => func,
        other => {
            return Err(syn::Error::new_spanned(
                other,
                "#[tool] goes on an `async fn`",
            ))
        }
    };
    match expand_fn(attr, &func) {
        Ok(def) => Ok(quote!(#func #def)),
        Err(errors) => {
            let errors = errors.into_compile_error();
            Ok(quote!(#func #errors))
        }
    }
}

/// The `ToolDef` const for `func`, or every mistake found.
fn expand_fn(attr: TokenStream, func: &ItemFn) -> syn::Result<TokenStream> {
    let mut cx = Ctxt::new();
    let attr = attr::parse(attr, &mut cx);
    let tool = Tool::resolve(&attr, func, &mut cx);
    cx.check()?;
    Ok(tool.emit())
}

/// A parameter of the tool fn, by role.
enum Param<'a> {
    /// `&ToolContext<'_>`.
    Context(&'a Type),
    /// The argument struct.
    Args(&'a Type),
}

/// Everything the const needs, with defaults resolved.
struct Tool<'a> {
    func: &'a ItemFn,
    name: String,
    description: String,
    title: Option<String>,
    attr: &'a ToolAttr,
    params: Vec<Param<'a>>,
    output: Type,
}

impl<'a> Tool<'a> {
    /// Resolves defaults (name = fn name, description = doc comment) and checks the fn.
    /// Returns a value even when `cx` holds errors; it is then not emitted.
    fn resolve(attr: &'a ToolAttr, func: &'a ItemFn, cx: &mut Ctxt) -> Self {
        let sig = &func.sig;
        if sig.asyncness.is_none() {
            cx.error_spanned_by(sig.fn_token, "#[tool] needs an `async fn`");
        }
        if let Some(unsafety) = sig.unsafety {
            cx.error_spanned_by(unsafety, "a tool cannot be `unsafe` — remove `unsafe`");
        }
        for param in &sig.generics.params {
            if !matches!(param, GenericParam::Lifetime(_)) {
                cx.error_spanned_by(param, "a tool cannot be generic — use concrete types");
            }
        }

        let name = match &attr.name {
            Some(lit) => {
                check_wire_name(&lit.value(), lit.span(), cx);
                lit.value()
            }
            None => {
                let name = sig.ident.unraw().to_string();
                check_wire_name(&name, sig.ident.span(), cx);
                name
            }
        };

        let description = doc_comment(&func.attrs);
        if description.is_empty() {
            cx.error_spanned_by(
                &sig.ident,
                "a tool needs a doc comment: it becomes the description the model reads — \
                 add `/// What it does, and when to use it.` above the fn",
            );
        }

        let title = attr.title.as_ref().map(|t| t.value());
        if let (Some(lit), Some("")) = (&attr.title, title.as_deref().map(str::trim)) {
            cx.error_spanned_by(
                lit,
                "the title is empty — write a short name people read, or leave `title` out",
            );
        }

        Self {
            func,
            name,
            description,
            title,
            attr,
            params: params(func, cx),
            output: output(func, cx),
        }
    }

    /// The `ToolDef` const.
    fn emit(&self) -> TokenStream {
        let fn_ident = &self.func.sig.ident;
        let vis = &self.func.vis;
        let def = def_ident(fn_ident);
        let (name, description, output) = (&self.name, &self.description, &self.output);
        let title = option(self.title.as_ref());
        let [read_only, destructive, idempotent, open_world] = [
            self.attr.read_only,
            self.attr.destructive,
            self.attr.idempotent,
            self.attr.open_world,
        ]
        .map(|flag| option(flag.as_ref()));

        let ctx_ty = self.params.iter().find_map(|p| match p {
            Param::Context(ty) => Some(ty),
            Param::Args(_) => None,
        });
        let args_ty = self.params.iter().find_map(|p| match p {
            Param::Args(ty) => Some(ty),
            Param::Context(_) => None,
        });
        // The locals carry the parameter's location so a type mismatch points at the parameter.
        let ctx = Ident::new(
            if ctx_ty.is_some() { "__ctx" } else { "_ctx" },
            located(ctx_ty),
        );
        let args = Ident::new("__args", located(args_ty));
        let call_args = self.params.iter().map(|p| match p {
            Param::Context(_) => &ctx,
            Param::Args(_) => &args,
        });
        let (parse, input_schema) = match args_ty {
            Some(ty) => (
                quote! {
                    let #args: #ty = match ::dovecote_gateway::toolbox::parse_args(#name, #args) {
                        ::std::result::Result::Ok(a) => a,
                        ::std::result::Result::Err(r) => return r,
                    };
                },
                quote!(::dovecote_gateway::toolbox::input_schema::<#ty>),
            ),
            None => (
                quote!(let _ = #args;),
                quote!(::dovecote_gateway::toolbox::empty_input_schema),
            ),
        };

        quote! {
            #[doc(hidden)]
            #[allow(non_upper_case_globals)]
            #vis const #def: ::dovecote_gateway::toolbox::ToolDef = {
                fn __call<'r>(
                    #ctx: &'r ::dovecote_gateway::toolbox::ToolContext<'_>,
                    #args: ::dovecote_gateway::__private::serde_json::Value,
                ) -> ::std::pin::Pin<::std::boxed::Box<
                    dyn ::std::future::Future<Output = ::dovecote_gateway::toolbox::CallToolResult> + 'r,
                >> {
                    ::std::boxed::Box::pin(async move {
                        #parse
                        ::dovecote_gateway::toolbox::IntoCallToolResult::into_call_tool_result(
                            #fn_ident(#(#call_args),*).await,
                        )
                    })
                }
                ::dovecote_gateway::toolbox::ToolDef {
                    name: #name,
                    description: #description,
                    title: #title,
                    annotations: ::dovecote_gateway::toolbox::Annotations {
                        read_only: #read_only,
                        destructive: #destructive,
                        idempotent: #idempotent,
                        open_world: #open_world,
                    },
                    input_schema: #input_schema,
                    output_schema: <#output as ::dovecote_gateway::toolbox::IntoCallToolResult>::output_schema,
                    call: __call,
                }
            };
        }
    }
}

/// Sorts the parameters into the context (a reference) and the argument struct (a value).
fn params<'a>(func: &'a ItemFn, cx: &mut Ctxt) -> Vec<Param<'a>> {
    let mut params = Vec::new();
    let (mut has_ctx, mut has_args) = (false, false);
    for input in &func.sig.inputs {
        match input {
            FnArg::Receiver(receiver) => cx.error_spanned_by(
                receiver,
                "a tool is a free fn, not a method — remove `self` and take `&ToolContext` for the context",
            ),
            FnArg::Typed(pat) if matches!(*pat.ty, Type::Reference(_)) => {
                if std::mem::replace(&mut has_ctx, true) {
                    cx.error_spanned_by(
                        pat,
                        "a tool takes at most one reference parameter, the `&ToolContext` — \
                         put the other inputs in the argument struct",
                    );
                }
                params.push(Param::Context(&pat.ty));
            }
            FnArg::Typed(pat) if matches!(*pat.ty, Type::ImplTrait(_)) => cx.error_spanned_by(
                &pat.ty,
                "a tool's argument cannot be `impl Trait` — take one concrete struct deriving \
                 `Deserialize` and `JsonSchema`",
            ),
            FnArg::Typed(pat) => {
                if std::mem::replace(&mut has_args, true) {
                    cx.error_spanned_by(
                        pat,
                        "a tool takes at most one argument struct — put every argument in one struct \
                         deriving `Deserialize` and `JsonSchema`",
                    );
                }
                params.push(Param::Args(&pat.ty));
            }
        }
    }
    params
}

/// The return type; `()` and `impl Trait` are errors.
fn output(func: &ItemFn, cx: &mut Ctxt) -> Type {
    const MESSAGE: &str = "a tool must return a value: Result<T, ToolError> or CallToolResult";
    match &func.sig.output {
        ReturnType::Default => {
            let close = func.sig.paren_token.span.close();
            cx.error_at(
                close,
                format_args!("{MESSAGE} — add `-> Result<…, ToolError>`"),
            );
            syn::parse_quote!(())
        }
        ReturnType::Type(_, ty) => {
            match &**ty {
                Type::Tuple(t) if t.elems.is_empty() => cx.error_spanned_by(ty, MESSAGE),
                Type::ImplTrait(_) => cx.error_spanned_by(
                    ty,
                    "a tool's return type must be named, its output schema comes from it — \
                     write the concrete type",
                ),
                _ => {}
            }
            (**ty).clone()
        }
    }
}

/// The doc comment as Markdown reads it: each line without its one leading space, and the
/// lines of a paragraph joined with a space (source wrapping is not meaning), while blank
/// lines, list items and indented code keep their line breaks.
fn doc_comment(attrs: &[Attribute]) -> String {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta.require_name_value().ok()?.value {
            Expr::Lit(syn::ExprLit {
                lit: Lit::Str(s), ..
            }) => Some(s.value()),
            _ => None,
        })
        .flat_map(|doc| {
            // `split`, not `lines`: a bare `///` is an empty line that separates paragraphs.
            let lines = doc.split('\n').map(|l| l.trim_end_matches('\r'));
            lines
                .map(|l| l.strip_prefix(' ').unwrap_or(l).to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    let mut out = String::new();
    let mut previous_joins = false;
    for line in &lines {
        let keeps_break = line.trim().is_empty()
            || line.starts_with("    ")
            || line.starts_with('\t')
            || ["- ", "* ", "+ ", "```", "#"]
                .iter()
                .any(|m| line.trim_start().starts_with(m))
            || line
                .trim_start()
                .split_once(". ")
                .is_some_and(|(n, _)| n.parse::<u32>().is_ok());
        if !out.is_empty() {
            out.push(if previous_joins && !keeps_break {
                ' '
            } else {
                '\n'
            });
        }
        out.push_str(if keeps_break { line } else { line.trim() });
        previous_joins = !line.trim().is_empty()
            && !line.starts_with("    ")
            && !line.trim_start().starts_with("```");
    }
    out.trim().to_owned()
}

/// Checks a wire name against MCP's `[A-Za-z0-9_.-]{1,128}`.
fn check_wire_name(name: &str, span: Span, cx: &mut Ctxt) {
    let valid = (1..=128).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if !valid {
        cx.error_at(
            span,
            format_args!(
                "tool name `{name}` is not valid — use 1 to 128 characters of A-Z, a-z, 0-9, `_`, `.` and `-`"
            ),
        );
    }
}

/// `Some(value)` or `None` as tokens.
pub fn option<T: quote::ToTokens>(value: Option<T>) -> TokenStream {
    match value {
        Some(v) => quote!(::std::option::Option::Some(#v)),
        None => quote!(::std::option::Option::None),
    }
}

/// A call-site span located at `ty`, when there is one.
fn located(ty: Option<&&Type>) -> Span {
    ty.map_or_else(Span::call_site, |ty| {
        Span::call_site().located_at(ty.span())
    })
}

#[cfg(test)]
mod tests;
