//! Declared tools: `[tools.<name>]` tables with `kind = "http"` or `kind = "preset"`, wholly
//! written in the manifest. What both kinds share is read here — the arguments (which become
//! the input schema), the annotations, the check that each argument is used and each used
//! `{name}` declared; `http.rs` and `preset.rs` read the rest of each kind.

use std::ops::Range;

use serde_json::{json, Map, Value};
use toml::de::{DeString, DeValue};
use toml::Spanned;

use super::{in_file_order, kind, Reader};

mod http;
mod preset;

pub use http::{HttpDecl, Method, Returns};
pub use preset::PresetDecl;

/// The entries of a declared tool's table that the common tool keys did not take.
pub(super) type Rest<'t, 'i> = Vec<(&'t Spanned<DeString<'i>>, &'t Spanned<DeValue<'i>>)>;

/// The JSON type of an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgType {
    /// `"string"` (the default).
    String,
    /// `"integer"`.
    Integer,
    /// `"number"`.
    Number,
    /// `"boolean"`.
    Boolean,
}

impl ArgType {
    /// The JSON Schema name.
    pub fn as_str(self) -> &'static str {
        match self {
            ArgType::String => "string",
            ArgType::Integer => "integer",
            ArgType::Number => "number",
            ArgType::Boolean => "boolean",
        }
    }

    fn accepts(self, value: &Value) -> bool {
        match self {
            ArgType::String => value.is_string(),
            ArgType::Integer => value.is_i64() || value.is_u64(),
            ArgType::Number => value.is_number(),
            ArgType::Boolean => value.is_boolean(),
        }
    }
}

/// One declared argument; its JSON Schema is `schema`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    /// Its name, `{name}` in templates.
    pub name: String,
    /// Its type.
    pub ty: ArgType,
    /// Whether a call must give it.
    pub required: bool,
    /// Its JSON Schema 2020-12 (type, description, enum, bounds, default), as JSON text.
    pub schema: String,
    /// Its default, as JSON text.
    pub default: Option<String>,
    /// The line of its key.
    pub line: usize,
}

/// MCP annotations, as declared (`None`: the spec's default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hints {
    /// `read_only`.
    pub read_only: Option<bool>,
    /// `destructive`.
    pub destructive: Option<bool>,
    /// `idempotent`.
    pub idempotent: Option<bool>,
    /// `open_world`.
    pub open_world: Option<bool>,
}

/// What a declared tool does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// `kind = "http"`.
    Http(HttpDecl),
    /// `kind = "preset"`.
    Preset(PresetDecl),
}

/// A valid declared tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    /// Its arguments, in file order.
    pub arguments: Vec<Arg>,
    /// Its annotations.
    pub hints: Hints,
    /// What it does.
    pub kind: Kind,
}

/// The keys every declared tool may have besides the common ones.
const COMMON: &[&str] = &[
    "arguments",
    "read_only",
    "destructive",
    "idempotent",
    "open_world",
];

/// Where a template sits, for the check that its `{name}`s are declared.
pub(super) struct Template {
    pub what: String,
    pub text: String,
    pub span: Range<usize>,
    pub secrets: bool,
}

/// The keys of one declared tool's table, taken one by one; what is left is unknown.
pub(super) struct Keys<'r, 't, 'i> {
    pub rest: &'r mut Rest<'t, 'i>,
    pub tool: &'r str,
}

