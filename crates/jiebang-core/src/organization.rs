//! Organizations (单位): enterprises, universities, institutes and others that apply, alone or in
//! consortia, identified by their unified social credit code.

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::error::{Collector, required_text};
use crate::industry::IndustryCode;
use crate::region::RegionCode;
use crate::uscc::CreditCode;

named_enum!(
    /// What kind of organization it is; consortia are meant to mix them (产学研用).
    OrgKind {
        /// 企业
        Enterprise = "enterprise" / "企业" / "Enterprise",
        /// 高校
        University = "university" / "高校" / "University",
        /// 科研院所
        ResearchInstitute = "research_institute" / "科研院所" / "Research institute",
        /// 新型研发机构
        NewRndInstitution = "new_rnd_institution" / "新型研发机构" / "New R&D institution",
        /// 医院
        Hospital = "hospital" / "医院" / "Hospital",
        /// 其他
        Other = "other" / "其他" / "Other",
    }
);

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
        let kind = c.check(OrgKind::parse("kind", &self.kind));
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
        for &kind in OrgKind::ALL {
            assert!(!kind.label_en().contains('_') && kind.label_en() != kind.label_zh(), "{kind:?}");
            assert_eq!(OrgKind::parse("kind", kind.label_zh()).unwrap(), kind);
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
