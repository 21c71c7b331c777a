//! The columns of a challenge list, their Chinese headers and accepted aliases.

/// A field of a challenge as a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    /// 序号
    Number,
    /// 任务编号
    Code,
    /// 任务名称
    Title,
    /// 揭榜方向
    Direction,
    /// 细分领域
    SubField,
    /// 任务类别
    TaskClass,
    /// 所属行业
    Industries,
    /// 所在地区
    Region,
    /// 应用场景
    Scenario,
    /// 需求背景
    Background,
    /// 攻关目标
    Objectives,
    /// 考核指标
    Indicators,
    /// 预期成果
    Deliverables,
    /// 实施期限（月）
    PeriodMonths,
    /// 支持方式
    Support,
    /// 拟入选数量
    Winners,
}

/// Every column: the header written on export first, then the aliases accepted on import.
pub const COLUMNS: &[(Column, &[&str])] = &[
    (Column::Number, &["序号", "no", "number"]),
    (Column::Code, &["任务编号", "榜单编号", "榜单序号", "code"]),
    (Column::Title, &["任务名称", "榜单名称", "title"]),
    (Column::Direction, &["揭榜方向", "方向", "direction"]),
    (Column::SubField, &["细分领域", "sub_field"]),
    (Column::TaskClass, &["任务类别", "task_class"]),
    (Column::Industries, &["所属行业", "行业", "industries"]),
    (Column::Region, &["所在地区", "地区", "region"]),
    (Column::Scenario, &["应用场景", "场景", "scenario"]),
    (Column::Background, &["需求背景", "background"]),
    (Column::Objectives, &["攻关目标", "预期目标", "objectives"]),
    (Column::Indicators, &["考核指标", "主要指标", "indicators"]),
    (Column::Deliverables, &["预期成果", "成果形式", "deliverables"]),
    (Column::PeriodMonths, &["实施期限（月）", "实施期限(月)", "实施期限", "period_months"]),
    (Column::Support, &["支持方式", "support"]),
    (Column::Winners, &["拟入选数量", "入选数量", "winners"]),
];

/// Columns a file must have.
pub(crate) const REQUIRED: &[Column] =
    &[Column::Title, Column::Direction, Column::TaskClass, Column::Industries, Column::Indicators];

impl Column {
    /// The header written on export.
    pub fn header(self) -> &'static str {
        COLUMNS.iter().find(|(c, _)| *c == self).map_or("", |(_, names)| names[0])
    }

    /// The column a header names, ignoring case, spaces and a trailing `*` (required mark).
    pub fn from_header(header: &str) -> Option<Self> {
        let h: String = header.trim().trim_end_matches(['*', '＊']).chars().filter(|c| !c.is_whitespace()).collect();
        let h = h.to_lowercase();
        COLUMNS.iter().find(|(_, names)| names.iter().any(|n| *n == h)).map(|(c, _)| *c)
    }

    /// The column a domain field name (`indicators[1].threshold`) belongs to.
    pub(crate) fn from_field(field: &str) -> Option<Self> {
        let base = field.split(['[', '.']).next().unwrap_or(field);
        COLUMNS.iter().find(|(_, names)| names.last() == Some(&base)).map(|(c, _)| *c)
    }
}
