//! Dataset cards (数据集说明卡): what a dataset is, who built it, from what, how it was
//! labelled and checked, whether it may be used and by whom — the fields the national
//! high-quality industrial dataset guidelines ask for, the labelling roles, method and acceptance
//! sampling of GB/T 42755-2023 (《人工智能 面向机器学习的数据标注规程》), and the access
//! levels the "AI+制造" datasets are published under.
//!
//! A card of a challenge's hidden test set is evaluation-only: it describes the data, and the
//! data itself never leaves the platform (the store refuses to link such a card otherwise).

use serde::{Deserialize, Serialize};

use crate::error::{Collector, optional_text, required_text};
use crate::industry::IndustryCode;
use crate::{Error, FieldError};

named_enum!(
    /// What the data is.
    Modality {
        /// 文本.
        Text = "text" / "文本" / "Text",
        /// 图像.
        Image = "image" / "图像" / "Image",
        /// 视频.
        Video = "video" / "视频" / "Video",
        /// 时序.
        TimeSeries = "time_series" / "时序" / "Time series",
        /// 点云.
        PointCloud = "point_cloud" / "点云" / "Point cloud",
        /// 多模态.
        Multimodal = "multimodal" / "多模态" / "Multimodal",
    }
);

named_enum!(
    /// What the data is for in a model's life.
    DatasetStage {
        /// 预训练.
        Pretraining = "pretraining" / "预训练" / "Pre-training",
        /// 指令微调.
        InstructionTuning = "instruction_tuning" / "指令微调" / "Instruction tuning",
        /// 评测.
        Evaluation = "evaluation" / "评测" / "Evaluation",
        /// 测试专用: kept for acceptance testing only.
        TestOnly = "test_only" / "测试专用" / "Test only",
    }
);

named_enum!(
    /// Who may have the data.
    Access {
        /// 开放: anyone may download it.
        Open = "open" / "开放" / "Open",
        /// 有条件开放: on application, under an agreement.
        Conditional = "conditional" / "有条件开放" / "On conditions",
        /// 不开放: described, not shared.
        Closed = "closed" / "不开放" / "Not shared",
        /// 仅评测托管: held by the platform and used only to evaluate; never downloadable.
        EvaluationOnly = "evaluation_only" / "仅评测托管" / "Evaluation only (held by the platform)",
    }
);

/// Where data came from and under what licence.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DataSource {
    /// The source (a plant's historian, a public corpus, …).
    pub name: String,
    /// Its licence or the agreement it is used under.
    pub licence: String,
}

/// How the data was labelled (GB/T 42755-2023).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Labelling {
    /// The roles that took part (标注员, 审核员, 质检员, 验收方 …).
    #[serde(default)]
    pub roles: Vec<String>,
    /// The method (人工标注, 模型预标注加人工校验 …).
    #[serde(default)]
    pub method: String,
    /// How the labels were accepted: the sample drawn and the pass mark.
    #[serde(default)]
    pub acceptance_sampling: String,
}

/// One quality dimension's score, in [0, 1].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QualityScore {
    /// 完整性, 准确性, 一致性, 时效性 …
    pub dimension: String,
    /// The score.
    pub score: f64,
}

/// What was checked for compliance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Compliance {
    /// Personal information: none, removed, or consented, and how.
    #[serde(default)]
    pub personal_information: String,
    /// Copyright and the rights to the data.
    #[serde(default)]
    pub copyright: String,
    /// Content-safety sampling and its result.
    #[serde(default)]
    pub content_safety: String,
}

/// A dataset card as entered.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DatasetCardInput {
    /// 数据集名称.
    pub name: String,
    /// 版本 (v1.0, 2025-06 …).
    pub version: String,
    /// 建设单位.
    pub builder: String,
    /// 简介.
    #[serde(default)]
    pub summary: String,
    /// Industries (GB/T 4754 divisions).
    #[serde(default)]
    pub industries: Vec<String>,
    /// A typical scenario's code.
    #[serde(default)]
    pub scenario: String,
    /// `text`, `image`, `video`, `time_series`, `point_cloud` or `multimodal`.
    pub modality: String,
    /// `pretraining`, `instruction_tuning`, `evaluation` or `test_only`.
    pub stage: String,
    /// How many records (rows, images, dialogues …).
    pub records: u64,
    /// Its size in bytes, if known.
    #[serde(default)]
    pub bytes: Option<u64>,
    /// The fields or files and their meaning.
    #[serde(default)]
    pub schema: String,
    /// The label set.
    #[serde(default)]
    pub labels: Vec<String>,
    /// Sources with their licences, at least one.
    #[serde(default)]
    pub sources: Vec<DataSource>,
    /// Labelling.
    #[serde(default)]
    pub labelling: Labelling,
    /// Quality scores.
    #[serde(default)]
    pub quality: Vec<QualityScore>,
    /// Compliance.
    #[serde(default)]
    pub compliance: Compliance,
    /// `open`, `conditional`, `closed` or `evaluation_only`.
    pub access: String,
    /// What it was derived from (other datasets, with versions).
    #[serde(default)]
    pub lineage: Vec<String>,
}

