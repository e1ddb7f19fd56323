//! Logging of internal failures: what failed and the platform's reason, never request data
//! or secrets. Workers' console in wasm, stderr natively.

/// Logs that `what` failed because of `detail`.
pub fn internal(what: &str, detail: &str) {
    #[cfg(target_arch = "wasm32")]
    worker::console_error!("dovecote: {what} failed: {detail}");
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("dovecote: {what} failed: {detail}");
}

/// Logs a warning about how the gateway is configured (never request data or secrets).
pub fn warning(message: &str) {
    #[cfg(target_arch = "wasm32")]
    worker::console_warn!("dovecote: warning: {message}");
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("dovecote: warning: {message}");
}
