//! Asking the person or their client during a call: a tool asks with
//! `ToolContext::elicit`, `sample` or `roots`, under a key of its choosing. When the call
//! already carries the answer under that key, the tool gets it; otherwise the question is
//! recorded and the tool stops with `?`, and the MCP layer answers the call with an
//! `InputRequiredResult`. The client asks the person (or its model), then calls again with the
//! answers, and the tool runs again from the start, now finding them.
//!
//! In the session-era revisions, which have no `InputRequiredResult`, the questions go to the
//! client as requests over its session instead (`mcp::asking`), and the tool runs again the
//! same way once the answers are in. Only what the client declared (`elicitation`,
//! `sampling`, `roots`) is asked, and only of a client that can be asked (a session-era client
//! without a session or that reads no SSE cannot); otherwise the tool hears
//! `Unanswered::CannotAsk` and says, in its result, what the person can do instead.

use std::cell::RefCell;
use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::ToolError;
use crate::mcp::model::{
    ElicitParams, ElicitResult, EmptyObject, InputRequest, ListRootsResult, SamplingParams,
    SamplingResult,
};

/// Why a tool did not get its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unanswered {
    /// The question goes to the client with this call's answer; the call comes back with it.
    Asked,
    /// The client cannot be asked this: it did not declare `capability`, or the protocol
    /// revision in use has no way to ask.
    CannotAsk {
        /// The client capability that asking needs.
        capability: &'static str,
    },
}

impl From<Unanswered> for ToolError {
    fn from(why: Unanswered) -> Self {
        match why {
            Unanswered::Asked => ToolError::new("Waiting for the client's answer"),
            Unanswered::CannotAsk { capability } => ToolError::new(format!(
                "This tool needs to ask you something, and your client cannot be asked (it did not declare the `{capability}` capability, or it holds no session that can carry the question); use a client that supports {capability}"
            )),
        }
    }
}

/// The questions and answers of one call.
#[derive(Debug, Default)]
pub struct Inputs {
    /// Whether asking is possible at all (2026-07-28 with a key to sign the state, or a
    /// session that can carry the questions).
    can_ask: bool,
    /// The capabilities the client declared.
    capabilities: Option<Value>,
    /// The answers this call carries, by key.
    answers: BTreeMap<String, Value>,
    /// What the tool asked that is not answered yet.
    asked: RefCell<BTreeMap<String, InputRequest>>,
}

impl Inputs {
    /// Inputs of a call that can ask, carrying `answers`, from a client that declared
    /// `capabilities`.
    pub fn new(capabilities: Option<Value>, answers: BTreeMap<String, Value>) -> Self {
        Self {
            can_ask: true,
            capabilities,
            answers,
            asked: RefCell::default(),
        }
    }

    /// The answers the call carried.
    pub fn answers(&self) -> &BTreeMap<String, Value> {
        &self.answers
    }

    /// What the tool asked and was not answered, by key (empty when it needs nothing).
    pub fn take_asked(&self) -> BTreeMap<String, InputRequest> {
        std::mem::take(&mut *self.asked.borrow_mut())
    }

    /// The answer under `key`, read as `T`, or the question recorded. An answer that is not a
    /// `T` counts as none, so the question is asked again.
    pub fn ask<T: DeserializeOwned>(
        &self,
        key: &str,
        request: InputRequest,
    ) -> Result<T, Unanswered> {
        if let Some(answer) = self.answers.get(key) {
            if let Ok(answer) = T::deserialize(answer) {
                return Ok(answer);
            }
        }
        let capability = request.capability();
        let declared = self
            .capabilities
            .as_ref()
            .is_some_and(|caps| caps.get(capability).is_some_and(|c| !c.is_null()));
        if !self.can_ask || !declared {
            return Err(Unanswered::CannotAsk { capability });
        }
        self.asked.borrow_mut().insert(key.to_owned(), request);
        Err(Unanswered::Asked)
    }
}

impl super::ToolContext<'_> {
    /// Asks the person to fill in a form (`elicitation/create`); the answer says whether they
    /// accepted, declined or cancelled.
    pub fn elicit(&self, key: &str, params: ElicitParams) -> Result<ElicitResult, Unanswered> {
        self.inputs().ask(key, InputRequest::Elicit(params))
    }

    /// Asks the client's model (`sampling/createMessage`).
    pub fn sample(&self, key: &str, params: SamplingParams) -> Result<SamplingResult, Unanswered> {
        self.inputs().ask(key, InputRequest::Sample(params))
    }

    /// Asks for the client's roots (`roots/list`).
    pub fn roots(&self, key: &str) -> Result<ListRootsResult, Unanswered> {
        self.inputs()
            .ask(key, InputRequest::ListRoots(EmptyObject {}))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::mcp::model::FormSchema;

    fn form() -> InputRequest {
        InputRequest::Elicit(ElicitParams {
            message: "Name?".into(),
            requested_schema: FormSchema::new(),
        })
    }

    #[test]
    fn a_question_is_recorded_until_its_answer_comes() {
        let caps = Some(json!({"elicitation": {}}));
        let first = Inputs::new(caps.clone(), BTreeMap::new());
        assert_eq!(
            first.ask::<ElicitResult>("name", form()),
            Err(Unanswered::Asked)
        );
        assert_eq!(first.take_asked().keys().collect::<Vec<_>>(), ["name"]);
        let answers = BTreeMap::from([("name".into(), json!({"action": "decline"}))]);
        let second = Inputs::new(caps, answers);
        let answer: ElicitResult = second.ask("name", form()).unwrap();
        assert_eq!(answer.action, crate::mcp::model::ElicitAction::Decline);
        assert!(second.take_asked().is_empty());
    }

    #[test]
    fn a_malformed_answer_is_asked_again() {
        let answers = BTreeMap::from([("name".into(), json!({"action": 7}))]);
        let inputs = Inputs::new(Some(json!({"elicitation": {}})), answers);
        assert_eq!(
            inputs.ask::<ElicitResult>("name", form()),
            Err(Unanswered::Asked)
        );
    }

    #[test]
    fn nothing_is_asked_of_a_client_that_cannot_answer() {
        let undeclared = Inputs::new(Some(json!({"sampling": {}})), BTreeMap::new());
        assert_eq!(
            undeclared.ask::<ElicitResult>("name", form()),
            Err(Unanswered::CannotAsk {
                capability: "elicitation"
            })
        );
        assert!(undeclared.take_asked().is_empty());
        let session_era = Inputs::default();
        assert_eq!(
            session_era.ask::<ElicitResult>("name", form()),
            Err(Unanswered::CannotAsk {
                capability: "elicitation"
            })
        );
    }
}
