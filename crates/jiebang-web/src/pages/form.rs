//! Form state for pages: the submitted values (so a refused form comes back filled in) and the
//! field errors, shown next to their inputs.

use jiebang_core::FieldError;

use crate::i18n::Lang;

/// Submitted values and their errors.
#[derive(Debug, Default)]
pub(crate) struct FormState {
    values: Vec<(String, String)>,
    errors: Vec<FieldError>,
    /// Fields whose errors the template shows beside an input.
    placed: &'static [&'static str],
    /// The language the unplaced errors name their fields in.
    lang: Lang,
}

impl FormState {
    pub(crate) fn new(values: Vec<(String, String)>, placed: &'static [&'static str]) -> Self {
        Self { values, errors: Vec::new(), placed, lang: Lang::Zh }
    }

    /// The form with its errors, said in `lang` (the store and the core write both languages).
    pub(crate) fn with_errors(mut self, errors: Vec<FieldError>, lang: Lang) -> Self {
        self.errors = errors.into_iter().map(|e| FieldError { message: lang.pick(&e.message), ..e }).collect();
        self.lang = lang;
        self
    }

    /// The first value of a field, or "".
    pub(crate) fn get(&self, name: &str) -> &str {
        self.values.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }

    /// Every value of a repeated field.
    pub(crate) fn all(&self, name: &str) -> Vec<&str> {
        self.values.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    /// Whether a repeated field holds `value`.
    pub(crate) fn has(&self, name: &str, value: &str) -> bool {
        self.values.iter().any(|(k, v)| k == name && v == value)
    }

    /// Whether a checkbox was ticked.
    pub(crate) fn checked(&self, name: &str) -> bool {
        !self.get(name).is_empty()
    }

    /// The messages for one field.
    pub(crate) fn err(&self, name: &str) -> Option<String> {
        let messages: Vec<_> = self.errors.iter().filter(|e| e.field == name).map(|e| e.message.as_str()).collect();
        (!messages.is_empty()).then(|| messages.join("；"))
    }

    pub(crate) fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Whether the template shows `field`'s errors beside an input: a placed name ending in `[`
    /// covers every row of that list.
    fn is_placed(&self, field: &str) -> bool {
        field.starts_with("indicators[")
            || self.placed.iter().any(|p| *p == field || (p.ends_with('[') && field.starts_with(p)))
    }

    /// Errors no input shows, listed at the top of the form.
    pub(crate) fn unplaced(&self) -> Vec<String> {
        self.errors.iter().filter(|e| !self.is_placed(&e.field)).map(|e| self.lang.field_error(e)).collect()
    }
}

/// Parses an optional whole number; an unparsable one becomes an error for `field`.
pub(crate) fn optional_number<T: std::str::FromStr>(
    text: &str,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match text.parse() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.push(FieldError::new(field, format!("「{text}」不是有效数字 / '{text}' is not a valid number")));
            None
        }
    }
}
