//! `#[tool]` and `toolbox!` for the Dovecote gateway. Each entry point is a shim over an
//! `expand` function in its own module, which works on `proc_macro2` tokens and is unit-tested.

mod attr;
mod channels;
mod ctxt;
mod declared;
mod event_routes;
mod manifest;
mod prompts;
mod template;
mod tool;
mod toolbox;
mod upstreams;

use proc_macro::TokenStream;

/// Derives a tool from a documented `async fn`: keeps the fn and adds the `ToolDef` that
/// `toolbox!` collects.
///
/// ```ignore
/// /// Performs arithmetic: add, subtract, multiply, divide, power.
/// #[tool(title = "Calculator", read_only, idempotent, open_world = false)]
/// pub async fn calculate(args: CalculateArgs) -> Result<Calculation, ToolError> { … }
/// ```
///
/// Options: `name = "…"` (wire name, default the fn name), `title = "…"`, and the hints
/// `read_only`, `destructive`, `idempotent`, `open_world` (alone meaning `true`, or `= bool`).
/// The fn takes at most a `&ToolContext<'_>` and one argument struct (`Deserialize` +
/// `JsonSchema`), in either order, and returns `Result<T, E>` (`T: Serialize + JsonSchema`,
/// `E: Into<ToolError>`) or `CallToolResult`. Its doc comment is the description.
#[proc_macro_attribute]
pub fn tool(attr: TokenStream, item: TokenStream) -> TokenStream {
    tool::expand(attr.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Joins `#[tool]` fns with their `tools.toml` entries into `pub const TOOLBOX: Toolbox`.
///
/// ```ignore
/// toolbox! {
///     manifest = "../../tools.toml",
///     tools = [user_info::get_user_info, crate::examples::calculate],
/// }
/// ```
///
/// `manifest` is relative to the file containing the invocation, like `include_str!`; the
/// environment variable `DOVECOTE_TOOLS_MANIFEST`, when set at build time, replaces it with
/// another path. The manifest key of a tool (`[tools.calculate]`) is its fn name, also when
/// `#[tool(name = "…")]` gives it another wire name.
#[proc_macro]
pub fn toolbox(input: TokenStream) -> TokenStream {
    toolbox::expand(input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Reads `channels.toml` into `pub const CHANNELS: &[Instance]`, failing the build with the
/// file, the line and the fix for every mistake (unknown key, bad URL, a host outside the
/// service's own, a secret written inline, …).
///
/// ```ignore
/// channels! { manifest = "../../channels.toml" }
/// ```
///
/// `manifest` is relative to the invoking file; `DOVECOTE_CHANNELS_MANIFEST`, when set at build
/// time, replaces it with another path.
#[proc_macro]
pub fn channels(input: TokenStream) -> TokenStream {
    channels::expand(input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Emits `pub const UPSTREAMS: &[Upstream]`: each `[upstreams.<name>]` of `tools.toml` joined
/// with its lock file (`upstreams.lock.toml` beside it) — URL, secret name, protocol, and each
/// imported tool's fingerprint. Mistakes are `toolbox!`'s to report.
///
/// ```ignore
/// upstreams! { manifest = "../../../tools.toml" }
/// ```
///
/// `DOVECOTE_TOOLS_MANIFEST`, when set at build time, replaces the path, as for `toolbox!`.
#[proc_macro]
pub fn upstreams(input: TokenStream) -> TokenStream {
    upstreams::expand(input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