impl<'t, 'i> Keys<'_, 't, 'i> {
    /// Takes `key`, if present.
    pub fn take(&mut self, key: &str) -> Option<&'t Spanned<DeValue<'i>>> {
        let at = self.rest.iter().position(|(k, _)| k.get_ref() == key)?;
        Some(self.rest.remove(at).1)
    }

    /// Takes `key` as a string; a value of another type is reported.
    pub fn string(&mut self, r: &mut Reader, key: &str) -> Option<(String, Range<usize>)> {
        let value = self.take(key)?;
        match value.get_ref() {
            DeValue::String(s) => Some((s.to_string(), value.span())),
            other => {
                let (tool, found) = (self.tool, kind(other));
                r.error(
                    value.span(),
                    format!(
                        "`{key}` of tool `{tool}` is {found}, not a string — write `{key} = \"…\"`"
                    ),
                );
                None
            }
        }
    }

    /// Takes `key` as a boolean.
    pub fn boolean(&mut self, r: &mut Reader, key: &str) -> Option<bool> {
        let value = self.take(key)?;
        match value.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                let (tool, found) = (self.tool, kind(other));
                r.error(
                    value.span(),
                    format!("`{key}` of tool `{tool}` is {found}, not a boolean — write `{key} = true` or `{key} = false`"),
                );
                None
            }
        }
    }

    /// Takes `key` as a whole number from `min` to `max`.
    pub fn integer(&mut self, r: &mut Reader, key: &str, min: i64, max: i64) -> Option<i64> {
        let value = self.take(key)?;
        let tool = self.tool;
        match to_json(value.get_ref()).ok().and_then(|v| v.as_i64()) {
            Some(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                r.error(
                    value.span(),
                    format!("`{key}` of tool `{tool}` is not a whole number from {min} to {max} — write e.g. `{key} = {min}`"),
                );
                None
            }
        }
    }

    /// Reports every key left, naming the keys of `kind`.
    pub fn unknown(self, r: &mut Reader, kind: &str, own: &[&str]) {
        for (key, _) in self.rest.drain(..) {
            let tool = self.tool;
            let keys = [
                &["enabled", "kind", "scope", "rate", "title", "description"][..],
                COMMON,
                own,
            ]
            .concat();
            r.error(
                key.span(),
                format!(
                    "{kind} tool `{tool}` has an unknown key `{}` — its keys are {}",
                    key.get_ref(),
                    keys.join(", ")
                ),
            );
        }
    }
}

/// A TOML value as JSON (datetimes are refused: JSON has none).
pub(super) fn to_json(value: &DeValue) -> Result<Value, String> {
    Ok(match value {
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Integer(i) => {
            let digits = i.as_str().replace('_', "");
            let n = i64::from_str_radix(&digits, i.radix())
                .map_err(|_| "an integer out of range".to_owned())?;
            Value::from(n)
        }
        DeValue::Float(f) => {
            let n: f64 = f
                .as_str()
                .replace('_', "")
                .parse()
                .map_err(|_| "a float JSON cannot hold".to_owned())?;
            serde_json::Number::from_f64(n)
                .map(Value::Number)
                .ok_or("a float JSON cannot hold (inf or nan)")?
        }
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(_) => return Err("a date-time, which JSON has no type for".into()),
        DeValue::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| to_json(v.get_ref()))
                .collect::<Result<_, _>>()?,
        ),
        DeValue::Table(t) => {
            let mut map = Map::new();
            for (k, v) in in_file_order(t) {
                map.insert(k.get_ref().to_string(), to_json(v.get_ref())?);
            }
            Value::Object(map)
        }
    })
}

/// An argument name: 1 to 64 characters of `A-Za-z0-9_`.
pub(super) fn valid_argument_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

