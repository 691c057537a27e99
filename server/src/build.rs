//! What runs where: the build this code was made from, baked in at build
//! time (`VOLLEY_BUILD`, set by `scripts/build-worker` to the commit and
//! whether the tree was dirty), and the deployed Worker version the runtime
//! reports (`CF_VERSION_METADATA`; during a gradual rollout two versions
//! serve side by side, and each object runs one of them). Locally the
//! runtime gives every start a new random id and no tag, which is why the
//! build id is baked in too.

use worker::Env;

/// The build this code was made from (`dev` when built without
/// `scripts/build-worker`).
pub const BUILD: &str = match option_env!("VOLLEY_BUILD") {
    Some(build) => build,
    None => "dev",
};

/// The deployed version the runtime reports: its id and its tag (the
/// `--tag` given to `wrangler versions upload`), when known.
pub fn version(env: &Env) -> (Option<String>, Option<String>) {
    // Read field by field with Reflect: the `worker` accessors convert
    // without checking, and a missing field must not panic the isolate.
    let binding = js_sys::Reflect::get(env.as_ref(), &"CF_VERSION_METADATA".into()).ok();
    let field = |name: &str| {
        let binding = binding.as_ref().filter(|b| b.is_object())?;
        js_sys::Reflect::get(binding, &name.into())
            .ok()?
            .as_string()
            .filter(|text| !text.is_empty())
    };
    (field("id"), field("tag"))
}

/// `console_error!` with the build first, so a log line says which build
/// (during a rollout, which version) wrote it.
macro_rules! log_error {
    ($($arg:tt)*) => {
        worker::console_error!("[{}] {}", $crate::build::BUILD, format_args!($($arg)*))
    };
}

/// `console_warn!` with the build first.
macro_rules! log_warn {
    ($($arg:tt)*) => {
        worker::console_warn!("[{}] {}", $crate::build::BUILD, format_args!($($arg)*))
    };
}

pub(crate) use {log_error, log_warn};
