//! The notifications page (filled in below).

use super::{Console, Operator};
use crate::http::HttpResponse;
use crate::web::form::Form;

/// What an operator does to a queued notification.
pub enum Action {
    /// Send it now.
    Retry,
    /// Give up on it.
    Drop,
}

/// `GET /console/notifications`.
pub async fn show(_console: &Console<'_>, operator: &Operator) -> HttpResponse {
    super::layout::message(
        501,
        "Notifications",
        "Not built yet.",
        Some(&operator.signed()),
    )
}

/// `POST /console/notifications/retry|drop`.
pub async fn act(
    _console: &Console<'_>,
    operator: &Operator,
    _form: &Form,
    _action: Action,
) -> HttpResponse {
    super::layout::message(
        501,
        "Notifications",
        "Not built yet.",
        Some(&operator.signed()),
    )
}
