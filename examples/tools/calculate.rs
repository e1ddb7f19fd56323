//! Example tool: `calculate` — arithmetic on two numbers. Copy this file to write your own
//! tool: an argument struct, a result struct, a doc comment, `#[tool]`, and an entry in
//! `tools.toml`.

use dovecote_gateway::tool;
use dovecote_gateway::toolbox::ToolError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Largest operand magnitude: beyond 2^53 a double no longer holds every integer.
pub const MAX_OPERAND: f64 = 9_007_199_254_740_992.0;

/// An arithmetic operation.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    /// a + b
    Add,
    /// a − b
    Subtract,
    /// a × b
    Multiply,
    /// a ÷ b
    Divide,
    /// a to the power of b
    Power,
}

/// The arguments of `calculate`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CalculateArgs {
    /// The operation: add, subtract, multiply, divide or power.
    pub operation: Operation,
    /// The first operand.
    pub a: f64,
    /// The second operand (the exponent for power).
    pub b: f64,
}

/// The result of `calculate`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Calculation {
    /// The calculation written out, e.g. `7 ^ 8`.
    pub expression: String,
    /// The result.
    pub result: f64,
}

/// Performs arithmetic on two numbers: add, subtract, multiply, divide, or power (a to the
/// power of b). For example, "7 to the power of 8" is operation `power`, a = 7, b = 8.
#[tool(title = "Calculator", read_only, idempotent, open_world = false)]
pub async fn calculate(args: CalculateArgs) -> Result<Calculation, ToolError> {
    let CalculateArgs { operation, a, b } = args;
    for (name, value) in [("a", a), ("b", b)] {
        if !value.is_finite() || value.abs() > MAX_OPERAND {
            return Err(ToolError::new(format!(
                "`{name}` must be a finite number between -{MAX_OPERAND} and {MAX_OPERAND}"
            )));
        }
    }
    let (symbol, result) = match operation {
        Operation::Add => ("+", a + b),
        Operation::Subtract => ("-", a - b),
        Operation::Multiply => ("*", a * b),
        Operation::Divide if b == 0.0 => {
            return Err(ToolError::new(
                "Division by zero: `b` must not be 0 when dividing",
            ))
        }
        Operation::Divide => ("/", a / b),
        Operation::Power => ("^", a.powf(b)),
    };
    if !result.is_finite() {
        return Err(ToolError::new(format!(
            "{a} {symbol} {b} is not a finite number (it overflows or is undefined); use smaller operands"
        )));
    }
    Ok(Calculation {
        expression: format!("{a} {symbol} {b}"),
        result,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calc(operation: Operation, a: f64, b: f64) -> Result<Calculation, ToolError> {
        pollster::block_on(calculate(CalculateArgs { operation, a, b }))
    }

    #[test]
    fn seven_to_the_power_of_eight() {
        let c = calc(Operation::Power, 7.0, 8.0).unwrap();
        assert_eq!(c.result, 5_764_801.0);
        assert_eq!(c.expression, "7 ^ 8");
    }

    #[test]
    fn division_by_zero_overflow_and_oversized_operands_are_tool_errors() {
        assert!(calc(Operation::Divide, 1.0, 0.0)
            .unwrap_err()
            .message()
            .contains("Division by zero"));
        assert!(calc(Operation::Power, 10.0, 400.0)
            .unwrap_err()
            .message()
            .contains("finite"));
        assert!(calc(Operation::Power, -8.0, 0.5).is_err(), "NaN result");
        assert!(calc(Operation::Add, MAX_OPERAND * 2.0, 1.0).is_err());
        assert_eq!(calc(Operation::Subtract, 1.0, 3.0).unwrap().result, -2.0);
    }
}
