//! Unit tests of `#[tool]`'s expansion, on tokens built with `quote!`.

use super::*;

/// The expansion as a string without spaces, for `contains` checks.
fn expanded(attr: TokenStream, item: TokenStream) -> String {
    expand(attr, item).unwrap().to_string().replace(' ', "")
}

/// Every error message, in order.
fn errors(attr: TokenStream, item: TokenStream) -> Vec<String> {
    let func: ItemFn = syn::parse2(item).unwrap();
    match expand_fn(attr, &func) {
        Ok(_) => Vec::new(),
        Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
    }
}

#[test]
fn emits_the_fn_and_a_tool_def_beside_it() {
    let out = expanded(
        quote!(
            title = "Calculator",
            read_only,
            idempotent,
            open_world = false
        ),
        quote! {
            /// Performs arithmetic.
            ///
            ///  Indented line.
            #[inline]
            pub async fn calculate(args: CalculateArgs) -> Result<Calculation, ToolError> { todo!() }
        },
    );
    assert!(out.starts_with("#[doc=r\"Performsarithmetic.\"]"), "{out}");
    assert!(
        out.contains("#[inline]pubasyncfncalculate(args:CalculateArgs)"),
        "{out}"
    );
    assert!(
        out.contains("pubconst__dovecote_tool_calculate:::dovecote_gateway::toolbox::ToolDef="),
        "{out}"
    );
    assert!(out.contains("name:\"calculate\""), "{out}");
    assert!(
        out.contains(r#"description:"Performsarithmetic.\n\nIndentedline.""#),
        "{out}"
    );
    assert!(
        out.contains("title:::std::option::Option::Some(\"Calculator\")"),
        "{out}"
    );
    assert!(out.contains("read_only:::std::option::Option::Some(true),destructive:::std::option::Option::None,idempotent:::std::option::Option::Some(true),open_world:::std::option::Option::Some(false)"), "{out}");
    assert!(
        out.contains("input_schema:::dovecote_gateway::toolbox::input_schema::<CalculateArgs>"),
        "{out}"
    );
    assert!(out.contains("output_schema:<Result<Calculation,ToolError>as::dovecote_gateway::toolbox::IntoCallToolResult>::output_schema"), "{out}");
    assert!(out.contains("let__args:CalculateArgs=match::dovecote_gateway::toolbox::parse_args(\"calculate\",__args)"), "{out}");
    assert!(
        out.contains("fn__call<'r>(_ctx:&'r::dovecote_gateway::toolbox::ToolContext<'_>"),
        "{out}"
    );
    assert!(out.contains("calculate(__args).await"), "{out}");
}

#[test]
fn the_description_keeps_the_inner_indentation_and_drops_one_leading_space() {
    let func: ItemFn = syn::parse_quote! {
        /// First line.
        ///
        ///     code
        #[doc = " Block\n doc "]
        async fn f() -> CallToolResult { todo!() }
    };
    assert_eq!(
        doc_comment(&func.attrs),
        "First line.\n\n    code\nBlock doc"
    );
}

#[test]
fn wrapped_lines_become_one_paragraph_but_lists_keep_their_breaks() {
    let func: ItemFn = syn::parse_quote! {
        /// Sends a message to a channel,
        /// formatted for the service.
        ///
        /// Options:
        /// - title
        /// - link
        async fn f() -> CallToolResult { todo!() }
    };
    assert_eq!(
        doc_comment(&func.attrs),
        "Sends a message to a channel, formatted for the service.\n\nOptions:\n- title\n- link"
    );
}

#[test]
fn context_and_arguments_in_either_order() {
    let out = expanded(
        quote!(name = "echo.v2"),
        quote! {
            /// Echoes.
            pub(crate) async fn echo(args: EchoArgs, ctx: &ToolContext<'_>) -> CallToolResult { todo!() }
        },
    );
    assert!(out.contains("pub(crate)const__dovecote_tool_echo"), "{out}");
    assert!(out.contains("name:\"echo.v2\""), "{out}");
    assert!(out.contains("parse_args(\"echo.v2\",__args)"), "{out}");
    assert!(out.contains("fn__call<'r>(__ctx:"), "{out}");
    assert!(out.contains("echo(__args,__ctx).await"), "{out}");
    assert!(out.contains("title:::std::option::Option::None"), "{out}");
}

#[test]
fn no_arguments_means_an_empty_object_schema() {
    let out = expanded(
        quote!(),
        quote! {
            /// Who am I.
            async fn r#whoami(ctx: &ToolContext<'_>) -> Result<String, ToolError> { todo!() }
        },
    );
    assert!(out.contains("const__dovecote_tool_whoami"), "{out}");
    assert!(out.contains("name:\"whoami\""), "{out}");
    assert!(
        out.contains("input_schema:::dovecote_gateway::toolbox::empty_input_schema"),
        "{out}"
    );
    assert!(out.contains("let_=__args;"), "{out}");
    assert!(out.contains("r#whoami(__ctx).await"), "{out}");
    assert!(!out.contains("parse_args"), "{out}");
}

#[test]
fn signature_mistakes() {
    let not_async = errors(
        quote!(),
        quote!(
            /// Doc.
            fn f() -> CallToolResult {
                todo!()
            }
        ),
    );
    assert_eq!(not_async, ["#[tool] needs an `async fn`"]);

    let no_doc = errors(
        quote!(),
        quote!(
            async fn f() -> CallToolResult {
                todo!()
            }
        ),
    );
    assert_eq!(no_doc.len(), 1);
    assert!(no_doc[0]
        .starts_with("a tool needs a doc comment: it becomes the description the model reads"));

    let unit = errors(
        quote!(),
        quote!(
            /// Doc.
            async fn f() {}
        ),
    );
    assert_eq!(unit, ["a tool must return a value: Result<T, ToolError> or CallToolResult — add `-> Result<…, ToolError>`"]);
    let unit = errors(
        quote!(),
        quote!(
            /// Doc.
            async fn f() -> () {}
        ),
    );
    assert_eq!(
        unit,
        ["a tool must return a value: Result<T, ToolError> or CallToolResult"]
    );
    let opaque = errors(
        quote!(),
        quote!(
            /// Doc.
            async fn f() -> impl Sized {}
        ),
    );
    assert!(opaque[0].contains("write the concrete type"));

    let method = errors(
        quote!(),
        quote!(
            /// Doc.
            async fn f(&self) -> CallToolResult {
                todo!()
            }
        ),
    );
    assert!(method[0].starts_with("a tool is a free fn, not a method"));

    let two = errors(
        quote!(),
        quote!(
            /// Doc.
            async fn f(a: &ToolContext<'_>, b: &ToolContext<'_>, x: A, y: B) -> CallToolResult {
                todo!()
            }
        ),
    );
    assert_eq!(two.len(), 2, "{two:?}");
    assert!(two[0].starts_with("a tool takes at most one reference parameter"));
    assert!(two[1].starts_with("a tool takes at most one argument struct"));

    let generic = errors(
        quote!(),
        quote!(
            /// Doc.
            async fn f<'a, T>(x: T) -> CallToolResult {
                todo!()
            }
        ),
    );
    assert_eq!(generic, ["a tool cannot be generic — use concrete types"]);

    let anonymous = errors(
        quote!(),
        quote!(
            /// Doc.
            async fn f(args: impl Sized) -> CallToolResult {
                todo!()
            }
        ),
    );
    assert_eq!(anonymous.len(), 1, "{anonymous:?}");
    assert!(anonymous[0].starts_with("a tool's argument cannot be `impl Trait`"));
}

#[test]
fn attribute_mistakes() {
    let item = quote!(
        /// Doc.
        async fn f() -> CallToolResult {
            todo!()
        }
    );
    let bad_name = errors(quote!(name = "has space"), item.clone());
    assert_eq!(bad_name.len(), 1);
    assert!(bad_name[0].starts_with("tool name `has space` is not valid — use 1 to 128 characters"));
    assert_eq!(errors(quote!(name = ""), item.clone()).len(), 1);
    assert!(errors(quote!(name = "a.b-c_D9"), item.clone()).is_empty());
    let long = "x".repeat(129);
    assert_eq!(errors(quote!(name = #long), item.clone()).len(), 1);
    let long_fn = format_ident!("{}", "f".repeat(129));
    let too_long = errors(
        quote!(),
        quote!(/// Doc.
        async fn #long_fn() -> CallToolResult { todo!() }),
    );
    assert_eq!(too_long.len(), 1, "the fn name is checked too");
    let empty_title = errors(quote!(title = " "), item);
    assert!(empty_title[0].starts_with("the title is empty"));
}

#[test]
fn every_mistake_is_reported_at_once() {
    let errs = errors(
        quote!(colour = "red", read_only, read_only),
        quote!(
            fn f(&self) {}
        ),
    );
    assert_eq!(errs.len(), 6, "{errs:?}");
    assert!(errs[0].starts_with("unknown #[tool] option `colour`"));
    assert!(errs[1].starts_with("duplicate option `read_only`"));
    assert_eq!(errs[2], "#[tool] needs an `async fn`");
    assert!(errs[3].starts_with("a tool needs a doc comment"));
    assert!(errs[4].starts_with("a tool is a free fn"));
    assert!(errs[5].starts_with("a tool must return a value"));
}

#[test]
fn with_mistakes_the_fn_is_kept_beside_the_errors() {
    let out = expanded(
        quote!(),
        quote!(
            fn f() -> CallToolResult {
                todo!()
            }
        ),
    );
    assert!(out.starts_with("fnf()->CallToolResult"), "{out}");
    assert!(out.contains("compile_error!"), "{out}");
    assert!(!out.contains("__dovecote_tool_f"), "{out}");
}

#[test]
fn only_fns_take_the_attribute() {
    let err = expand(
        quote!(),
        quote!(
            struct S;
        ),
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "#[tool] goes on an `async fn`");
}
