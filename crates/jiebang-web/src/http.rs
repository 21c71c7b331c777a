//! HTTP plumbing the API and the pages share: percent-encoding, the flash cookie, multipart
//! forms with their uploads, downloads. No use case lives here.

use std::collections::BTreeMap;

use axum::extract::Multipart;
use axum::http::{HeaderMap, StatusCode};
use jiebang_store::signing::Signer;
use jiebang_store::{DatasetFileInput, ScoringSpec, StoredFile};

use crate::AppState;
use crate::error::ApiError;

/// Percent-encodes `text` for a URL (or a `filename*` header value).
pub(crate) fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The cookie that carries a message to the next page ([`flash_cookie`]).
pub(crate) const FLASH_COOKIE: &str = "jiebang_flash";

/// How long a flash waits to be shown.
const FLASH_SECONDS: i64 = 300;

/// Longest flash message kept, in characters.
const FLASH_CHARS: usize = 600;

/// The `Set-Cookie` value that removes a flash once a page has shown it.
pub(crate) const CLEAR_FLASH: &str = "jiebang_flash=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0";

/// A message shown once on the next page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Flash {
    /// What an action did.
    Done(String),
    /// Why it was refused.
    Error(String),
}

impl Flash {
    fn kind(&self) -> &'static str {
        match self {
            Self::Done(_) => "done",
            Self::Error(_) => "error",
        }
    }

    pub(crate) fn message(&self) -> &str {
        match self {
            Self::Done(m) | Self::Error(m) => m,
        }
    }

    pub(crate) fn is_error(&self) -> bool {
        matches!(self, Self::Error(_))
    }
}

fn flash_payload(until: i64, kind: &str, message: &str) -> String {
    format!("jiebang-flash\n{until}\n{kind}\n{message}")
}

/// A message to show once on the next page, as a `Set-Cookie` value: short-lived, `HttpOnly`
/// and signed by the platform. Never text in a URL, where any link could put words of its own
/// in an official alert box.
pub(crate) fn flash_cookie(signer: &Signer, flash: &Flash) -> String {
    let message: String = flash.message().chars().take(FLASH_CHARS).collect();
    let until = jiebang_store::now_ms() + FLASH_SECONDS * 1000;
    let kind = flash.kind();
    let sig = signer.sign(flash_payload(until, kind, &message).as_bytes());
    let text = hex::encode(message.as_bytes());
    format!("{FLASH_COOKIE}={text}.{until}.{kind}.{sig}; Path=/; HttpOnly; SameSite=Lax; Max-Age={FLASH_SECONDS}")
}

/// The request's flash, if the platform signed it and it has not expired.
pub(crate) fn read_flash(signer: &Signer, headers: &HeaderMap) -> Option<Flash> {
    let mut parts = crate::auth::cookie(headers, FLASH_COOKIE)?.splitn(4, '.');
    let message = String::from_utf8(hex::decode(parts.next()?).ok()?).ok()?;
    let until = parts.next()?.parse::<i64>().ok()?;
    let kind = parts.next()?;
    let sig = parts.next()?;
    let payload = flash_payload(until, kind, &message);
    let signed = jiebang_store::signing::verify(&signer.public_key_hex(), payload.as_bytes(), sig);
    if !signed || jiebang_store::now_ms() > until {
        return None;
    }
    match kind {
        "done" => Some(Flash::Done(message)),
        "error" => Some(Flash::Error(message)),
        _ => None,
    }
}

/// A redirect to `to` that shows `flash` on the page it leads to.
pub(crate) fn redirect_with(signer: &Signer, to: &str, flash: Flash) -> axum::response::Response {
    use axum::response::IntoResponse;
    let cookie = flash_cookie(signer, &flash);
    (axum::response::AppendHeaders([(axum::http::header::SET_COOKIE, cookie)]), axum::response::Redirect::to(to))
        .into_response()
}

/// A redirect that shows `message` on the page it leads to: the success message after an action.
pub(crate) fn done(signer: &Signer, to: &str, message: &str) -> axum::response::Response {
    redirect_with(signer, to, Flash::Done(message.to_owned()))
}