impl Reader<'_> {
    /// The declared part of `[tools.<tool>]` with `kind = <kind>`; `None` if anything is wrong.
    pub(super) fn declared(
        &mut self,
        tool: &str,
        kind_value: &Spanned<DeValue>,
        key_span: Range<usize>,
        mut rest: Rest,
    ) -> Option<Declared> {
        let errors_before = self.errors.len();
        let kind_name = match kind_value.get_ref() {
            DeValue::String(s) if matches!(&**s, "http" | "preset") => s.to_string(),
            other => {
                let found = match other {
                    DeValue::String(s) => format!("`{s}`"),
                    v => kind(v),
                };
                self.error(
                    kind_value.span(),
                    format!("the kind {found} of tool `{tool}` is not one Dovecote knows — write `kind = \"http\"` (a call to an HTTP API) or `kind = \"preset\"` (a fixed notification), or leave `kind` out for a Rust #[tool] fn"),
                );
                return None;
            }
        };
        let mut keys = Keys {
            rest: &mut rest,
            tool,
        };
        // Names of arguments with mistakes too, so their uses are not reported as well.
        let (arguments, names) = match keys.take("arguments") {
            None => (Vec::new(), Vec::new()),
            Some(value) => self.declared_arguments(tool, value),
        };
        let mut hints = Hints::default();
        for (key, slot) in [
            ("read_only", &mut hints.read_only),
            ("destructive", &mut hints.destructive),
            ("idempotent", &mut hints.idempotent),
            ("open_world", &mut hints.open_world),
        ] {
            *slot = keys.boolean(self, key);
        }
        let mut templates = Vec::new();
        let kind = if kind_name == "http" {
            let decl = self.http(&mut keys, key_span, &mut templates);
            keys.unknown(self, "http", http::KEYS);
            decl.map(Kind::Http)
        } else {
            let decl = self.preset(&mut keys, key_span, &mut templates);
            keys.unknown(self, "preset", preset::KEYS);
            decl.map(Kind::Preset)
        };
        self.check_templates(tool, &arguments, &names, &templates);
        let declared = Declared {
            arguments,
            hints,
            kind: kind?,
        };
        (self.errors.len() == errors_before).then_some(declared)
    }

    /// Every `{name}` used is declared, every argument is used.
    fn check_templates(
        &mut self,
        tool: &str,
        arguments: &[Arg],
        names: &[String],
        templates: &[Template],
    ) {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let declare = |used: &str| {
            format!(
                "declare it as `arguments.{used} = {{ type = \"string\", description = \"…\" }}`"
            )
        };
        for t in templates {
            let uses = crate::template::Uses {
                values: &names,
                secrets: t.secrets,
                declare: &declare,
            };
            for problem in crate::template::check(&t.what, &t.text, &uses) {
                self.error(t.span.clone(), problem);
            }
        }
        for arg in arguments {
            let used = templates.iter().any(|t| {
                crate::template::slots(&t.text)
                    .iter()
                    .any(|s| *s == crate::template::Slot::Value(&arg.name))
            });
            if !used {
                let name = &arg.name;
                let problem =
                    format!("tool `{tool}` declares the argument `{name}` but uses it nowhere");
                let fix = "use `{".to_owned()
                    + name
                    + "}` in a template of the tool, or remove the argument";
                self.errors.push(super::ManifestError {
                    line: arg.line,
                    message: format!("{problem} — {fix}"),
                });
            }
        }
    }

    /// `arguments.<name> = { type, description, required, enum, minimum, maximum, min_length,
    /// max_length, default }`.
    fn declared_arguments(
        &mut self,
        tool: &str,
        value: &Spanned<DeValue>,
    ) -> (Vec<Arg>, Vec<String>) {
        let DeValue::Table(table) = value.get_ref() else {
            let found = kind(value.get_ref());
            self.error(value.span(), format!("`arguments` of tool `{tool}` is {found}, not a table — write `arguments.<name> = {{ type = \"string\", description = \"…\" }}`"));
            return (Vec::new(), Vec::new());
        };
        let (mut out, mut names) = (Vec::new(), Vec::new());
        for (key, value) in in_file_order(table) {
            let name = key.get_ref().to_string();
            if !valid_argument_name(&name) {
                self.error(key.span(), format!("argument `{name}` of tool `{tool}` is not a valid name — use 1 to 64 characters of A-Z, a-z, 0-9 and `_`"));
                continue;
            }
            names.push(name.clone());
            let line = super::line_of(self.source, key.span().start);
            if let Some(arg) = self.declared_argument(tool, &name, line, value) {
                out.push(arg);
            }
        }
        (out, names)
    }

    fn declared_argument(
        &mut self,
        tool: &str,
        name: &str,
        line: usize,
        value: &Spanned<DeValue>,
    ) -> Option<Arg> {
        let what = format!("argument `{name}` of tool `{tool}`");
        let DeValue::Table(fields) = value.get_ref() else {
            let found = kind(value.get_ref());
            self.error(value.span(), format!("{what} is {found}, not a table — write `{name} = {{ type = \"string\", description = \"…\", required = true }}`"));
            return None;
        };
        let errors_before = self.errors.len();
        let mut ty = ArgType::String;
        if let Some((_, v)) = fields.iter().find(|(k, _)| k.get_ref() == "type") {
            ty = match v.get_ref() {
                DeValue::String(s) if &**s == "string" => ArgType::String,
                DeValue::String(s) if &**s == "integer" => ArgType::Integer,
                DeValue::String(s) if &**s == "number" => ArgType::Number,
                DeValue::String(s) if &**s == "boolean" => ArgType::Boolean,
                _ => {
                    self.error(v.span(), format!("the type of {what} is not valid — write `type = \"string\"`, `\"integer\"`, `\"number\"` or `\"boolean\"`"));
                    return None;
                }
            };
        }
        let mut schema = Map::new();
        schema.insert("type".into(), json!(ty.as_str()));
        let (mut required, mut default) = (false, None);
        for (k, v) in in_file_order(fields) {
            let key = &**k.get_ref();
            let json = to_json(v.get_ref());
            let wrong = |expected: &str| format!("`{key}` of {what} must be {expected}");
            let problem = match (key, json) {
                ("type", _) => None,
                ("description", Ok(Value::String(d))) if !d.trim().is_empty() => {
                    schema.insert("description".into(), json!(d));
                    None
                }
                ("required", Ok(Value::Bool(b))) => {
                    required = b;
                    None
                }
                ("enum", Ok(Value::Array(items))) if !items.is_empty() && ty != ArgType::Boolean && items.iter().all(|i| ty.accepts(i)) => {
                    schema.insert("enum".into(), Value::Array(items));
                    None
                }
                ("minimum" | "maximum", Ok(n @ Value::Number(_))) if matches!(ty, ArgType::Integer | ArgType::Number) && ty.accepts(&n) => {
                    schema.insert(key.into(), n);
                    None
                }
                ("min_length" | "max_length", Ok(Value::Number(n))) if ty == ArgType::String && n.as_u64().is_some() => {
                    schema.insert(if key == "min_length" { "minLength" } else { "maxLength" }.into(), Value::Number(n));
                    None
                }
                ("default", Ok(d)) if ty.accepts(&d) => {
                    default = Some(d);
                    None
                }
                ("description", _) => Some(wrong("a line of text, e.g. `description = \"The city, e.g. Lisbon\"`")),
                ("required", _) => Some(wrong("a boolean: `required = true`")),
                ("enum", _) if ty == ArgType::Boolean => Some(format!("{what} is a boolean, which takes no `enum` — remove it")),
                ("enum", _) => Some(wrong(&format!("a non-empty list of {} values, e.g. `enum = [\"a\", \"b\"]`", ty.as_str()))),
                ("minimum" | "maximum", _) => Some(wrong("a number, and only an integer or number argument has it")),
                ("min_length" | "max_length", _) => Some(wrong("a whole number, and only a string argument has it")),
                ("default", _) => Some(wrong(&format!("a value of its type ({})", ty.as_str()))),
                (other, _) => Some(format!("{what} has an unknown key `{other}` — its keys are type, description, required, enum, minimum, maximum, min_length, max_length and default")),
            };
            if let Some(problem) = problem {
                self.error(k.span(), problem);
            }
        }
        if let Some(d) = &default {
            if required {
                self.error(value.span(), format!("{what} is required and has a default — a default is for an argument a call may leave out: remove one of them"));
            }
            if !value_fits(d, &schema) {
                self.error(value.span(), format!("the default of {what} is outside its own `enum` or bounds — change the default or the bounds"));
            }
            schema.insert("default".into(), d.clone());
        }
        (self.errors.len() == errors_before).then(|| Arg {
            name: name.to_owned(),
            ty,
            required,
            schema: Value::Object(schema).to_string(),
            default: default.map(|d| d.to_string()),
            line,
        })
    }
}

/// Whether `value` meets the `enum` and bounds of `schema` (its type is already checked).
pub(super) fn value_fits(value: &Value, schema: &Map<String, Value>) -> bool {
    if let Some(Value::Array(choices)) = schema.get("enum") {
        if !choices.contains(value) {
            return false;
        }
    }
    let n = value.as_f64();
    let len = value.as_str().map(|s| s.chars().count() as u64);
    let num = |k: &str| schema.get(k).and_then(Value::as_f64);
    let whole = |k: &str| schema.get(k).and_then(Value::as_u64);
    !(matches!((n, num("minimum")), (Some(n), Some(m)) if n < m)
        || matches!((n, num("maximum")), (Some(n), Some(m)) if n > m)
        || matches!((len, whole("minLength")), (Some(l), Some(m)) if l < m)
        || matches!((len, whole("maxLength")), (Some(l), Some(m)) if l > m))
}

#[cfg(test)]
mod tests;
