//! Organizations (单位): enterprises, universities, institutes and others that apply, alone or in
//! consortia, identified by their unified social credit code.

use serde::{Deserialize, Serialize};

use crate::error::{Collector, required_text};
use crate::industry::IndustryCode;
use crate::region::RegionCode;
use crate::uscc::CreditCode;
use crate::{Error, FieldError};

/// What kind of organization it is; consortia are meant to mix them (产学研用).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum OrgKind {
    /// 企业
    Enterprise,
    /// 高校
    University,
    /// 科研院所
    ResearchInstitute,
    /// 新型研发机构
    NewRndInstitution,
    /// 医院
    Hospital,
    /// 其他
    Other,
}

impl OrgKind {
    /// All kinds.
    pub const ALL: [Self; 6] = [
        Self::Enterprise,
        Self::University,
        Self::ResearchInstitute,
        Self::NewRndInstitution,
        Self::Hospital,
        Self::Other,
    ];

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enterprise => "enterprise",
            Self::University => "university",
            Self::ResearchInstitute => "research_institute",
            Self::NewRndInstitution => "new_rnd_institution",
            Self::Hospital => "hospital",
            Self::Other => "other",
        }
    }

    /// Chinese name.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Enterprise => "企业",
            Self::University => "高校",
            Self::ResearchInstitute => "科研院所",
            Self::NewRndInstitution => "新型研发机构",
            Self::Hospital => "医院",
            Self::Other => "其他",
        }
    }

    /// English name.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::Enterprise => "Enterprise",
            Self::University => "University",
            Self::ResearchInstitute => "Research institute",
            Self::NewRndInstitution => "New R&D institution",
            Self::Hospital => "Hospital",
            Self::Other => "Other",
        }
    }

    /// Accepts the snake_case or the Chinese name.
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let text = text.trim();
        Self::ALL.into_iter().find(|k| k.as_str() == text || k.label_zh() == text).ok_or_else(|| {
            FieldError::new("kind", format!("单位类型「{text}」无效 / unknown organization kind '{text}'"))
        })
    }
}

/// An organization as a form or the API gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganizationInput {
    /// Registered name.
    pub name: String,
    /// Unified social credit code.
    pub credit_code: String,
    /// Kind, snake_case or Chinese.
    pub kind: String,
    /// GB/T 2260 code or name of where it is registered.
    pub region: String,
    /// GB/T 4754 divisions it works in.
    pub industries: Vec<String>,
}

/// A validated organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewOrganization {
    /// Name.
    pub name: String,
    /// Credit code.
    pub credit_code: CreditCode,
    /// Kind.
    pub kind: OrgKind,
    /// Region.
    pub region: RegionCode,
    /// Industries (may be empty for, e.g., universities).
    pub industries: Vec<IndustryCode>,
}

impl OrganizationInput {
    /// Checks every field.
    pub fn validate(&self) -> Result<NewOrganization, Error> {
        let mut c = Collector::default();
        let name = c.check(required_text("name", &self.name, 100));
        let credit_code = c.check(CreditCode::parse(&self.credit_code));
        let kind = c.check(OrgKind::parse(&self.kind));
        let region = c.check(RegionCode::parse(&self.region));
        let industries = if self.industries.iter().all(|i| i.trim().is_empty()) {
            Some(Vec::new())
        } else {
            c.check(IndustryCode::parse_list(&self.industries.join(",")))
        };
        c.finish(|| NewOrganization {
            name: name.unwrap_or_default(),
            credit_code: credit_code.expect("checked"),
            kind: kind.expect("checked"),
            region: region.expect("checked"),
            industries: industries.unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn every_kind_has_a_name_in_each_language() {
        for kind in OrgKind::ALL {
            assert!(!kind.label_en().contains('_') && kind.label_en() != kind.label_zh(), "{kind:?}");
            assert_eq!(OrgKind::parse(kind.label_zh()).unwrap(), kind);
        }
    }

    use super::*;

    #[test]
    fn a_university_with_a_public_institution_code_is_accepted() {
        let input = OrganizationInput {
            name: "山东大学".into(),
            credit_code: CreditCode::with_check_character("12370000495570000").unwrap().to_string(),
            kind: "高校".into(),
            region: "济南".into(),
            industries: vec![],
        };
        let org = input.validate().unwrap();
        assert_eq!((org.kind, org.region.code()), (OrgKind::University, "370100"));
    }

    #[test]
    fn bad_code_kind_and_region_are_all_reported() {
        let input = OrganizationInput {
            name: "x".into(),
            credit_code: "91350100M000100Y4Z".into(),
            kind: "公司".into(),
            region: "莱芜市".into(),
            industries: vec![],
        };
        let err = input.validate().unwrap_err();
        let fields: Vec<_> = err.field_errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["credit_code", "kind", "region"]);
    }
}
