//! The manual checked against the code: links between the pages resolve
//! (`links`), the configuration page lists exactly the variables `.dev.vars.example` lists and
//! the gateway reads (`configuration`), and the architecture page's import table holds for the
//! code (`imports`). Plain file reading, no Worker build.

#[path = "../support/dev_vars.rs"]
mod dev_vars;

mod configuration;
mod imports;
mod links;
mod markdown;
