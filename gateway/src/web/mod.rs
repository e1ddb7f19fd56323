//! What a person sees in a browser: HTML pages with their security headers, cookies, and
//! CSRF protection for forms. Knows nothing of OAuth or MCP; `oauth` renders its sign-in and
//! consent pages with it.

pub mod cookie;
pub mod csrf;
pub mod form;
pub mod html;
pub mod page;
