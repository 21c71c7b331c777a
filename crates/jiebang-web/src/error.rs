//! The one mapping from errors to HTTP: every failure becomes
//! `{"error": {"code", "message", "details"}}` with a fitting status. Pages render the same
//! information as HTML (see `pages`).

use axum::Json;
use axum::extract::rejection::{FormRejection, JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiebang_core::FieldError;
use jiebang_sheets::{RowError, SheetError};
use jiebang_store::StoreError;
use serde::Serialize;

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No valid session or token (401).
    #[error("not signed in")]
    Unauthenticated,
    /// Signed in, but not allowed (403).
    #[error("not allowed")]
    Forbidden,
    /// No such thing, or not visible to the caller (404).
    #[error("not found: {0}")]
    NotFound(String),
    /// Malformed request: bad JSON, query or path (400).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Well-formed but invalid fields (422).
    #[error("{} invalid field(s)", .0.len())]
    Invalid(Vec<FieldError>),
    /// A spreadsheet with problems (422), every bad row listed.
    #[error("spreadsheet: {0}")]
    Sheet(SheetError),
    /// Clashes with existing data or the current state (409).
    #[error("{code}: {message}")]
    Conflict {
        /// Machine code, e.g. `conflict` or `invalid_transition`.
        code: &'static str,
        /// The field concerned, if any.
        field: Option<String>,
        /// Explanation.
        message: String,
    },
    /// Upload larger than allowed (413).
    #[error("too large: {0}")]
    TooLarge(String),
    /// Too many requests (429), with the seconds to wait in `Retry-After`.
    #[error("too many requests: {message}")]
    TooMany {
        /// Seconds until a retry may succeed.
        retry_after_s: u64,
        /// Explanation.
        message: String,
    },
    /// A part of this installation is missing (503), e.g. a CJK font for printing: the
    /// message says what to install.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// Our fault (500); details are logged, not sent.
    #[error("internal: {0}")]
    Internal(String),
}

/// A detail entry of the error envelope.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Field name, for form and JSON errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Spreadsheet row, for import errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
    /// Spreadsheet column header, for import errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// The error envelope's body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Machine-readable code, one of:
    /// - `unauthenticated` (401): not signed in, or a wrong token;
    /// - `forbidden` (403): signed in without the role this needs;
    /// - `cross_site` (403): a form posted from another site;
    /// - `not_found` (404): no such thing, or one the caller may not know of;
    /// - `bad_request` (400): a request that cannot be read;
    /// - `invalid` (422): fields or rows with problems, each in `details`;
    /// - `conflict` (409): a value that must be unique is taken (`details` names the field);
    /// - `refused` (409): a rule of the program refuses it now (a quota, a deadline, a state);
    /// - `invalid_transition` (409): a status that cannot move that way;
    /// - `not_published` (409): results not yet published to this caller;
    /// - `not_registered` (409): the team is not registered for the challenge;
    /// - `too_large` (413): a body or a file over its limit;
    /// - `unavailable` (503): this installation lacks a part (a CJK font to print with); the
    ///   message says what to install;
    /// - `too_many_requests` (429): slow down (sign-in attempts, uploads per day, a busy hasher);
    /// - `internal` (500): a fault of the platform, logged with its details.
    pub code: &'static str,
    /// Human-readable explanation (Chinese / English).
    pub message: String,
    /// Per-field or per-row problems.
    pub details: Vec<ErrorDetail>,
}

/// `{"error": …}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorEnvelope {
    /// The error.
    pub error: ErrorBody,
}