/// A multipart form: text fields by name, files streamed into the file store as they arrive
/// (never held in memory), as `(field, stored file)`.
pub(crate) struct Form {
    pub(crate) text: BTreeMap<String, String>,
    pub(crate) files: Vec<(String, StoredFile)>,
}

/// Longest text field accepted.
pub(crate) const MAX_TEXT_FIELD: usize = 64 << 10;

/// Reads a multipart form, streaming each file (at most `max_file_bytes`) into the file store.
pub(crate) async fn read_form(
    state: &AppState,
    mut multipart: Multipart,
    max_file_bytes: u64,
    uploader: i64,
) -> Result<Form, ApiError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge(format!("请求超过上限 / the request exceeds the limit: {}", e.body_text()))
        } else {
            ApiError::BadRequest(e.body_text())
        }
    };
    // Before any byte is read: the uploader's daily volume.
    let since = format!("{}T00:00:00Z", time::OffsetDateTime::now_utc().date());
    let today = state.store.uploaded_bytes_since(uploader, &since).await?;
    if today as u64 >= state.config.daily_upload_bytes {
        return Err(ApiError::TooMany {
            retry_after_s: 3600,
            message: format!(
                "今日上传已达 {} MiB 上限，请明日再试 / today's uploads reached the limit of {} MiB; try again tomorrow",
                state.config.daily_upload_bytes >> 20,
                state.config.daily_upload_bytes >> 20
            ),
        });
    }
    let mut form = Form { text: BTreeMap::new(), files: Vec::new() };
    let read = async {
        while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
            let name = field.name().unwrap_or_default().to_owned();
            match field.file_name().map(str::to_owned) {
                // A file input left empty: browsers send it with no name and no bytes.
                Some(file_name) if file_name.is_empty() => {}
                Some(file_name) => {
                    let file = state
                        .store
                        .save_stream(&state.files, &file_name, &mut field, max_file_bytes, Some(uploader))
                        .await?;
                    form.files.push((name, file));
                }
                None => {
                    let mut value = Vec::new();
                    while let Some(chunk) = field.chunk().await.map_err(bad)? {
                        value.extend_from_slice(&chunk);
                        if value.len() > MAX_TEXT_FIELD {
                            return Err(jiebang_core::Error::invalid(name, "字段过长 / the field is too long").into());
                        }
                    }
                    form.text.insert(name, String::from_utf8_lossy(&value).into_owned());
                }
            }
        }
        Ok(())
    }
    .await;
    match read {
        Ok(()) => Ok(form),
        Err(error) => {
            discard(state, &form.uploads(), uploader).await;
            Err(error)
        }
    }
}

/// Uses an uploaded form; when that fails (a quota, a closed phase, a file of the wrong kind),
/// its uploads are discarded rather than kept for nothing.
pub(crate) async fn with_uploads<T, F>(
    state: &AppState,
    uploader: i64,
    form: Form,
    use_form: impl FnOnce(Form) -> F,
) -> Result<T, ApiError>
where
    F: std::future::Future<Output = Result<T, ApiError>>,
{
    let uploads = form.uploads();
    let result = use_form(form).await;
    if result.is_err() {
        discard(state, &uploads, uploader).await;
    }
    result
}

pub(crate) async fn discard(state: &AppState, uploads: &[jiebang_store::StoredFile], uploader: i64) {
    for file in uploads {
        if let Err(error) = state.store.discard_upload(&state.files, file, uploader).await {
            tracing::warn!(%error, file = file.id, "could not discard a refused upload");
        }
    }
}

impl Form {
    /// The files stored for this form.
    pub(crate) fn uploads(&self) -> Vec<jiebang_store::StoredFile> {
        self.files.iter().map(|(_, file)| file.clone()).collect()
    }

    pub(crate) fn text(&self, name: &str, default: &str) -> String {
        self.text.get(name).map_or(default, |v| v.trim()).to_owned()
    }

    /// A field of one item a line (commas also separate metric names).
    pub(crate) fn lines(&self, name: &str) -> Vec<String> {
        let text = self.text(name, "");
        let separators: &[char] = if name == "refusal_phrases" { &['\n'] } else { &['\n', ',', '，'] };
        text.split(separators).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
    }

