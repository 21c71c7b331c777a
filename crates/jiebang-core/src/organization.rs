//! Organizations (单位): enterprises, universities, institutes and others that apply, alone or in
//! consortia, identified by their unified social credit code.

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::FieldError;
use crate::error::{Collector, optional_text, required_text};
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
    /// Who to call about the registration (联系人); optional.
    pub contact_name: String,
    /// Their phone (联系电话); optional.
    pub contact_phone: String,
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
    /// 联系人, or "".
    pub contact_name: String,
    /// 联系电话, or "".
    pub contact_phone: String,
}

/// A phone number as people write it: digits with `+`, `-`, spaces or brackets, 7 to 20 digits.
fn phone(value: &str) -> Result<String, FieldError> {
    let value = value.trim();
    let digits = value.chars().filter(char::is_ascii_digit).count();
    let allowed = value.chars().all(|c| c.is_ascii_digit() || "+- ()（）".contains(c));
    if value.is_empty() || (allowed && (7..=20).contains(&digits)) {
        Ok(value.to_owned())
    } else {
        Err(FieldError::new(
            "contact_phone",
            "电话号码应为 7 至 20 位数字，可含 +、- 和括号 / a phone number has 7 to 20 digits, with +, - or brackets",
        ))
    }
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
        let contact_name = c.check(optional_text("contact_name", &self.contact_name, 50));
        let contact_phone = c.check(phone(&self.contact_phone));
        c.finish(|| NewOrganization {
            contact_name: contact_name.unwrap_or_default(),
            contact_phone: contact_phone.unwrap_or_default(),
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
            contact_phone: "0531-8888 8888".into(),
            ..Default::default()
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
            contact_phone: "call me".into(),
            ..Default::default()
        };
        let err = input.validate().unwrap_err();
        let fields: Vec<_> = err.field_errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["credit_code", "kind", "region", "contact_phone"]);
    }
}