impl ApiError {
    /// Status, code, message and details.
    pub fn parts(&self) -> (StatusCode, ErrorBody) {
        let body = |code, message: String, details| ErrorBody { code, message, details };
        match self {
            Self::Unauthenticated => {
                (StatusCode::UNAUTHORIZED, body("unauthenticated", "请先登录 / sign in first".into(), vec![]))
            }
            Self::Forbidden => (
                StatusCode::FORBIDDEN,
                body("forbidden", "无权执行此操作 / you are not allowed to do this".into(), vec![]),
            ),
            Self::NotFound(what) => (StatusCode::NOT_FOUND, body("not_found", what.clone(), vec![])),
            Self::BadRequest(message) => (StatusCode::BAD_REQUEST, body("bad_request", message.clone(), vec![])),
            Self::Invalid(errors) => {
                let details = errors
                    .iter()
                    .map(|e| ErrorDetail {
                        field: Some(e.field.clone()),
                        row: None,
                        column: None,
                        message: e.message.clone(),
                    })
                    .collect();
                let message = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
                (StatusCode::UNPROCESSABLE_ENTITY, body("invalid", message, details))
            }
            Self::Sheet(error) => {
                let details = match error {
                    SheetError::Rows { errors, .. } => errors.iter().map(row_detail).collect(),
                    _ => vec![],
                };
                (StatusCode::UNPROCESSABLE_ENTITY, body("invalid", error.to_string(), details))
            }
            Self::Conflict { code, field, message } => {
                let details = field
                    .iter()
                    .map(|f| ErrorDetail { field: Some(f.clone()), row: None, column: None, message: message.clone() })
                    .collect();
                (StatusCode::CONFLICT, body(code, message.clone(), details))
            }
            Self::TooLarge(message) => (StatusCode::PAYLOAD_TOO_LARGE, body("too_large", message.clone(), vec![])),
            Self::TooMany { message, .. } => {
                (StatusCode::TOO_MANY_REQUESTS, body("too_many_requests", message.clone(), vec![]))
            }
            Self::Unavailable(message) => {
                (StatusCode::SERVICE_UNAVAILABLE, body("unavailable", message.clone(), vec![]))
            }
            Self::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                body("internal", "服务器内部错误，已记录 / internal error; it has been logged".into(), vec![]),
            ),
        }
    }

    /// The field errors, for forms that show them next to their inputs.
    pub fn field_errors(&self) -> Vec<FieldError> {
        match self {
            Self::Invalid(errors) => errors.clone(),
            Self::Conflict { field: Some(field), message, .. } => vec![FieldError::new(field.clone(), message.clone())],
            _ => vec![],
        }
    }
}

fn row_detail(e: &RowError) -> ErrorDetail {
    ErrorDetail { field: None, row: Some(e.row), column: e.column.clone(), message: e.message.clone() }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let (status, error) = self.parts();
        let mut response = (status, Json(ErrorEnvelope { error })).into_response();
        if let Self::TooMany { retry_after_s, .. } = self {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, retry_after_s.into());
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { .. } => Self::NotFound(error.to_string()),
            StoreError::Conflict { field, message } => Self::Conflict { code: "conflict", field: Some(field), message },
            StoreError::Refused(message) => Self::Conflict { code: "refused", field: None, message },
            e @ StoreError::TooLarge(_) => Self::TooLarge(e.to_string()),
            StoreError::Busy { retry_after_s, message } => Self::TooMany { retry_after_s, message },
            e @ StoreError::Upload(_) => Self::BadRequest(e.to_string()),
            StoreError::Domain(error) => error.into(),
            StoreError::Sheet(error) => error.into(),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<jiebang_core::Error> for ApiError {
    fn from(error: jiebang_core::Error) -> Self {
        match error {
            jiebang_core::Error::Invalid(errors) => Self::Invalid(errors),
            e @ jiebang_core::Error::Transition { .. } => {
                Self::Conflict { code: "invalid_transition", field: Some("status".into()), message: e.to_string() }
            }
        }
    }
}

impl From<SheetError> for ApiError {
    fn from(error: SheetError) -> Self {
        match error {
            SheetError::Write(message) => Self::Internal(message),
            other => Self::Sheet(other),
        }
    }
}

// axum explains a rejected request in English; the envelope says it in Chinese first.

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let text = rejection.body_text();
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => Self::TooLarge(format!("请求体过大 / {text}")),
            StatusCode::UNPROCESSABLE_ENTITY => {
                Self::Invalid(vec![FieldError::new("body", format!("请求体与接口定义不符 / {text}"))])
            }
            _ => Self::BadRequest(format!("请求体无法读取 / {text}")),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::BadRequest(format!("查询参数无效 / {}", rejection.body_text()))
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        Self::NotFound(format!("网址无效 / {}", rejection.body_text()))
    }
}

impl From<FormRejection> for ApiError {
    fn from(rejection: FormRejection) -> Self {
        Self::BadRequest(format!("表单无法读取 / {}", rejection.body_text()))
    }
}

/// JSON body extractor whose failures use the error envelope.
#[derive(Debug, axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// Query extractor whose failures use the error envelope.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// Path extractor whose failures use the error envelope.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);
