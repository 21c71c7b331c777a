//! `named_enum!`: an enum stored and sent by a snake_case name, shown by a Chinese or an English
//! label.

macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal / $zh:literal / $en:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value.
            pub const ALL: &[Self] = &[$(Self::$variant),+];

            /// The snake_case name stored and sent.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }

            /// The Chinese name shown on pages.
            pub fn label_zh(self) -> &'static str {
                match self {
                    $(Self::$variant => $zh),+
                }
            }

            /// The English name shown on pages.
            pub fn label_en(self) -> &'static str {
                match self {
                    $(Self::$variant => $en),+
                }
            }

            /// Parses the snake_case name or the Chinese label (as spreadsheets write it);
            /// `field` is named in the error.
            pub fn parse(field: &str, text: &str) -> Result<Self, $crate::FieldError> {
                let text = text.trim();
                Self::ALL.iter().copied().find(|v| v.as_str() == text || v.label_zh() == text).ok_or_else(|| {
                    let known = Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ");
                    $crate::FieldError::new(field, format!("未知取值「{text}」，应为 {known} 之一 / unknown value '{text}', expected one of {known}"))
                })
            }
        }

        /// Reads a stored name, as a database column adapter does.
        impl TryFrom<String> for $name {
            type Error = $crate::FieldError;

            fn try_from(text: String) -> Result<Self, Self::Error> {
                Self::parse(stringify!($name), &text)
            }
        }

        impl $crate::Labelled for $name {
            fn label_zh(self) -> &'static str {
                $name::label_zh(self)
            }

            fn label_en(self) -> &'static str {
                $name::label_en(self)
            }
        }
    };
}
