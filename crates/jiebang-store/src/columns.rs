//! Column adapters for `#[derive(FromRow)]`.
//!
//! Both databases are reached through sqlx's `Any` driver, which hands over only integers,
//! floats, text and bytes. Records therefore name, per field, the adapter that turns the stored
//! value into the domain value: `#[sqlx(try_from = "Flag")]` for a 0/1 integer,
//! `#[sqlx(try_from = "JsonText<Rules>")]` for a JSON document in a text column,
//! `#[sqlx(try_from = "String")]` for a `named_enum!` or a `Day`. A value that does not decode is
//! reported as [`StoreError::Corrupt`] naming the column.

use serde::de::DeserializeOwned;
use sqlx::any::{AnyRow, AnyTypeInfo, AnyValueRef};
use sqlx::error::BoxDynError;
use sqlx::{Any, Decode, FromRow, Type, ValueRef};

use crate::{Result, StoreError};

/// Reads one record, reporting an undecodable column as corrupt data rather than a database
/// failure.
pub(crate) fn record<T: for<'r> FromRow<'r, AnyRow>>(row: &AnyRow) -> Result<T> {
    T::from_row(row).map_err(|e| match e {
        // sqlx quotes the column name when the value itself does not decode.
        sqlx::Error::ColumnDecode { index, source } => {
            StoreError::corrupt(format!("{}: {source}", index.trim_matches('"')))
        }
        other => StoreError::Database(other),
    })
}

/// A 0/1 integer column read as a `bool` (SQLite has no boolean type, so both schemas use
/// integers).
pub(crate) struct Flag(bool);

impl From<Flag> for bool {
    fn from(flag: Flag) -> Self {
        flag.0
    }
}

impl Type<Any> for Flag {
    fn type_info() -> AnyTypeInfo {
        <i64 as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        <i64 as Type<Any>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Any> for Flag {
    fn decode(value: AnyValueRef<'r>) -> std::result::Result<Self, BoxDynError> {
        Ok(Self(<i64 as Decode<Any>>::decode(value)? != 0))
    }
}

/// A text column holding a JSON document of type `T`.
pub(crate) struct JsonText<T>(T);

impl<T> Type<Any> for JsonText<T> {
    fn type_info() -> AnyTypeInfo {
        <String as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        <String as Type<Any>>::compatible(ty)
    }
}

impl<'r, T: DeserializeOwned> Decode<'r, Any> for JsonText<T> {
    fn decode(value: AnyValueRef<'r>) -> std::result::Result<Self, BoxDynError> {
        Ok(Self(serde_json::from_str(<&str as Decode<Any>>::decode(value)?)?))
    }
}

/// `impl<T> From<JsonText<T>> for T` is not allowed by the orphan rule, so each document type
/// stored as JSON is named here.
macro_rules! json_documents {
    ($($ty:ty),+ $(,)?) => {
        $(impl From<JsonText<$ty>> for $ty {
            fn from(text: JsonText<$ty>) -> Self {
                text.0
            }
        })+
    };
}

json_documents!(
    jiebang_core::program::Rules,
    jiebang_core::program::Timeline,
    jiebang_core::application::ApplicationInput,
    jiebang_core::publicity::NoticeInput,
    serde_json::Value,
);

/// A nullable text column read through `T`'s parser (`TryFrom<String>`).
pub(crate) struct Maybe<T>(Option<T>);

impl<T> From<Maybe<T>> for Option<T> {
    fn from(maybe: Maybe<T>) -> Self {
        maybe.0
    }
}

impl<T> Type<Any> for Maybe<T> {
    fn type_info() -> AnyTypeInfo {
        <String as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        <String as Type<Any>>::compatible(ty)
    }
}

impl<'r, T> Decode<'r, Any> for Maybe<T>
where
    T: TryFrom<String>,
    T::Error: std::error::Error + Send + Sync + 'static,
{
    fn decode(value: AnyValueRef<'r>) -> std::result::Result<Self, BoxDynError> {
        if value.is_null() {
            return Ok(Self(None));
        }
        Ok(Self(Some(T::try_from(<String as Decode<Any>>::decode(value)?)?)))
    }
}

/// A comma-separated text column (`C26,C27`) read as a list.
pub(crate) struct CommaList(Vec<String>);

impl From<CommaList> for Vec<String> {
    fn from(list: CommaList) -> Self {
        list.0
    }
}

impl Type<Any> for CommaList {
    fn type_info() -> AnyTypeInfo {
        <String as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        <String as Type<Any>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Any> for CommaList {
    fn decode(value: AnyValueRef<'r>) -> std::result::Result<Self, BoxDynError> {
        let text = <&str as Decode<Any>>::decode(value)?;
        Ok(Self(text.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect()))
    }
}
