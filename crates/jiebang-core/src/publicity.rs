//! Publicity (公示) and announcement (公告): the notice with its standard text, objections and
//! their handling.
//!
//! The notice follows the Shandong 工信厅 pattern (docs/domain.md §6.1): legal basis, the process
//! run, the list, the objection clause, the period in working days, contact, issuer and date.

use serde::{Deserialize, Serialize};

use crate::error::{Collector, Error, FieldError, optional_text, required_text};
use crate::program::Day;

/// What the organizer writes when publishing the draft list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoticeInput {
    /// 依据, e.g. the notice and its 文号; a standard sentence when empty.
    #[serde(default)]
    pub legal_basis: String,
    /// The process run; a standard sentence when empty.
    #[serde(default)]
    pub process: String,
    /// 联系人、电话、地址、邮箱 for objections.
    pub contact: String,
}

impl NoticeInput {
    /// Checks and fills in the standard sentences.
    pub fn validate(&self, program_title: &str, recommendation: bool) -> Result<Self, Error> {
        let mut c = Collector::default();
        let contact = c.check(required_text("contact", &self.contact, 500));
        let legal_basis = c.check(optional_text("legal_basis", &self.legal_basis, 1000));
        let process = c.check(optional_text("process", &self.process, 1000));
        c.finish(|| Self {
            legal_basis: legal_basis
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| format!("根据《{program_title}》申报通知有关要求")),
            process: process.filter(|t| !t.is_empty()).unwrap_or_else(|| {
                if recommendation {
                    "经单位自愿申报、各市推荐、形式审查、专家评审等环节".into()
                } else {
                    "经单位自愿申报、形式审查、专家评审等环节".into()
                }
            }),
            contact: contact.unwrap_or_default(),
        })
    }
}

/// The notice's paragraphs, in order (the list itself goes between the second and the third).
pub fn notice_paragraphs(
    notice: &NoticeInput,
    program_title: &str,
    period: (Day, Day),
    working_days: u32,
) -> Vec<String> {
    let (from, to) = period;
    vec![
        format!("{}，{}，确定了{}拟入选名单，现予以公示。", notice.legal_basis, notice.process, program_title),
        format!("公示期：{from} 至 {to}（{working_days} 个工作日）。"),
        "公示期间，如对名单有异议，请以书面形式实名反映，并提供必要的证明材料。个人反映请署真实姓名并提供联系方式，单位反映请加盖单位公章。匿名反映、证明材料不完整以及逾期反映的，视为异议无效。".into(),
        format!("联系方式：{}", notice.contact),
    ]
}

/// The notice's paragraphs in English, for English pages: the legal basis, the process and
/// the contact are the organizer's own words and stay as written.
pub fn notice_paragraphs_en(
    notice: &NoticeInput,
    program_title: &str,
    period: (Day, Day),
    working_days: u32,
) -> Vec<String> {
    let (from, to) = period;
    vec![
        format!(
            "{} — {} — the draft list of {program_title} is published below for public comment.",
            notice.legal_basis, notice.process
        ),
        format!("Publicity period: {from} to {to} ({working_days} working days)."),
        "Objections to the list are filed in writing under a real name with supporting evidence during the period: individuals sign with their real name and contact details, units with their official seal. Anonymous objections, incomplete evidence and late objections are void.".into(),
        format!("Contact: {}", notice.contact),
    ]
}

named_enum!(
    /// Who files an objection.
    FilerKind {
        /// An individual, under their real name.
        Individual = "individual" / "个人" / "Individual",
        /// A unit, under its seal.
        Unit = "unit" / "单位" / "Unit",
    }
);

named_enum!(
    /// Where an objection stands.
    ObjectionStatus {
        /// Waiting for the organizer.
        Pending = "pending" / "待处理" / "Pending",
        /// Upheld: the application was withdrawn or sent back to review.
        Upheld = "upheld" / "异议成立" / "Upheld",
        /// Rejected.
        Rejected = "rejected" / "异议不成立" / "Rejected",
    }
);