    /// A dataset upload: the scoring fields, the note, and each file under its purpose.
    pub(crate) fn into_dataset(self) -> (ScoringSpec, String, Vec<DatasetFileInput>) {
        let scoring = ScoringSpec {
            task: self.text("task", ""),
            id_column: self.text("id_column", "id"),
            label_column: self.text("label_column", "label"),
            split_column: self.text("split_column", ""),
            positive_label: self.text("positive_label", ""),
            metrics: self.lines("metrics"),
            refusal_phrases: self.lines("refusal_phrases"),
            rules: self.lines("rules"),
        };
        let note = self.text("note", "");
        let files = self.files.into_iter().map(|(purpose, file)| DatasetFileInput { purpose, file }).collect();
        (scoring, note, files)
    }
}

/// Refuses a form unless every file in it is a PDF, naming each that is not.
pub(crate) async fn require_pdfs(state: &AppState, form: &Form) -> Result<(), ApiError> {
    let mut problems = Vec::new();
    for (_, file) in &form.files {
        let head = state.files.get(&file.key).await?;
        if !head.starts_with(b"%PDF-") {
            problems.push(jiebang_core::FieldError::new(
                "file",
                format!("「{}」不是 PDF 文件 / '{}' is not a PDF", file.name, file.name),
            ));
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(jiebang_core::Error::Invalid(problems).into()) }
}

/// Reads one text field and the first file of a small multipart upload (held in memory, at most
/// `max_bytes`): `(text, file name, bytes)`; a missing file is a field error of `file`.
pub(crate) async fn read_text_and_file(
    mut multipart: Multipart,
    text_field: &str,
    max_bytes: usize,
) -> Result<(String, String, Vec<u8>), ApiError> {
    let too_large =
        || ApiError::TooLarge(format!("文件超过 {} MB / the file exceeds {} MB", max_bytes >> 20, max_bytes >> 20));
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE { too_large() } else { ApiError::BadRequest(e.body_text()) }
    };
    let (mut text, mut file) = (String::new(), None);
    while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().filter(|n| !n.is_empty()).map(str::to_owned);
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(bad)? {
            bytes.extend_from_slice(&chunk);
            if bytes.len() > max_bytes {
                return Err(too_large());
            }
        }
        match file_name {
            Some(file_name) if file.is_none() => file = Some((file_name, bytes)),
            None if name == text_field => text = String::from_utf8_lossy(&bytes).into_owned(),
            _ => {}
        }
    }
    let (file_name, bytes) = file.ok_or_else(|| jiebang_core::Error::invalid("file", "请选择文件 / choose a file"))?;
    Ok((text, file_name, bytes))
}

/// Reads the first file field of a multipart upload.
pub(crate) async fn read_upload(mut multipart: Multipart, max_bytes: usize) -> Result<(String, Vec<u8>), ApiError> {
    let too_large =
        || ApiError::TooLarge(format!("文件超过 {} MB / the file exceeds {} MB", max_bytes >> 20, max_bytes >> 20));
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE { too_large() } else { ApiError::BadRequest(e.body_text()) }
    };
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let Some(name) = field.file_name().map(str::to_owned) else { continue };
        let bytes = field.bytes().await.map_err(bad)?;
        if bytes.len() > max_bytes {
            return Err(too_large());
        }
        return Ok((name, bytes.to_vec()));
    }
    Err(jiebang_core::Error::invalid("file", "请选择要上传的文件 / choose a file to upload").into())
}

/// The body limit of the attachment routes: one attachment and room for the form around it.
pub(crate) fn attachment_body_limit() -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(crate::app::selection::MAX_ATTACHMENT_BYTES as usize + (1 << 20))
}

/// A file to save, under its name (RFC 6266 `filename*` for Chinese names), never cached.
pub(crate) fn download(content_type: &'static str, name: &str, bytes: Vec<u8>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let disposition = format!("attachment; filename*=UTF-8''{}", urlencode(name));
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
            (axum::http::header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}
