//! The 揭榜挂帅 domain, free of IO: validated identifiers (unified social credit codes, GB/T 2260
//! regions, GB/T 4754 industries), programs with their rules and lifecycle, challenges and their
//! structured indicators, and who may do what.
//!
//! Everything here is a pure function or a type that can only hold valid values ("parse, don't
//! validate"). Storage, HTTP and files live in other crates; this one must stay fast to compile
//! and trivially testable.

#[macro_use]
mod macros;

pub mod answers;
pub mod application;
pub mod calendar;
pub mod canonical;
pub mod catalogue;
pub mod challenge;
pub mod dataset_card;
pub mod delivery;
pub mod error;
pub mod evaluation;
pub mod indicator;
pub mod industry;
pub mod organization;
pub mod password;
pub mod program;
pub mod project;
pub mod publicity;
pub mod region;
pub mod report;
pub mod review;
pub mod role;
pub mod scenario;
pub mod sketch;
pub mod text;
pub mod uscc;

pub use error::{Error, FieldError};

/// A value shown on pages by a Chinese or an English label (every `named_enum!`).
pub trait Labelled: Copy {
    /// The Chinese label.
    fn label_zh(self) -> &'static str;
    /// The English label.
    fn label_en(self) -> &'static str;
}

impl<T: Labelled> Labelled for &T {
    fn label_zh(self) -> &'static str {
        (*self).label_zh()
    }

    fn label_en(self) -> &'static str {
        (*self).label_en()
    }
}