named_enum!(
    /// The organizer's decision on an objection.
    Decision {
        /// Not upheld.
        Reject = "reject" / "异议不成立" / "Rejected",
        /// Upheld: the application leaves the draft list.
        Withdraw = "withdraw" / "成立：撤销拟入选" / "Upheld: withdrawn from the list",
        /// Upheld: the application is reviewed again, and the publicity ends.
        Rereview = "rereview" / "成立：重新评审" / "Upheld: reviewed again",
    }
);

impl Decision {
    /// The status the objection ends in.
    pub fn status(self) -> ObjectionStatus {
        match self {
            Self::Reject => ObjectionStatus::Rejected,
            Self::Withdraw | Self::Rereview => ObjectionStatus::Upheld,
        }
    }
}

/// An objection as filed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ObjectionInput {
    /// The application objected to.
    pub application_id: i64,
    /// Individual or unit.
    pub filer_kind: FilerKind,
    /// Real name, or the unit's name.
    pub filer_name: String,
    /// Phone or e-mail.
    pub contact: String,
    /// The objection and its evidence.
    pub content: String,
    /// For units: the written objection carries the unit's seal (the original goes to the
    /// organizer by post, as the notice says).
    #[serde(default)]
    pub sealed: bool,
}

impl ObjectionInput {
    /// Checks the validity rules of the notice: named, reachable, substantive, sealed for units.
    pub fn validate(&self) -> Result<Self, Error> {
        let mut c = Collector::default();
        let name = c.check(required_text("filer_name", &self.filer_name, 100));
        let contact = c.check(required_text("contact", &self.contact, 200));
        let content = c.check(required_text("content", &self.content, 5000));
        if content.as_ref().is_some_and(|t| t.chars().count() < 10) {
            c.push(FieldError::new(
                "content",
                "请写明异议事实与理由（至少 10 字） / state the facts and reasons (10 characters at least)",
            ));
        }
        if self.filer_kind == FilerKind::Unit && !self.sealed {
            c.push(FieldError::new("sealed", "单位反映须加盖单位公章 / a unit's objection must carry its seal"));
        }
        c.finish(|| Self {
            filer_name: name.unwrap_or_default(),
            contact: contact.unwrap_or_default(),
            content: content.unwrap_or_default(),
            ..self.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notice_carries_the_standard_clauses() {
        let notice = NoticeInput { contact: "0531-12345678".into(), ..NoticeInput::default() }
            .validate("2025年行业大模型揭榜挂帅", true)
            .unwrap();
        let day = |t| Day::parse("d", t).unwrap();
        let text = notice_paragraphs(&notice, "2025年行业大模型揭榜挂帅", (day("2022-04-26"), day("2022-05-05")), 5)
            .join("\n");
        for clause in
            ["各市推荐", "2022-04-26 至 2022-05-05（5 个工作日）", "匿名反映", "加盖单位公章", "0531-12345678"]
        {
            assert!(text.contains(clause), "{clause}");
        }
        assert!(NoticeInput::default().validate("x", true).is_err());
    }

    #[test]
    fn anonymous_thin_or_unsealed_objections_are_refused() {
        let good = ObjectionInput {
            application_id: 1,
            filer_kind: FilerKind::Individual,
            filer_name: "李四".into(),
            contact: "13800000000".into(),
            content: "该项目牵头单位不满足申报条件，证明材料见附件。".into(),
            sealed: false,
        };
        assert!(good.validate().is_ok());
        let bad =
            ObjectionInput { filer_kind: FilerKind::Unit, filer_name: " ".into(), content: "不同意".into(), ..good };
        let fields: Vec<_> = bad.validate().unwrap_err().field_errors().iter().map(|e| e.field.clone()).collect();
        assert_eq!(fields, ["filer_name", "content", "sealed"]);
        assert_eq!(Decision::Withdraw.status(), ObjectionStatus::Upheld);
    }
}
