//! Files only the user may read, replaced atomically: the sign-in (credentials.rs) and the
//! last relayed event (cursor.rs) are both written here, through a new file with a random
//! name that never follows a symlink (O_NOFOLLOW, 0600 in a 0700 folder), then renamed.

use std::path::{Path, PathBuf};

/// Writes `bytes` through a new temporary file beside `path`, then renames it over `path`:
/// a reader sees the old file or the new one, never half of one.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    let tmp = temporary_path(path)?;
    let written = write_new_file(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if written.is_err() {
        // Best effort: the name is random, so a leftover never blocks the next write.
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// A temporary name beside `path` that nobody can predict, so nobody can plant a file or a
/// link there in advance.
fn temporary_path(path: &Path) -> std::io::Result<PathBuf> {
    let mut random = [0u8; 16];
    getrandom::getrandom(&mut random).map_err(std::io::Error::other)?;
    let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(format!(".{suffix}.tmp"));
    Ok(path.with_file_name(name))
}

/// Creates `path`, which must not exist (not even as a symlink), readable by the user alone,
/// and writes `bytes` to disk.
fn write_new_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // `create_new` (O_EXCL) already refuses an existing link; O_NOFOLLOW says so twice.
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// The file-name part that names the gateway at `mcp_url` (host, port, path), with anything
/// but ASCII letters, digits, `.` and `-` made `_`.
pub fn gateway_key(mcp_url: &url::Url) -> String {
    format!(
        "{}_{}{}",
        mcp_url.host_str().unwrap_or("gateway"),
        mcp_url.port_or_known_default().unwrap_or(0),
        mcp_url.path()
    )
    .chars()
    .map(|c| {
        if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
            c
        } else {
            '_'
        }
    })
    .collect()
}