/// A checked dataset card.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DatasetCard {
    /// 数据集名称.
    pub name: String,
    /// 版本.
    pub version: String,
    /// 建设单位.
    pub builder: String,
    /// 简介.
    pub summary: String,
    /// Industries.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub industries: Vec<IndustryCode>,
    /// A typical scenario's code.
    pub scenario: Option<String>,
    /// 模态.
    pub modality: Modality,
    /// 用途.
    pub stage: DatasetStage,
    /// 记录数.
    pub records: u64,
    /// 字节数.
    pub bytes: Option<u64>,
    /// 数据结构.
    pub schema: String,
    /// 标签集.
    pub labels: Vec<String>,
    /// 来源与许可.
    pub sources: Vec<DataSource>,
    /// 标注.
    pub labelling: Labelling,
    /// 质量评分.
    pub quality: Vec<QualityScore>,
    /// 合规.
    pub compliance: Compliance,
    /// 开放方式.
    pub access: Access,
    /// 数据血缘.
    pub lineage: Vec<String>,
}

impl DatasetCard {
    /// Whether the data may be downloaded from the platform at all.
    pub fn downloadable(&self) -> bool {
        self.access == Access::Open
    }
}

impl DatasetCardInput {
    /// Checks every field and reports all problems at once. A test-only dataset is held for
    /// evaluation only.
    pub fn validate(&self) -> Result<DatasetCard, Error> {
        let mut c = Collector::default();
        let name = c.check(required_text("name", &self.name, 100));
        let version = c.check(required_text("version", &self.version, 40));
        let builder = c.check(required_text("builder", &self.builder, 100));
        let summary = c.check(optional_text("summary", &self.summary, 2000));
        let industries = if self.industries.is_empty() {
            Some(Vec::new())
        } else {
            c.check(IndustryCode::parse_list(&self.industries.join(",")))
        };
        let scenario = c.check(optional_text("scenario", &self.scenario, 40));
        let modality = c.check(Modality::parse("modality", &self.modality));
        let stage = c.check(DatasetStage::parse("stage", &self.stage));
        if self.records == 0 {
            c.push(FieldError::new("records", "记录数须大于 0 / a dataset has at least one record"));
        }
        let schema = c.check(optional_text("schema", &self.schema, 5000));
        if self.sources.is_empty() {
            c.push(FieldError::new("sources", "至少写明一个来源及其许可 / name at least one source and its licence"));
        }
        for (i, source) in self.sources.iter().enumerate() {
            c.check(required_text(&format!("sources[{i}].name"), &source.name, 200));
            c.check(required_text(&format!("sources[{i}].licence"), &source.licence, 200));
        }
        for (i, q) in self.quality.iter().enumerate() {
            c.check(required_text(&format!("quality[{i}].dimension"), &q.dimension, 40));
            if !(q.score.is_finite() && (0.0..=1.0).contains(&q.score)) {
                c.push(FieldError::new(
                    format!("quality[{i}].score"),
                    "评分须在 0 到 1 之间 / a score is between 0 and 1",
                ));
            }
        }
        let access = c.check(Access::parse("access", &self.access));
        if stage == Some(DatasetStage::TestOnly) && access.is_some_and(|a| a != Access::EvaluationOnly) {
            c.push(FieldError::new(
                "access",
                "测试专用数据只能仅评测托管 / a test-only dataset is held for evaluation only",
            ));
        }
        c.finish(|| DatasetCard {
            name: name.unwrap_or_default(),
            version: version.unwrap_or_default(),
            builder: builder.unwrap_or_default(),
            summary: summary.unwrap_or_default(),
            industries: industries.unwrap_or_default(),
            scenario: scenario.filter(|s| !s.is_empty()),
            modality: modality.expect("checked"),
            stage: stage.expect("checked"),
            records: self.records,
            bytes: self.bytes,
            schema: schema.unwrap_or_default(),
            labels: self.labels.iter().map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()).collect(),
            sources: self.sources.clone(),
            labelling: self.labelling.clone(),
            quality: self.quality.clone(),
            compliance: self.compliance.clone(),
            access: access.expect("checked"),
            lineage: self.lineage.iter().map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card() -> DatasetCardInput {
        DatasetCardInput {
            name: "轴承振动故障数据集".into(),
            version: "v1.0".into(),
            builder: "某研究院".into(),
            industries: vec!["34".into()],
            modality: "时序".into(),
            stage: "evaluation".into(),
            records: 12_000,
            sources: vec![DataSource { name: "试验台采集".into(), licence: "CC BY 4.0".into() }],
            quality: vec![QualityScore { dimension: "准确性".into(), score: 0.98 }],
            access: "open".into(),
            ..DatasetCardInput::default()
        }
    }

    #[test]
    fn a_card_reads_chinese_labels_and_reports_every_problem_at_once() {
        let checked = card().validate().unwrap();
        assert_eq!((checked.modality, checked.access), (Modality::TimeSeries, Access::Open));
        assert!(checked.downloadable());
        let bad = DatasetCardInput {
            name: String::new(),
            records: 0,
            sources: vec![DataSource { name: "x".into(), licence: String::new() }],
            quality: vec![QualityScore { dimension: "准确性".into(), score: 98.0 }],
            modality: "声音".into(),
            ..card()
        };
        let fields: Vec<String> = bad.validate().unwrap_err().field_errors().iter().map(|e| e.field.clone()).collect();
        assert_eq!(fields, ["name", "modality", "records", "sources[0].licence", "quality[0].score"]);
    }

    #[test]
    fn a_test_only_dataset_is_held_for_evaluation_only() {
        let open = DatasetCardInput { stage: "test_only".into(), ..card() };
        let fields: Vec<String> = open.validate().unwrap_err().field_errors().iter().map(|e| e.field.clone()).collect();
        assert_eq!(fields, ["access"]);
        let held = DatasetCardInput { stage: "test_only".into(), access: "evaluation_only".into(), ..card() };
        assert!(!held.validate().unwrap().downloadable());
    }
}
