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
    /// The directory of a local store.
    root: Option<Arc<Path>>,
}

/// Creates `dir` (and its parents) and makes it private to this user (0700): the data directory
/// holds the database, hidden labels and the signing key.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    std::fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
    Ok(())
}

/// Makes a file readable and writable by this user only (0600).
pub fn private_file(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    Ok(())
}

/// What [`Store::collect_unreferenced`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Collected {
    /// `files` records.
    pub records: u64,
    /// Stored objects.
    pub objects: u64,
    /// Their bytes.
    pub bytes: u64,
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
    /// The store a URL names: `s3://bucket[/prefix]` for an S3-compatible service (configured by
    /// the usual `AWS_*` environment variables, e.g. `AWS_ENDPOINT` and `AWS_ALLOW_HTTP` for a
    /// local one; needs the `s3` feature), or a directory (`file:///path` or a plain path).
    pub fn open(url: &str) -> Result<Self> {
        if url.starts_with("s3://") {
            #[cfg(feature = "s3")]
            {
                let store = object_store::aws::AmazonS3Builder::from_env().with_url(url).build()?;
                return Ok(Self { inner: Arc::new(store), root: None });
            }
            #[cfg(not(feature = "s3"))]
            return Err(StoreError::Migration(format!(
                "{url}: 此版本未包含 S3 支持（以 --features s3 构建）/ this build has no S3 support (build with --features s3)"
            )));
        }
        Self::local(Path::new(url.strip_prefix("file://").unwrap_or(url)))
    }

    /// A store in a local directory (created if missing, private to this user).
    pub fn local(dir: &Path) -> Result<Self> {
        private_dir(dir).map_err(|e| StoreError::Migration(format!("{}: {e}", dir.display())))?;
        Ok(Self { inner: Arc::new(LocalFileSystem::new_with_prefix(dir)?), root: Some(dir.into()) })
    }

    /// Makes a stored file private to this user (0600) where the store is a local directory.
    pub fn make_private(&self, key: &str) -> Result<()> {
        match &self.root {
            Some(root) => private_file(&root.join(key)).map_err(|e| StoreError::Upload(format!("{key}: {e}"))),
            None => Ok(()),
        }
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

    /// Streams an upload into the store without holding it in memory: the chunks go to a
    /// temporary object while their sha256 is computed, which then becomes the content address.
    /// More than `max_bytes` is refused ([`StoreError::TooLarge`]) and nothing is kept.
    pub async fn put_stream<S, B, E>(&self, mut chunks: S, max_bytes: u64) -> Result<(String, String, u64)>
    where
        S: futures::Stream<Item = std::result::Result<B, E>> + Unpin,
        B: AsRef<[u8]>,
        E: std::fmt::Display,
    {
        use futures::StreamExt;
        let temporary = ObjectPath::from(format!("tmp/{:032x}", rand::random::<u128>()));
        let mut upload = object_store::WriteMultipart::new(self.inner.put_multipart(&temporary).await?);
        let (mut hasher, mut size) = (Sha256::new(), 0u64);
        let mut failure = None;
        while let Some(chunk) = chunks.next().await {
            match chunk {
                Ok(chunk) => {
                    let chunk = chunk.as_ref();
                    size += chunk.len() as u64;
                    if size > max_bytes {
                        failure = Some(StoreError::TooLarge(max_bytes));
                        break;
                    }
                    hasher.update(chunk);
                    upload.write(chunk);
                }
                Err(e) => {
                    failure = Some(StoreError::Upload(e.to_string()));
                    break;
                }
            }
        }
        if let Some(failure) = failure {
            upload.abort().await?;
            return Err(failure);
        }
        upload.finish().await?;
        let sha256 = hex::encode(hasher.finalize());
        let key = format!("uploads/{sha256}");
        // Same name, same bytes: replacing an existing copy is harmless, and S3 has no
        // rename-if-absent without extra configuration.
        self.inner.rename(&temporary, &ObjectPath::from(key.as_str())).await?;
        Ok((key, sha256, size))
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

    /// Deletes a stored file; one already gone is no error.
    pub async fn delete(&self, key: &str) -> Result<()> {
        match self.inner.delete(&ObjectPath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The uploads (`uploads/…`, `tmp/…`) last written before `before_ms` (milliseconds since
    /// the epoch), with their sizes. Keys elsewhere — the signing key — are never listed.
    pub async fn stale_objects(&self, before_ms: i64) -> Result<Vec<(String, u64)>> {
        use futures::TryStreamExt;
        let mut stale = Vec::new();
        for prefix in ["uploads", "tmp"] {
            let listed: Vec<_> = self.inner.list(Some(&ObjectPath::from(prefix))).try_collect().await?;
            stale.extend(
                listed
                    .into_iter()
                    .filter(|meta| meta.last_modified.timestamp_millis() < before_ms)
                    .map(|meta| (meta.location.to_string(), meta.size)),
            );
        }
        Ok(stale)
    }

    /// Where a stored file lies when the store is a local directory (and the file is there).
    pub fn local_path(&self, key: &str) -> Option<std::path::PathBuf> {
        self.root.as_ref().map(|root| root.join(key)).filter(|path| path.is_file())
    }

    /// Streams a stored file into a local file (created, private), without holding it in
    /// memory.
    pub async fn download(&self, key: &str, target: &Path) -> Result<u64> {
        use futures::StreamExt;
        use tokio::io::AsyncWriteExt;
        let failed = |e: std::io::Error| StoreError::Upload(format!("{}: {e}", target.display()));
        let (size, mut chunks) = self.get_stream(key).await?;
        let mut file = tokio::fs::File::create(target).await.map_err(failed)?;
        while let Some(chunk) = chunks.next().await {
            file.write_all(&chunk?).await.map_err(failed)?;
        }
        file.flush().await.map_err(failed)?;
        private_file(target).map_err(failed)?;
        Ok(size)
    }

    /// Reads a stored file whole.
    pub async fn get(&self, key: &str) -> Result<Vec<u8>> {
        let result = self.inner.get(&ObjectPath::from(key)).await?;
        Ok(result.bytes().await?.to_vec())
    }

    /// A stored file as a stream of chunks, with its size: for sending large files on without
    /// holding them in memory.
    pub async fn get_stream(
        &self,
        key: &str,
    ) -> Result<(u64, futures::stream::BoxStream<'static, std::result::Result<bytes::Bytes, StoreError>>)> {
        use futures::StreamExt;
        let result = self.inner.get(&ObjectPath::from(key)).await?;
        let size = result.meta.size;
        Ok((size, result.into_stream().map(|chunk| chunk.map_err(StoreError::from)).boxed()))
    }
}

impl Store {
    /// Streams an upload into `files` (see [`FileStore::put_stream`]) and records who uploaded
    /// it under which name.
    pub async fn save_stream<S, B, E>(
        &self,
        files: &FileStore,
        name: &str,
        chunks: S,
        max_bytes: u64,
        created_by: Option<i64>,
    ) -> Result<StoredFile>
    where
        S: futures::Stream<Item = std::result::Result<B, E>> + Unpin,
        B: AsRef<[u8]>,
        E: std::fmt::Display,
    {
        let (key, sha256, size) = files.put_stream(chunks, max_bytes).await?;
        self.record_file(key, sha256, size as i64, name, created_by).await
    }

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
        self.record_file(key, sha256, size, name, created_by).await
    }

    /// Removes an upload the platform refused (quota used up, phase closed, not a PDF …): its
    /// record and its bytes go unless something references them, so refused uploads do not
    /// pile up. Only the uploader's own record is removed.
    pub async fn discard_upload(&self, files: &FileStore, file: &StoredFile, uploader: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let removed = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM files WHERE id = $1 AND created_by = $2 AND {}",
            unreferenced("files.id")
        )))
        .bind(file.id)
        .bind(uploader)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        if removed.rows_affected() > 0 {
            files.delete(&file.key).await?;
        }
        Ok(())
    }

    /// Collects what nothing references any more, once it is older than `grace`: `files`
    /// records nothing in `FILE_REFERENCES` names (a crash between
    /// storing an upload and using it leaves one), and stored uploads with no record (an upload
    /// broken off or a record collected). A file in use within `grace` is never touched, so an
    /// upload being recorded right now keeps its bytes. `serve` runs this daily; `jiebang files
    /// gc` on demand.
    pub async fn collect_unreferenced(&self, files: &FileStore, grace: std::time::Duration) -> Result<Collected> {
        let cutoff_ms = crate::now_ms() - i64::try_from(grace.as_millis()).unwrap_or(i64::MAX);
        let cutoff = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(cutoff_ms) * 1_000_000)
            .ok()
            .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
            .unwrap_or_default();
        let mut tx = self.begin_write().await?;
        let removed = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM files WHERE created_at < $1 AND {}",
            unreferenced("files.id")
        )))
        .bind(&cutoff)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        let mut collected = Collected { records: removed.rows_affected(), ..Collected::default() };
        let known: std::collections::HashSet<String> =
            sqlx::query_scalar("SELECT key FROM files").fetch_all(&self.pool).await?.into_iter().collect();
        for (key, size) in files.stale_objects(cutoff_ms).await? {
            if !known.contains(&key) {
                files.delete(&key).await?;
                collected.objects += 1;
                collected.bytes += size;
            }
        }
        Ok(collected)
    }

    /// One stored file's record.
    pub async fn get_file(&self, id: i64) -> Result<StoredFile> {
        let row = sqlx::query("SELECT id, key, name, size, sha256 FROM files WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("file", id))?;
        stored_file(&row)
    }

    /// Bytes `user` uploaded since `since` (RFC 3339), for the daily cap.
    pub async fn uploaded_bytes_since(&self, user: i64, since: &str) -> Result<i64> {
        let total: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(SUM(size) AS BIGINT) FROM files WHERE created_by = $1 AND created_at >= $2",
        )
        .bind(user)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok(total.unwrap_or(0))
    }

    async fn record_file(
        &self,
        key: String,
        sha256: String,
        size: i64,
        name: &str,
        created_by: Option<i64>,
    ) -> Result<StoredFile> {
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

/// Every column that points at a file, as `(table, column)`: a file none of them names is
/// unreferenced. One list, so discarding a refused upload and collecting old ones agree.
const FILE_REFERENCES: &[(&str, &str)] = &[
    ("submissions", "file_id"),
    ("dataset_files", "file_id"),
    ("application_files", "file_id"),
    ("project_files", "file_id"),
    ("import_files", "file_id"),
    ("organizations", "licence_file_id"),
    ("endpoint_runs", "transcript_file_id"),
    ("solution_evidence", "file_id"),
];

/// SQL that holds when nothing references the file whose id is `id` (a column expression).
fn unreferenced(id: &str) -> String {
    FILE_REFERENCES
        .iter()
        .map(|(table, column)| format!("NOT EXISTS (SELECT 1 FROM {table} WHERE {column} = {id})"))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// A `files` row as a [`StoredFile`].
pub(crate) fn stored_file(row: &sqlx::any::AnyRow) -> Result<StoredFile> {
    use sqlx::Row;
    Ok(StoredFile {
        id: row.try_get("id")?,
        key: row.try_get("key")?,
        name: row.try_get("name")?,
        size: row.try_get("size")?,
        sha256: row.try_get("sha256")?,
    })
}
