//! `#[tool]` and `toolbox!` end to end: real tools and a real manifest
//! (`fixtures/tools.toml`), described and called through the generated `TOOLBOX`.

use dovecote_gateway::objects::host::LocalObjects;
use dovecote_gateway::platform::native::{
    CannedFetch, ManualClock, MapSecrets, MemoryKv, OsRandom, SoftDigests,
};
use dovecote_gateway::platform::Platform;
use dovecote_gateway::toolbox::{
    Annotations, CallToolResult, Principal, Rate, RatePeriod, ToolContext, ToolEntry,
};
use dovecote_gateway::{tool, toolbox};
use serde_json::{json, Value};

mod examples {
    use dovecote_gateway::tool;
    use dovecote_gateway::toolbox::ToolError;
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    /// The operation to perform.
    #[derive(Deserialize, JsonSchema)]
    #[serde(rename_all = "lowercase")]
    pub enum Op {
        /// a + b
        Add,
        /// a / b
        Divide,
    }

    /// The arguments of `calculate`.
    #[derive(Deserialize, JsonSchema)]
    pub struct CalculateArgs {
        /// The operation.
        pub op: Op,
        /// Left operand.
        pub a: f64,
        /// Right operand.
        pub b: f64,
    }

    /// The result of `calculate`.
    #[derive(Serialize, JsonSchema)]
    pub struct Calculation {
        /// The value.
        pub value: f64,
    }

    /// Performs arithmetic: add or divide.
    ///
    ///  Division by zero is an error.
    #[tool(title = "Calculator", read_only, idempotent, open_world = false)]
    pub async fn calculate(args: CalculateArgs) -> Result<Calculation, ToolError> {
        let value = match args.op {
            Op::Add => args.a + args.b,
            Op::Divide if args.b == 0.0 => {
                return Err(ToolError::new("division by zero — pass a non-zero `b`"))
            }
            Op::Divide => args.a / args.b,
        };
        Ok(Calculation { value })
    }
}

/// Says who is calling.
#[tool]
async fn whoami(ctx: &ToolContext<'_>) -> Result<String, String> {
    Ok(ctx.principal().id.clone())
}

/// The arguments of `echo`.
#[derive(serde::Deserialize, schemars::JsonSchema)]
struct EchoArgs {
    text: String,
}

/// Echoes text, reporting progress first.
#[tool(name = "echo.v2", destructive = false, open_world = true)]
async fn echo(ctx: &ToolContext<'_>, args: EchoArgs) -> CallToolResult {
    ctx.progress(1.0, Some(1.0), None);
    CallToolResult::text(args.text)
}

/// The arguments of `greet`.
#[derive(serde::Deserialize, schemars::JsonSchema)]
struct GreetArgs {}

/// Greets the caller (disabled in the manifest).
#[tool(destructive)]
async fn greet(_args: GreetArgs, ctx: &ToolContext<'_>) -> Result<String, String> {
    Ok(format!("hello {}", ctx.principal().id))
}

toolbox! {
    manifest = "fixtures/tools.toml",
    tools = [examples::calculate, whoami, echo, crate::greet],
}

/// Calls `tool` as `principal` with `arguments`; returns the result and the notifications.
fn call(entry: &ToolEntry, arguments: Value) -> (CallToolResult, Vec<Value>) {
    let clock = ManualClock::new(1_700_000_000_000);
    let kv = MemoryKv::new(&clock);
    let objects = LocalObjects::new(&clock);
    let platform = Platform {
        kv: &kv,
        objects: &objects,
        clock: &clock,
        random: &OsRandom,
        fetch: &CannedFetch::default(),
        secrets: &MapSecrets::default(),
        digests: &SoftDigests,
    };
    let principal = Principal::anonymous(Some("192.0.2.1".into()), vec!["test:read".into()]);
    let ctx = ToolContext::new(&principal, &platform, Some(json!("p1")), None);
    let result = pollster::block_on((entry.def.call)(&ctx, arguments));
    let notes = ctx
        .take_notifications()
        .into_iter()
        .map(|n| serde_json::to_value(n).unwrap()["params"].take())
        .collect();
    (result, notes)
}

fn text(result: &CallToolResult) -> &str {
    result.content[0].as_text().unwrap()
}

#[test]
fn toolbox_follows_the_manifest() {
    let names: Vec<_> = TOOLBOX.tools.iter().map(|t| t.def.name).collect();
    assert_eq!(names, ["calculate", "whoami", "echo.v2", "greet"]);
    let scopes: Vec<_> = TOOLBOX
        .scopes
        .iter()
        .map(|s| (s.name, s.description))
        .collect();
    assert_eq!(
        scopes,
        [
            ("test:read", "See who you are and do arithmetic"),
            ("test:write", "Echo and greet")
        ]
    );

    let calculate = TOOLBOX.get("calculate").unwrap();
    assert!(calculate.policy.enabled);
    assert_eq!(calculate.policy.scope, "test:read");
    assert_eq!(
        calculate.policy.rate,
        Rate {
            count: 60,
            period: RatePeriod::Minute
        }
    );
    let whoami = TOOLBOX.get("whoami").unwrap();
    assert_eq!(
        whoami.policy.rate,
        Rate {
            count: 5,
            period: RatePeriod::Second
        }
    );
    let echo = TOOLBOX.get("echo.v2").unwrap();
    assert_eq!(
        echo.policy.rate,
        Rate {
            count: 1000,
            period: RatePeriod::Hour
        }
    );
    assert_eq!(echo.policy.scope, "test:write");

    // Disabled: kept in `tools`, hidden from `enabled`/`get`.
    assert!(TOOLBOX.get("greet").is_none());
    let greet = &TOOLBOX.tools[3];
    assert!(!greet.policy.enabled);
    assert_eq!(
        greet.policy.rate,
        Rate {
            count: 1,
            period: RatePeriod::Day
        }
    );
    assert_eq!(TOOLBOX.enabled().count(), 3);
}

