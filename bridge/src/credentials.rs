//! The sign-in kept between runs: one JSON file per gateway in the user's configuration
//! folder, readable by the user alone (0600 in a 0700 folder on Unix), written atomically
//! through a new file with a random name that never follows a symlink (private_file.rs).
//! It holds the OAuth client id and tokens; nothing else reads it and nothing logs it.

use std::path::{Path, PathBuf};

use rmcp::transport::auth::{AuthError, CredentialStore, StoredCredentials};
use url::Url;

use crate::private_file;

/// Credentials of one gateway, in a file.
#[derive(Debug, Clone)]
pub struct FileCredentialStore {
    path: PathBuf,
}

impl FileCredentialStore {
    /// The store for the gateway at `mcp_url`, under `dir`.
    pub fn new(dir: &Path, mcp_url: &Url) -> Self {
        let name = private_file::gateway_key(mcp_url);
        Self {
            path: dir.join(format!("credentials-{name}.json")),
        }
    }

    /// Where the credentials live.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn store_error(what: &str, e: impl std::fmt::Display) -> AuthError {
    AuthError::CredentialStoreError(format!("{what}: {e}"))
}

#[async_trait::async_trait]
impl CredentialStore for FileCredentialStore {
    async fn load(&self) -> Result<Option<StoredCredentials>, AuthError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => match serde_json::from_slice(&bytes) {
                Ok(c) => Ok(Some(c)),
                // A file we cannot read is a sign-in to redo, not a reason to stop.
                Err(_) => Ok(None),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(store_error(
                &format!("cannot read {}", self.path.display()),
                e,
            )),
        }
    }

    async fn save(&self, credentials: StoredCredentials) -> Result<(), AuthError> {
        let bytes = serde_json::to_vec(&credentials)
            .map_err(|e| store_error("cannot encode the sign-in", e))?;
        private_file::write(&self.path, &bytes)
            .map_err(|e| store_error(&format!("cannot write {}", self.path.display()), e))
    }

    async fn clear(&self) -> Result<(), AuthError> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(store_error(
                &format!("cannot remove {}", self.path.display()),
                e,
            )),
        }
    }

    async fn on_refresh_token_rejected(&self, _: &StoredCredentials) -> Result<(), AuthError> {
        // The grant is gone (revoked, expired): the next start signs in again.
        self.clear().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh folder for one test (tests run in parallel in one process).
    fn test_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("dovecote-bridge-{name}-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        dir
    }

    fn credentials() -> StoredCredentials {
        StoredCredentials::new(
            "client-1".into(),
            None,
            vec!["dovecote:read".into()],
            Some(1),
        )
    }

    #[tokio::test]
    async fn credentials_round_trip_in_a_private_file() {
        let dir = test_dir("round-trip");
        let store =
            FileCredentialStore::new(&dir, &Url::parse("http://127.0.0.1:8787/mcp").unwrap());
        assert!(store.load().await.unwrap().is_none());
        store.save(credentials()).await.unwrap();
        let loaded = store.load().await.unwrap().unwrap();
        assert_eq!(loaded.client_id, "client-1");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.path())
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, 0o600);
        }
        store.clear().await.unwrap();
        assert!(store.load().await.unwrap().is_none());
        std::fs::remove_dir_all(&dir).ok();
    }

    /// Someone who can write in the folder plants symlinks where the bridge writes: at the
    /// fixed temporary name earlier versions used, and at the credential file itself.
    #[cfg(unix)]
    #[tokio::test]
    async fn planted_symlinks_are_never_followed() {
        let dir = test_dir("symlink");
        std::fs::create_dir_all(&dir).unwrap();
        let store =
            FileCredentialStore::new(&dir, &Url::parse("http://127.0.0.1:8787/mcp").unwrap());
        let victim = dir.join("victim.txt");
        std::fs::write(&victim, "untouched").unwrap();
        let old_temporary = store.path().with_extension("json.tmp");
        std::os::unix::fs::symlink(&victim, &old_temporary).unwrap();
        store.save(credentials()).await.unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "untouched");
        assert!(std::fs::symlink_metadata(&old_temporary)
            .unwrap()
            .file_type()
            .is_symlink());

        std::fs::remove_file(store.path()).unwrap();
        std::os::unix::fs::symlink(&victim, store.path()).unwrap();
        store.save(credentials()).await.unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "untouched");
        let written = std::fs::symlink_metadata(store.path()).unwrap();
        assert!(
            written.file_type().is_file(),
            "the link is replaced, not followed"
        );
        assert_eq!(store.load().await.unwrap().unwrap().client_id, "client-1");

        // Nothing else is left behind: the credentials, the victim and the planted link.
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "credentials-127.0.0.1_8787_mcp.json",
                "credentials-127.0.0.1_8787_mcp.json.tmp",
                "victim.txt"
            ]
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
