//! The file store for uploaded bytes (spreadsheets now; datasets and models later), behind
//! `object_store` so a local directory and an S3-compatible service are the same code.
//!
//! Files are content-addressed (`uploads/<sha256>`), so storing the same bytes twice is harmless
//! and a stored file can never be changed under its recorded hash.

use std::path::Path;
use std::sync::Arc;

use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{Result, Store, StoreError, now_text};

/// Where uploaded bytes live.
#[derive(Debug, Clone)]
pub struct FileStore {
    inner: Arc<dyn ObjectStore>,
}

/// A stored file and its record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredFile {
    /// Id of the `files` record.
    pub id: i64,
    /// Key in the file store.
    pub key: String,
    /// The name it was uploaded under.
    pub name: String,
    /// Size in bytes.
    pub size: i64,
    /// sha256 of the content, hex.
    pub sha256: String,
}

impl FileStore {
    /// A store in a local directory (created if missing).
    pub fn local(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Migration(format!("{}: {e}", dir.display())))?;
        Ok(Self { inner: Arc::new(LocalFileSystem::new_with_prefix(dir)?) })
    }

    /// Stores bytes under their hash; returns `(key, sha256)`.
    pub async fn put(&self, bytes: Vec<u8>) -> Result<(String, String)> {
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let key = format!("uploads/{sha256}");
        let options = PutOptions { mode: PutMode::Create, ..Default::default() };
        match self.inner.put_opts(&ObjectPath::from(key.as_str()), PutPayload::from(bytes), options).await {
            Ok(_) | Err(object_store::Error::AlreadyExists { .. }) => Ok((key, sha256)),
            Err(e) => Err(e.into()),
        }
    }

    /// Stores `bytes` under `key` unless something is there already; returns what is stored
    /// under `key` afterwards. Several processes calling this at once agree on one value.
    pub async fn create_once(&self, key: &str, bytes: Vec<u8>) -> Result<Vec<u8>> {
        let options = PutOptions { mode: PutMode::Create, ..Default::default() };
        match self.inner.put_opts(&ObjectPath::from(key), PutPayload::from(bytes.clone()), options).await {
            Ok(_) => Ok(bytes),
            Err(object_store::Error::AlreadyExists { .. }) => self.get(key).await,
            Err(e) => Err(e.into()),
        }
    }

    /// Reads a stored file whole.
    pub async fn get(&self, key: &str) -> Result<Vec<u8>> {
        let result = self.inner.get(&ObjectPath::from(key)).await?;
        Ok(result.bytes().await?.to_vec())
    }
}

impl Store {
    /// Stores `bytes` in `files` and records who uploaded them under which name.
    pub async fn save_file(
        &self,
        files: &FileStore,
        name: &str,
        bytes: Vec<u8>,
        created_by: Option<i64>,
    ) -> Result<StoredFile> {
        let size = bytes.len() as i64;
        let (key, sha256) = files.put(bytes).await?;
        let name: String = name.chars().take(200).collect();
        let mut tx = self.begin_write().await?;
        let existing: Option<i64> =
            sqlx::query_scalar("SELECT id FROM files WHERE key = $1").bind(&key).fetch_optional(&mut *tx).await?;
        let id = match existing {
            Some(id) => id,
            None => {
                sqlx::query_scalar("INSERT INTO files (key, name, size, sha256, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                    .bind(&key)
                    .bind(&name)
                    .bind(size)
                    .bind(&sha256)
                    .bind(created_by)
                    .bind(now_text())
                    .fetch_one(&mut *tx)
                    .await?
            }
        };
        tx.commit().await?;
        Ok(StoredFile { id, key, name, size, sha256 })
    }
}
