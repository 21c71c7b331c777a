//! The crate's one error type, and the field-level error that names what is wrong and where.

use serde::Serialize;

/// One problem with one input field, phrased for the person who typed it.
///
/// Messages are Chinese first, then English after " / ", because the platform's users read
/// Chinese first and its API clients may not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The field's name as the API and forms spell it, e.g. `credit_code` or `indicators[1].threshold`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    /// A problem with `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }

    /// The same problem, reported under a parent field (`indicators[0]` + `threshold`).
    pub fn within(self, parent: &str) -> Self {
        Self { field: format!("{parent}.{}", self.field), ..self }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

/// Why a domain operation refused its input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// One or more fields are invalid; every problem found is listed, not just the first.
    #[error("输入有误 / invalid input: {}", join(.0))]
    Invalid(Vec<FieldError>),
    /// A lifecycle state may not move to the requested state.
    #[error("不允许从「{from}」变为「{to}」 / transition from {from} to {to} is not allowed")]
    Transition {
        /// The current state.
        from: String,
        /// The requested state.
        to: String,
    },
}

impl Error {
    /// A single invalid field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }

    /// The field errors, if this is a validation error.
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::Invalid(errors) => errors,
            Self::Transition { .. } => &[],
        }
    }
}

impl From<FieldError> for Error {
    fn from(error: FieldError) -> Self {
        Self::Invalid(vec![error])
    }
}

fn join(errors: &[FieldError]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

/// Collects field errors while a whole input is checked, so a form reports every problem at once.
#[derive(Debug, Default)]
pub struct Collector {
    errors: Vec<FieldError>,
}

impl Collector {
    /// Keeps the value of `result`, or records its error and returns `None`.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.errors.push(error);
                None
            }
        }
    }

    /// Records an error directly.
    pub fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    /// Records every error of a nested validation, prefixed with `parent`.
    pub fn extend_within(&mut self, parent: &str, errors: Vec<FieldError>) {
        self.errors.extend(errors.into_iter().map(|e| e.within(parent)));
    }

    /// `Ok(value)` when nothing was recorded; `value` is only built then.
    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, Error> {
        if self.errors.is_empty() { Ok(value()) } else { Err(Error::Invalid(self.errors)) }
    }
}

/// Trims `value` and requires it to be non-empty and at most `max_chars` characters.
pub fn required_text(field: &str, value: &str, max_chars: usize) -> Result<String, FieldError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(FieldError::new(field, "必填 / required"));
    }
    optional_text(field, trimmed, max_chars)
}

/// Trims `value` and requires it to be at most `max_chars` characters (empty is allowed).
pub fn optional_text(field: &str, value: &str, max_chars: usize) -> Result<String, FieldError> {
    let trimmed = value.trim();
    let n = trimmed.chars().count();
    if n > max_chars {
        return Err(FieldError::new(
            field,
            format!("过长：{n} 字，最多 {max_chars} 字 / too long: {n} characters, at most {max_chars}"),
        ));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collector_reports_every_error_not_just_the_first() {
        let mut c = Collector::default();
        c.check(required_text("title", " ", 10));
        c.check(required_text("code", "12345678901", 10));
        let err = c.finish(|| ()).unwrap_err();
        let fields: Vec<_> = err.field_errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "code"]);
    }

    #[test]
    fn text_is_trimmed_and_counted_in_characters_not_bytes() {
        assert_eq!(required_text("t", "  化工大模型 ", 5).unwrap(), "化工大模型");
        assert!(required_text("t", "化工行业大模型", 5).is_err());
    }
}