#[test]
fn descriptions_titles_and_annotations() {
    let calculate = TOOLBOX.get("calculate").unwrap();
    assert_eq!(
        calculate.def.description,
        "Performs arithmetic: add or divide.\n\nDivision by zero is an error."
    );
    assert_eq!(calculate.title(), Some("Calculator"));
    assert_eq!(
        calculate.def.annotations,
        Annotations {
            read_only: Some(true),
            destructive: None,
            idempotent: Some(true),
            open_world: Some(false)
        }
    );

    let whoami = TOOLBOX.get("whoami").unwrap();
    assert_eq!(whoami.def.title, None);
    assert_eq!(
        whoami.title(),
        Some("Who am I"),
        "the manifest's title is used"
    );
    assert!(whoami.def.annotations.is_empty());

    let echo = TOOLBOX.get("echo.v2").unwrap();
    assert_eq!(
        echo.def.description,
        "Echoes text, reporting progress first."
    );
    assert_eq!(
        echo.description(),
        "Echoes the text back (manifest override)."
    );
    assert_eq!(echo.def.annotations.destructive, Some(false));
    assert_eq!(echo.def.annotations.open_world, Some(true));
    assert_eq!(TOOLBOX.tools[3].def.annotations.destructive, Some(true));
}

#[test]
fn schemas() {
    let calculate = TOOLBOX.get("calculate").unwrap();
    let input = (calculate.def.input_schema)();
    assert_eq!(input["type"], "object");
    assert_eq!(input["properties"]["a"]["description"], "Left operand.");
    assert_eq!(input["required"], json!(["op", "a", "b"]));
    let output = (calculate.def.output_schema)().unwrap();
    assert_eq!(output["properties"]["value"]["type"], "number");

    let whoami = TOOLBOX.get("whoami").unwrap();
    assert_eq!(
        (whoami.def.input_schema)(),
        json!({"type": "object", "properties": {}})
    );
    assert_eq!(
        (whoami.def.output_schema)(),
        None,
        "a string result has no output schema"
    );

    let echo = TOOLBOX.get("echo.v2").unwrap();
    assert_eq!(
        (echo.def.input_schema)()["properties"]["text"]["type"],
        "string"
    );
    assert_eq!((echo.def.output_schema)(), None);
    assert_eq!(
        (TOOLBOX.tools[3].def.input_schema)()["properties"],
        json!({})
    );
}

#[test]
fn calls_return_structured_content_or_is_error() {
    let calculate = TOOLBOX.get("calculate").unwrap();
    let (ok, _) = call(calculate, json!({"op": "add", "a": 2, "b": 3}));
    assert!(!ok.is_error);
    assert_eq!(ok.structured_content, Some(json!({"value": 5.0})));
    assert_eq!(text(&ok), r#"{"value":5.0}"#);

    let (err, _) = call(calculate, json!({"op": "divide", "a": 1, "b": 0}));
    assert!(err.is_error, "a tool's Err is an isError result");
    assert_eq!(text(&err), "division by zero — pass a non-zero `b`");

    let (invalid, _) = call(calculate, json!({"op": "add", "a": 1}));
    assert!(invalid.is_error);
    assert!(
        text(&invalid).contains("Invalid arguments for tool `calculate`"),
        "{}",
        text(&invalid)
    );
    assert!(
        text(&invalid).contains("missing field `b`"),
        "{}",
        text(&invalid)
    );
    let (not_object, _) = call(calculate, json!("add"));
    assert!(not_object.is_error);
}

#[test]
fn context_reaches_the_tool() {
    let (who, _) = call(TOOLBOX.get("whoami").unwrap(), Value::Null);
    assert_eq!(text(&who), "anonymous:192.0.2.1");
    assert_eq!(who.structured_content, None);

    let (echoed, notes) = call(TOOLBOX.get("echo.v2").unwrap(), json!({"text": "hi"}));
    assert_eq!(text(&echoed), "hi");
    assert_eq!(
        notes,
        [json!({"progressToken": "p1", "progress": 1.0, "total": 1.0})]
    );
    let (bad, _) = call(TOOLBOX.get("echo.v2").unwrap(), json!({"text": 5}));
    assert!(bad.is_error);
    assert!(
        text(&bad).contains("Invalid arguments for tool `echo.v2`"),
        "the wire name is used"
    );

    let (greeting, _) = call(&TOOLBOX.tools[3], json!({}));
    assert_eq!(text(&greeting), "hello anonymous:192.0.2.1");
}
