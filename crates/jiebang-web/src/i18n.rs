//! Every user-facing string of the pages, one catalogue per language. A catalogue is a struct,
//! so a string missing in one language is a compile error, not a blank on a page.

use jiebang_core::industry::IndustryCode;
use jiebang_core::region::Region;

/// A supported language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// 简体中文, the default.
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// From the `lang` cookie value; anything else is Chinese.
    pub fn from_cookie(value: Option<&str>) -> Self {
        if value == Some("en") { Self::En } else { Self::Zh }
    }

    /// The catalogue.
    pub fn catalog(self) -> &'static Catalog {
        match self {
            Self::Zh => &ZH,
            Self::En => &EN,
        }
    }

    /// A value's label in this language.
    pub fn label<T: jiebang_core::Labelled>(self, value: &T) -> &'static str {
        match self {
            Self::Zh => value.label_zh(),
            Self::En => value.label_en(),
        }
    }

    /// This language's side of a message that the core, the store and the evaluators write as
    /// "中文 / English" (their API clients may read either): pages speak one language. Messages
    /// joined with "; " are picked one by one; a message without both sides is kept whole.
    pub fn pick(self, message: &str) -> String {
        // Joined messages start again in Chinese after "; " (an English side may hold "; " too).
        let mut parts = Vec::new();
        let mut start = 0;
        for (at, _) in message.match_indices("; ") {
            if message[at + 2..].chars().next().is_some_and(is_chinese) {
                parts.push(self.pick_one(&message[start..at]).to_owned());
                start = at + 2;
            }
        }
        parts.push(self.pick_one(&message[start..]).to_owned());
        parts.join(match self {
            Self::Zh => "；",
            Self::En => "; ",
        })
    }

    fn pick_one(self, message: &str) -> &str {
        // The separator: the first " / " with Chinese before it and an English word after it
        // (the English side may quote a Chinese name, so "no Chinese after" would not do).
        let split = message.match_indices(" / ").map(|(at, _)| at).find(|&at| {
            message[..at].chars().any(is_chinese)
                && message[at + 3..].chars().next().is_some_and(|c| c.is_ascii_alphanumeric() || "'\"(“‘".contains(c))
        });
        match (split, self) {
            (Some(at), Self::Zh) => message[..at].trim_end(),
            (Some(at), Self::En) => &message[at + 3..],
            (None, _) => message,
        }
    }

    /// A field's name as the forms label it: `commitments[0].value` is "指标承诺 1 · 承诺值" or
    /// "Commitment 1 · committed value". A key without a label stays as written.
    pub fn field_label(self, field: &str) -> String {
        let mut parts = Vec::new();
        let mut parent = "";
        for segment in field.split('.') {
            let (name, index) = match segment.split_once('[') {
                Some((name, rest)) => (name, rest.trim_end_matches(']').parse::<usize>().ok()),
                None => (segment, None),
            };
            // A key under its parent first (`sources.licence` is a data source's licence, not a
            // unit's business licence), then alone.
            let nested = format!("{parent}.{name}");
            let found = FIELD_LABELS
                .iter()
                .find(|(key, _, _)| *key == nested)
                .or_else(|| FIELD_LABELS.iter().find(|(key, _, _)| *key == name));
            parent = name;
            let label = found.map_or(name, |(_, zh, en)| match self {
                Self::Zh => zh,
                Self::En => en,
            });
            parts.push(match index {
                Some(i) => format!("{label} {}", i + 1),
                None => label.to_owned(),
            });
        }
        parts.join(" · ")
    }

    /// A field error as a page shows it: the field's label, then the message in this language.
    pub fn field_error(self, error: &jiebang_core::FieldError) -> String {
        let colon = match self {
            Self::Zh => "：",
            Self::En => ": ",
        };
        format!("{}{colon}{}", self.field_label(&error.field), self.pick(&error.message))
    }
}

/// A time stored as RFC 3339 (UTC), as people in China read it: `2026-12-01 22:08` in China
/// Standard Time (UTC+8, no daylight saving), to the minute.
pub(crate) fn cst(text: &str) -> String {
    use time::format_description::well_known::Rfc3339;
    let Ok(at) = time::OffsetDateTime::parse(text, &Rfc3339) else { return text.to_owned() };
    let at = at.to_offset(time::macros::offset!(+8));
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    at.format(&format).unwrap_or_else(|_| text.to_owned())
}

/// Chinese characters and punctuation.
pub(crate) fn is_chinese(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '\u{3000}'..='\u{303f}' | '\u{ff00}'..='\u{ffef}')
}

/// Field keys as the forms label them, in Chinese and English.
const FIELD_LABELS: &[(&str, &str, &str)] = &[
    ("name", "名称", "name"),
    ("title", "标题", "title"),
    ("email", "邮箱", "e-mail"),
    ("password", "密码", "password"),
    ("credit_code", "统一社会信用代码", "unified social credit code"),
    ("kind", "类型", "kind"),
    ("region", "地区", "region"),
    ("industries", "行业", "industries"),
    ("contact", "联系方式", "contact"),
    ("contact_name", "联系人", "contact person"),
    ("contact_phone", "联系电话", "contact phone"),
    ("licence", "营业执照 / 法人证书", "licence"),
    ("sources", "来源与许可", "sources"),
    ("sources.name", "来源", "source"),
    ("sources.licence", "许可", "licence"),
    ("quality", "质量评分", "quality scores"),
    ("quality.dimension", "维度", "dimension"),
    ("quality.score", "分数", "score"),
    ("unit_name", "单位名称", "unit name"),
    ("current_password", "当前密码", "current password"),
    ("project_name", "项目名称", "project name"),
    ("lead_organization_id", "牵头单位", "lead organization"),
    ("joint_units", "联合单位", "joint unit"),
    ("organization_id", "单位", "organization"),
    ("leader", "项目负责人", "project leader"),
    ("team", "团队成员", "team member"),
    ("duty", "分工", "duty"),
    ("work", "工作单位", "employer"),
    ("budget", "经费", "budget"),
    ("amount_wan", "金额（万元）", "amount (10k CNY)"),
    ("source", "来源", "source"),
    ("commitments", "指标承诺", "commitment"),
    ("value", "承诺值", "committed value"),
    ("summary", "项目摘要", "summary"),
    ("background", "研究基础", "background"),
    ("objectives", "目标", "objectives"),
    ("deliverables", "交付物", "deliverables"),
    ("scenario", "应用场景", "scenario"),
    ("support", "支撑条件", "support"),
    ("indicators", "指标", "indicator"),
    ("threshold", "目标值", "target"),
    ("expr", "指标表达式", "metric"),
    ("unit", "单位", "unit"),
    ("test_method", "测试方法", "test method"),
    ("description", "说明", "description"),
    ("direction", "揭榜方向", "direction"),
    ("code", "编号", "code"),
    ("issuer", "发榜方", "issuer"),
    ("year", "年度", "year"),
    ("timeline", "时间安排", "timeline"),
    ("opens_on", "开始日期", "opens on"),
    ("closes_on", "截止日期", "closes on"),
    ("rules", "规则", "rules"),
    ("review_form", "评审表", "review form"),
    ("max", "满分", "maximum"),
    ("comment", "意见", "comment"),
    ("veto", "否决", "veto"),
    ("reason", "理由", "reason"),
    ("statement", "说明", "statement"),
    ("legal_basis", "依据", "legal basis"),
    ("process", "遴选过程", "process"),
    ("filer_kind", "反映人类型", "filed by"),
    ("filer_name", "反映人", "filer"),
    ("content", "内容", "content"),
    ("handling", "处理意见", "handling"),
    ("file", "文件", "file"),
    ("confirm", "确认", "confirmation"),
    ("consent", "同意", "consent"),
    ("role", "角色", "role"),
    ("scope", "范围", "scope"),
    ("split", "数据划分", "split"),
    ("visibility", "可见性", "visibility"),
    ("seed", "随机种子", "seed"),
    ("metric", "指标", "metric"),
    ("op", "比较方式", "comparison"),
    ("weight", "权重", "weight"),
    ("period_months", "实施周期（月）", "period (months)"),
    ("winners", "拟支持数量", "winners"),
];

/// Defines a strings struct and its Chinese and English instances from one list, so each string
/// is written once per language side by side.
macro_rules! texts {
    ($(#[$meta:meta])* $name:ident, $zh:ident, $en:ident
        $([$($(#[$xmeta:meta])* $xfield:ident: $xty:ty = $xz:expr, $xe:expr;)+])?
        { $($field:ident: $z:literal / $e:literal,)+ }
    ) => {
        $(#[$meta])*
        #[derive(Debug)]
        pub struct $name {
            $($($(#[$xmeta])* pub $xfield: $xty,)+)?
            $(#[doc = $z] pub $field: &'static str,)+
        }
        /// Chinese.
        pub static $zh: $name = $name { $($($xfield: $xz,)+)? $($field: $z,)+ };
        /// English.
        pub static $en: $name = $name { $($($xfield: $xe,)+)? $($field: $e,)+ };
    };
}

texts!(
    /// The strings of one language, with the sub-catalogues of the larger areas.
    Catalog, ZH, EN [
        /// Which language.
        lang: Lang = Lang::Zh, Lang::En;
        /// The evaluation pages' strings.
        eval: &'static EvalText = &EVAL_ZH, &EVAL_EN;
        /// The selection pages' strings.
        sel: &'static SelectText = &SELECT_ZH, &SELECT_EN;
        /// Delivered models' strings.
        model: &'static ModelText = &MODEL_ZH, &MODEL_EN;
        /// Live model endpoints' strings.
        serve: &'static ServingText = &SERVING_ZH, &SERVING_EN;
        /// Quantized large models the platform serves, and the model service.
        host: &'static HostingText = &HOSTING_ZH, &HOSTING_EN;
        /// The audit page's strings.
        audit: &'static AuditText = &AUDIT_ZH, &AUDIT_EN;
        /// The organization register's verification strings.
        org: &'static OrgText = &ORG_ZH, &ORG_EN;
        /// Self-service accounts' strings.
        acct: &'static AccountText = &ACCOUNT_ZH, &ACCOUNT_EN;
        /// 我的申报's strings.
        mine: &'static MineText = &MINE_ZH, &MINE_EN;
        /// Projects after the announcement.
        proj: &'static ProjectText = &PROJECT_ZH, &PROJECT_EN;
        /// The supply–demand catalogue and the search.
        cat: &'static CatalogueText = &CATALOGUE_ZH, &CATALOGUE_EN;
    ] {
    html_lang: "zh-CN" / "en",
    confirm_irreversible: "确认：此操作提交后不能撤回" / "Confirm: this cannot be undone",
    not_found: "没有这个页面。请检查地址，或从首页进入。" / "There is no such page. Check the address, or start from the home page.",
    done_program_created: "榜单已创建（草稿），可以添加任务了。" / "The program is created as a draft; add its challenges.",
    done_saved: "已保存。" / "Saved.",
    done_transition: "榜单状态已更新。" / "The program's status is updated.",
    done_challenge_deleted: "任务已删除。" / "The challenge is deleted.",
    done_challenge_archived: "任务已撤榜。" / "The challenge is taken off the list.",
    other_lang_code: "en" / "zh",
    app_name: "揭榜" / "jiebang",
    tagline: "揭榜挂帅 · 行业大模型开放竞争平台" / "Open competitions for industry AI models",
    nav_programs: "榜单" / "Programs",
    nav_organizations: "单位" / "Organizations",
    nav_account: "账户" / "Account",
    nav_login: "登录" / "Sign in",
    nav_logout: "退出" / "Sign out",
    nav_api: "API 文档" / "API docs",
    other_lang: "English" / "中文",
    footer: "jiebang — 揭榜挂帅全流程开放平台：发榜、揭榜、评审、公示、测评、验收。" / "jiebang — the open platform for 揭榜挂帅 programs: publish, apply, review, announce, evaluate, accept.",
    demo_badge: "示例数据" / "Demo data",
    demo_notice: "本站加载了示例数据，内容仿照公开报道编写，仅用于演示。" / "This site shows demo data modelled on public reports, for demonstration only.",
    programs_heading: "揭榜挂帅批次" / "Programs",
    new_program: "新建批次" / "New program",
    no_programs: "暂无公开的批次。" / "No programs yet.",
    issuer: "发榜方" / "Issuer",
    year: "年度" / "Year",
    status: "状态" / "Status",
    challenge_count: "榜单任务" / "Challenges",
    rules: "规则" / "Rules",
    timeline: "时间安排" / "Timeline",
    max_joint_units: "联合单位上限" / "Joint units at most",
    max_applications: "每单位牵头申报上限" / "Applications per organization",
    publicity_days: "公示期（工作日）" / "Publicity (working days)",
    recommendation_quota: "每个地区推荐名额（0 为不限）" / "Recommendations per region (0 = no limit)",
    experts_per_application: "每项申报评审专家数" / "Experts per application",
    selection_quota: "全批次入选总数上限（0 为不限）" / "Selections across the program (0 = no limit)",
    potential_per_challenge: "每个榜题的潜力单位数（0 为不设）" / "Potential units per challenge (0 = none)",
    potential_projects: "潜力单位也立项（签订任务书、接受验收）" / "Potential units get projects too (agreement, acceptance)",
    aggregation: "专家评分汇总" / "Score aggregation",
    recommendation: "需地方推荐" / "Regional recommendation",
    exclude_winners: "前期优胜不得重复申报" / "Earlier winners excluded",
    yes: "是" / "Yes",
    no: "否" / "No",
    opens_on: "开始申报" / "Applications open",
    applicant_deadline: "申报截止" / "Applicant deadline",
    recommender_deadline: "推荐截止" / "Recommender deadline",
    review_by: "评审完成" / "Review by",
    announce_by: "公告" / "Announcement by",
    filter: "筛选" / "Filter",
    industry: "所属行业" / "Industry",
    region: "所在地区" / "Region",
    direction: "揭榜方向" / "Direction",
    all: "全部" / "All",
    keyword: "关键词" / "Keyword",
    code: "任务编号" / "No.",
    number: "序号" / "#",
    title: "任务名称" / "Title",
    task_class: "任务类别" / "Task class",
    indicators: "考核指标" / "Indicators",
    period: "实施期限" / "Period",
    months: "个月" / "months",
    winners: "拟入选数量" / "Winners",
    no_challenges: "没有符合条件的任务。" / "No matching challenges.",
    export_xlsx: "导出 Excel" / "Export Excel",
    export_csv: "导出 CSV" / "Export CSV",
    import_list: "导入榜单" / "Import list",
    new_challenge: "新增任务" / "New challenge",
    edit: "编辑" / "Edit",
    move_to: "变更状态：" / "Move to:",
    organizer_tools: "发榜方操作" / "Organizer tools",
    total: "共" / "Total",
    items: "项" / "items",
    previous: "上一页" / "Previous",
    next: "下一页" / "Next",
    by_industry: "按行业分布" / "By industry",
    by_region: "按地区分布" / "By region",
    unspecified: "未指定" / "Unspecified",
    background: "需求背景" / "Background",
    scenario: "应用场景" / "Scenario",
    objectives: "攻关目标" / "Objectives",
    deliverables: "预期成果" / "Deliverables",
    support: "支持方式" / "Support",
    sub_field: "细分领域" / "Sub-field",
    indicator_name: "指标名称" / "Indicator",
    metric: "指标键" / "Metric key",
    target: "目标值" / "Target",
    operator: "比较" / "Operator",
    threshold: "阈值" / "Threshold",
    unit: "单位" / "Unit",
    test_method: "测试方法" / "Test method",
    kind: "类型" / "Kind",
    hard: "硬性（一票否决）" / "Hard (veto)",
    scored: "计分" / "Scored",
    weight: "权重" / "Weight",
    better_higher: "越高越好" / "higher is better",
    better_lower: "越低越好" / "lower is better",
    back_to_list: "返回榜单" / "Back to the list",
    delete: "删除" / "Delete",
    delete_confirm: "删除后不可恢复" / "Deleting cannot be undone",
    archived: "已撤榜" / "Archived",
    archived_notice: "该任务已撤榜，不再接受申报和提交" / "This challenge was taken off the list and takes no applications or submissions",
    archive: "撤榜" / "Archive",
    archive_reason: "撤榜理由（将公开显示）" / "Why (shown publicly)",
    archive_confirm: "撤榜后不可恢复；已有申报、提交和测评报告保留" / "Archiving cannot be undone; applications, submissions and reports are kept",
    email: "邮箱" / "E-mail",
    password: "密码" / "Password",
    login_failed: "邮箱或密码错误。" / "Wrong e-mail or password.",
    save: "保存" / "Save",
    cancel: "取消" / "Cancel",
    add_indicator: "添加指标" / "Add indicator",
    fix_errors: "请修改标出的错误后重新提交。" / "Please correct the marked fields and submit again.",
    program_title: "批次名称" / "Program title",
    description: "说明" / "Description",
    upload: "上传并导入" / "Upload and import",
    import_help: "上传 .xlsx 或 .csv 文件（UTF-8 或 GBK 编码）。任一行有误则不导入任何数据，并列出所有错误。" / "Upload an .xlsx or .csv file (UTF-8 or GBK). If any row is wrong nothing is imported and every problem is listed.",
    template_help: "列名与填写规则见" / "Columns and rules: see",
    template_doc: "榜单模板说明" / "the list template",
    imported: "已导入" / "Imported",
    row: "行" / "Row",
    column: "列" / "Column",
    problem: "问题" / "Problem",
    org_name: "单位名称" / "Name",
    credit_code: "统一社会信用代码" / "Unified social credit code",
    org_kind: "单位类型" / "Kind",
    register_org: "登记单位" / "Register an organization",
    no_orgs: "暂无登记单位。" / "No organizations yet.",
    tokens: "API 令牌" / "API tokens",
    token_name: "令牌名称" / "Token name",
    create_token: "创建令牌" / "Create token",
    token_created: "新令牌（只显示这一次，请立即保存）：" / "New token (shown only once, save it now):",
    last_used: "最近使用" / "Last used",
    expires: "失效时间" / "Expires",
    created: "创建时间" / "Created",
    never: "从未" / "never",
    roles: "角色" / "Roles",
    error_title: "出错了" / "Something went wrong",
    home: "首页" / "Home",
    colon: "：" / ": ",
    provisional_calendar: "该年度节假日安排尚未公布，公示期按法定节假日暂计，公布后以正式安排为准。" / "This year's holiday arrangement is not published yet: the period counts the statutory holidays only and follows the official arrangement once it is out.",
    lparen: "（" / " (",
    rparen: "）" / ")",
    sep: "、" / ", ",
    wan_yuan: "万元" / "× 10,000 CNY",
});

impl Catalog {
    /// An industry's name.
    pub fn industry(&self, industry: &IndustryCode) -> &'static str {
        match self.lang {
            Lang::Zh => industry.industry().name,
            Lang::En => industry.industry().name_en,
        }
    }

    /// A region's name.
    pub fn region(&self, region: &Region) -> &'static str {
        match self.lang {
            Lang::Zh => region.name,
            Lang::En => region.name_en,
        }
    }

    /// 是 / 否.
    pub fn yes_no(&self, value: &bool) -> &'static str {
        if *value { self.yes } else { self.no }
    }
}

texts!(
    /// The evaluation pages' strings (测评: phases, data, submissions, leaderboards, the queue).
    EvalText, EVAL_ZH, EVAL_EN [
        /// Which language.
        lang: Lang = Lang::Zh, Lang::En;
    ] {
    done_register: "已报名，可以下载数据并提交。" / "Registered: download the data and submit.",
    done_submit: "已提交，正在排队评测。" / "Submitted; it is queued for scoring.",
    done_publish: "私有榜已公布。" / "The private leaderboard is published.",
    done_rerun: "已重新排队评测。" / "Queued again for scoring.",
    done_select: "已更新计入最终成绩的提交。" / "The submissions that count are updated.",
    done_setup: "测评设置已保存。" / "The evaluation setup is saved.",
    evaluation: "测评" / "Evaluation",
    no_phases: "尚未设置测评阶段。" / "No evaluation phases yet.",
    tab_data: "数据" / "Data",
    tab_submit: "提交" / "Submit",
    tab_mine: "我的提交" / "My submissions",
    tab_all: "全部提交" / "All submissions",
    tab_board: "排行榜" / "Leaderboard",
    open_dates: "开放时间" / "Open",
    ranked_on: "排名依据" / "Ranked on",
    all_rows: "全部测试数据" / "all test rows",
    board_visible_to: "排行榜可见范围" / "Leaderboard visible to",
    quotas: "提交限额" / "Quotas",
    dataset_version: "数据集版本" / "Dataset version",
    file: "文件" / "File",
    purpose: "用途" / "Purpose",
    size: "大小" / "Size",
    hidden_note: "隐藏文件仅发榜方可见，只用于评测。" / "Hidden files are visible to the organizers only and used for scoring.",
    download: "下载" / "Download",
    register_prompt: "报名后可下载数据并提交结果。" / "Register to download the data and submit results.",
    register: "报名" / "Register",
    registered: "已报名" / "Registered",
    organization: "单位" / "Organization",
    sign_in_to_take_part: "登录后报名参加。" / "Sign in to take part.",
    applicants_only: "以单位揭榜方身份登录后可报名参加。" / "Sign in as an applicant acting for an organization to take part.",
    prediction_file: "预测文件（CSV、TSV 或 Parquet）" / "Prediction file (CSV, TSV or Parquet)",
    note: "备注" / "Note",
    submit: "提交评测" / "Submit for scoring",
    as_baseline: "作为基线（发榜方参考结果，不参与排名）" / "As a baseline (the organizers' reference, not ranked)",
    phase_closed: "本阶段当前不接受提交。" / "This phase is not accepting submissions now.",
    submitted_at: "提交时间" / "Submitted",
    state: "状态" / "State",
    progress: "进度" / "Progress",
    scores: "得分" / "Scores",
    message: "说明" / "Message",
    no_submissions: "还没有提交。" / "No submissions yet.",
    rank: "排名" / "Rank",
    team: "团队" / "Team",
    score: "得分" / "Score",
    entries: "提交次数" / "Entries",
    baseline: "基线" / "Baseline",
    left_today: "24 小时内还可提交" / "Left in the next 24 hours:",
    left_total: "本阶段还可提交" / "left in this phase:",
    unlimited: "不限" / "unlimited",
    file_kinds: "接受的文件：" / "Files taken:",
    met: "达标" / "met",
    not_met: "未达标" / "not met",
    run: "运行" / "run",
    question_id: "题号" / "Question",
    labels: "标签文件" / "labels",
    rows: "行" / "rows",
    engine: "评测引擎" / "Engine",
    metric: "指标" / "Metric",
    overall: "全部" / "All",
    team_view: "私有榜公布前，本报告只含排行榜所用划分的成绩与据此判定的指标，同样经平台签名、可独立校验；公布后可查看完整报告。" / "Until the private leaderboard is published this report holds only the scores of the leaderboard's split and the indicators judged on it; it is signed and verifies like any report. The full report opens once the results are published.",
    verify_report: "下载签名报告（JSON）" / "Download the signed report (JSON)",
    not_measured: "未测" / "not measured",
    board_empty: "还没有已评分的提交。" / "No scored submissions yet.",
    private_hidden: "私有榜将在发榜方公布后显示。" / "The private leaderboard appears once the organizers publish it.",
    publish: "公布私有榜" / "Publish private results",
    published: "私有榜已公布" / "Private results published",
    export_csv: "导出 CSV" / "Export CSV",
    export_xlsx: "导出 Excel" / "Export Excel",
    queue: "评测队列" / "Evaluation queue",
    jobs: "任务" / "Jobs",
    oldest_wait: "最久等待" / "Oldest wait",
    workers: "评测节点" / "Workers",
    host: "主机" / "Host",
    heartbeat: "最近心跳" / "Last heartbeat",
    current_job: "当前任务" / "Current job",
    idle: "空闲" / "idle",
    no_workers: "两分钟内没有评测节点报到。" / "No worker has reported in the last two minutes.",
    per_phase: "各阶段提交" / "Submissions per phase",
    success_rate: "成功率" / "Success rate",
    report: "评测报告" / "Evaluation report",
    setup: "设置测评" / "Set up evaluation",
    new_dataset: "新增数据集版本" / "New dataset version",
    task: "任务类型" / "Task",
    id_column: "id 列" / "Id column",
    label_column: "标签列" / "Label column",
    split_column: "划分列" / "Split column",
    positive_label: "正类标签（文本标签时）" / "Positive label (for text labels)",
    answer_metrics: "题库指标（每行一个，留空用默认）" / "Bank metrics (one a line; empty for the defaults)",
    by_category: "分类结果" / "Results by category",
    unparsed_answers: "未能识别选项的回答" / "Answers with no readable option",
    unparsed_help: "按 choice-v1 规则无法读出唯一选项的回答，计为错误（仅发榜方可见）。" / "Answers from which the choice-v1 rules read no single option; they count as wrong (organizers only).",
    raw_answer: "模型原始回答" / "The model's raw answer",
    refusal_phrases: "追加拒答短语（每行一个）" / "Extra refusal phrases (one a line)",
    answers_help: "仅用于模型回答类题库：真值文件为 JSONL 或 CSV，列为" / "For banks of model answers only: the truth is JSONL or CSV with the columns",
    answers_help_rules: "（方括号内的列仅综合题库需要）。拒答判定使用内置规则表，可在此追加本榜题的短语。" / "(the bracketed one only in a mixed bank). Refusals are told by the built-in list; add this challenge's own phrases here.",
    rules: "判定规则版本" / "Rule versions",
    upload: "上传" / "Upload",
    new_phase: "新增测评阶段" / "New phase",
    name: "名称" / "Name",
    opens_on: "开始日期" / "Opens on",
    closes_on: "截止日期" / "Closes on",
    per_day: "每 24 小时" / "Per 24 hours",
    total: "总计" / "Total",
    concurrent: "同时" / "At once",
    invalid: "无效上限" / "Invalid cap",
    counted: "最终阶段计分提交数" / "Submissions counted in a final phase",
    decimals: "排行榜小数位" / "Leaderboard decimals",
    create: "创建" / "Create",
    saved: "已保存。" / "Saved.",
    select: "选为计分提交" / "Count this one",
    selected: "计分提交" / "counts",
    rerun_all: "全部重新评测" / "Re-run all",
});

impl EvalText {
    /// A dataset file's purpose.
    pub fn purpose_name(&self, purpose: &str) -> &'static str {
        let (zh, en) = match purpose {
            "labels" => ("测试标签（隐藏）", "test labels (hidden)"),
            "questions" => ("评测题目（隐藏，发往模型服务）", "questions (hidden, sent to the model's endpoint)"),
            "train" => ("训练数据", "training data"),
            "test_features" => ("测试特征", "test features"),
            "sample_submission" => ("提交样例", "sample submission"),
            "data_card" => ("数据说明", "data card"),
            _ => ("其他", "other"),
        };
        if self.lang == Lang::Zh { zh } else { en }
    }

    /// A split's name: the conventional `public` and `private` by name, others as written.
    pub fn split_name<'a>(&self, split: &'a str) -> &'a str {
        match (split, self.lang) {
            ("public", Lang::Zh) => "公开测试集",
            ("private", Lang::Zh) => "私有测试集",
            ("public", Lang::En) => "public test set",
            ("private", Lang::En) => "private test set",
            _ => split,
        }
    }

    /// A scoring task's name.
    pub fn task_name(&self, task: &str) -> &'static str {
        let (zh, en) = match task {
            "binary" => ("二分类预测", "binary predictions"),
            "multiclass" => ("多分类预测", "multiclass predictions"),
            "regression" => ("回归预测", "regression predictions"),
            "choice" => ("选择题题库（模型回答）", "multiple-choice bank (model answers)"),
            "generation" => ("问答/生成题库（模型回答）", "short-answer and generation bank (model answers)"),
            "safety" => ("安全拒答题库（模型回答）", "safety bank (model answers)"),
            "bank" => ("综合题库：选择、问答、安全（模型回答）", "mixed bank: choice, answers, safety (model answers)"),
            _ => ("其他", "other"),
        };
        if self.lang == Lang::Zh { zh } else { en }
    }

    /// The quotas in words; 0 means unlimited.
    pub fn quota_text(&self, q: &jiebang_core::evaluation::Quotas) -> String {
        let n = |v: u32| if v == 0 { "∞".to_owned() } else { v.to_string() };
        match self.lang {
            Lang::Zh => format!(
                "每 24 小时 {} 次 · 共 {} 次 · 同时 {} 个 · 无效 {} 次",
                n(q.per_day),
                n(q.total),
                n(q.concurrent),
                n(q.invalid)
            ),
            Lang::En => format!(
                "{} per 24 h · {} in total · {} at once · {} invalid",
                n(q.per_day),
                n(q.total),
                n(q.concurrent),
                n(q.invalid)
            ),
        }
    }

    /// Where a submission is: its place in the queue or how long it ran.
    pub fn progress_text(&self, queue_position: &Option<i64>, elapsed_ms: &Option<i64>) -> String {
        match (self.lang, *queue_position, *elapsed_ms) {
            (Lang::Zh, Some(ahead), _) => format!("前面还有 {ahead} 个"),
            (Lang::En, Some(ahead), _) => format!("{ahead} ahead"),
            (_, None, Some(ms)) => format!("{:.1} s", ms as f64 / 1000.0),
            _ => String::new(),
        }
    }
}

texts!(
    /// Delivered models' strings (交付模型): the contract form, the report's measurements.
    ModelText, MODEL_ZH, MODEL_EN {
    accepts: "提交形式" / "Submissions taken",
    batch: "批大小" / "Batch size",
    cores: "核" / "cores",
    warm_up: "预热" / "warm-up",
    mean: "均值" / "mean",
    rows_per_s: "行/秒" / "rows/s",
    signature: "签名" / "Signature",
    public_key: "公钥" / "public key",
    check_with: "校验方法" / "Check it with",
    batch_sizes: "吞吐测试批大小（逗号分隔）" / "Throughput batch sizes (comma-separated)",
    contract: "交付要求" / "Delivery contract",
    contract_help: "接受模型时，平台在隐藏测试集上运行交付的 ONNX 模型，按下列要求实测时延、吞吐、大小与内存，并据此判定相应考核指标。" / "When models are taken, the platform runs the delivered ONNX model on the hidden test set and measures latency, throughput, size and memory as set here; indicators on them are judged from those measurements.",
    delivered_model: "交付模型" / "Delivered model",
    engine: "推理引擎" / "Engine",
    feature_columns: "特征列（逗号分隔，留空为除 id 与划分列外的全部列）" / "Feature columns (comma-separated; empty: all but the id and split columns)",
    host: "测评主机" / "Test host",
    input_name: "输入名" / "Input name",
    kind: "类型" / "Kind",
    latency: "单条推理时延（毫秒）" / "Single-stream latency (ms)",
    max_model_mb: "模型大小上限（MB）" / "Largest model (MB)",
    measuring_engine: "实测引擎" / "Measuring engine",
    memory_limit: "内存上限（MB）" / "Memory limit (MB)",
    opset_range: "算子集版本范围" / "Opset range",
    opset_min: "最低" / "min",
    opset_max: "最高" / "max",
    operators: "算子" / "Operators",
    output_name: "输出名" / "Output name",
    parameters: "参数量" / "Parameters",
    peak_memory: "峰值常驻内存" / "Peak resident memory",
    probability_column: "概率列（输出为各类概率时填写，如 1；输出为单个分数时留空）" / "Probability column (for class-probability outputs, e.g. 1; empty for one score per row)",
    queries: "计时查询数" / "Timed queries",
    save: "保存交付要求" / "Save the contract",
    size: "模型大小" / "Model size",
    threads: "线程数" / "Threads",
    throughput: "离线吞吐（条/秒）" / "Offline throughput (rows/s)",
    time_limit: "运行时间上限（秒）" / "Time limit (s)",
    daily_model_minutes: "每队每日测量预算（分钟）" / "Measurement budget per team per day (minutes)",
    timed: "计时口径" / "What is timed",
    upload_hint: "本任务接受 ONNX 模型（.onnx）：平台在隐藏测试集上运行模型，实测时延、大小与内存。" / "This challenge takes ONNX models (.onnx): the platform runs the model on the hidden test set and measures latency, size and memory.",
});

texts!(
    /// Live large models through their endpoints (模型服务接口评测).
    ServingText, SERVING_ZH, SERVING_EN {
    register: "登记模型服务接口" / "Register a model endpoint",
    register_help: "平台将把隐藏题目逐题发送到您登记的接口（OpenAI 兼容的 /v1/chat/completions），按任务的交付要求采样与施压，对回答评分，并实测首字时延、吞吐与失败率。请注意：题目会发送到您的服务器；在平台自有硬件上验收由“轻量化部署”评测完成。" / "The platform sends the hidden questions one by one to the endpoint you register (OpenAI-compatible /v1/chat/completions), with the sampling and load the contract sets, scores the answers and measures time to first token, throughput and failures. Note: the questions are sent to your server; acceptance on the platform's own hardware is the lightweight-deployment evaluation.",
    base_url: "接口地址（至 /v1）" / "Base URL (up to /v1)",
    model: "模型名称" / "Model name",
    api_key: "API 密钥（可选；加密保存，不会再显示）" / "API key (optional; stored encrypted, never shown again)",
    submit: "登记并开始评测" / "Register and evaluate",
    progress: "已完成 {finished}/{total} 题，失败 {failed}" / "{finished} of {total} questions done, {failed} failed",
    cancel: "停止评测" / "Stop the evaluation",
    done_cancel: "已停止；已答的题保留在记录中。" / "Stopped; the answers so far are kept.",
    section: "模型服务实测" / "Serving measurements",
    endpoint: "接口" / "Endpoint",
    questions: "题目" / "Questions",
    answered: "完整回答" / "answered",
    failed: "失败" / "failed",
    failures: "失败原因" / "Failures",
    tokens: "词元计数来源" / "Token counts from",
    tokens_usage: "服务端报告的词元数" / "the server's usage",
    tokens_counted: "按字符计数（服务端未报告词元数）" / "characters (the server sent no usage)",
    tokens_tokenizer: "按模型分词器计数（服务端未报告词元数）" / "the model's tokenizer (the server sent no usage)",
    segments: "中断后续跑次数" / "Times resumed",
    wall: "总用时" / "Wall time",
    latency: "时延百分位（毫秒）" / "Latency percentiles (ms)",
    ttft_histogram: "首字时延分布（毫秒）" / "Time to first token (ms), histogram",
    speed_histogram: "单条回答的生成速度分布（词元/秒）" / "Each answer's decode speed (tokens/s), histogram",
    throughput: "输出吞吐" / "Output throughput",
    transcript: "完整交互记录" / "Transcript",
    transcript_help: "每个请求与响应（含每个数据块的到达时间）逐行记录，其 SHA-256 已签入本报告。" / "Every request and response, with each chunk's arrival time, one line each; its SHA-256 is signed into this report.",
    download_transcript: "下载记录（JSON Lines）" / "Download the transcript (JSON Lines)",
    contract: "模型服务接口评测" / "Live model endpoints",
    contract_help: "勾选后，团队可登记 OpenAI 兼容的模型服务接口；平台用本数据集的题目文件提问，按下列设置采样、施压与计时，对回答评分，并判定首字时延、输出吞吐、失败率等服务指标。" / "When ticked, teams may register an OpenAI-compatible endpoint; the platform puts the dataset's questions file to it with the sampling, load and time limits below, scores the answers and judges serving indicators (ttft_p99_ms, output_tokens_per_s, error_rate …).",
    takes_endpoints: "接受模型服务接口" / "Take model endpoints",
    questions_file: "题目文件名（留空为用途为“评测题目”的文件）" / "Questions file name (empty: the file whose purpose is questions)",
    prompt_template: "提示模板（留空为默认，单选题用 C-Eval 的模板；可用下列占位符，或写成 JSON）" / "Prompt template (empty: the default, C-Eval's for multiple choice; may use these placeholders, or be JSON)",
    system_prompt: "系统提示词" / "System prompt",
    tokenizer_file: "分词器文件名（数据集中的分词器 JSON 文件；服务端不报告词元数时据此计数，留空按字符计）" / "Tokenizer file name (a tokenizer.json of the dataset; counts tokens when the server sends no usage; empty: characters)",
    max_tokens: "最大生成词元数" / "max_tokens",
    temperature: "温度" / "Temperature",
    concurrency: "并发数" / "Concurrency",
    rate: "请求速率（次/秒，留空为按并发数连续发送）" / "Request rate (per second; empty: keep the concurrency busy)",
    first_token_timeout: "首字超时（秒）" / "First-token timeout (s)",
    timeout: "单题总超时（秒）" / "Per-question timeout (s)",
    slo_ttft: "达标率的首字时延上限（毫秒，可空）" / "Goodput's TTFT limit (ms, optional)",
    slo_tpot: "达标率的每词元时间上限（毫秒，可空）" / "Goodput's TPOT limit (ms, optional)",
    run_time_limit: "整次评测时限（秒）" / "Time limit of a whole run (s)",
    tokens_per_s: "词元/秒" / "tokens/s",
    requests_per_s: "次/秒" / "requests/s",
    mean: "均值" / "mean",
    failure_http: "HTTP 错误" / "HTTP error",
    failure_in_stream: "流内错误" / "error in the stream",
    failure_invalid_json: "数据块不是 JSON" / "chunk not JSON",
    failure_cut: "流被截断" / "stream cut",
    failure_empty: "无回答" / "no answer",
    failure_connection: "连接失败" / "connection failed",
    failure_timeout: "超时" / "timed out",
    failure_not_asked: "时限内未及提问" / "not asked in time",
});

texts!(
    /// Delivered quantized large models (GGUF) run on the platform's hardware (轻量化部署), and
    /// the model service that lets people try published ones.
    HostingText, HOSTING_ZH, HOSTING_EN {
    contract: "平台运行的量化大模型（GGUF，轻量化部署）" / "Quantized large models served by the platform (GGUF, lightweight deployment)",
    contract_help: "勾选后，团队可提交 GGUF 模型文件；平台在自有硬件上以下列限制启动模型服务，用上方“模型服务接口评测”的题目、提示与采样设置提问，并实测准确率、吞吐、首字时延、峰值内存、模型大小与加载时间。" / "When ticked, teams may submit a GGUF model file; the platform serves it on its own hardware within the limits below, asks it the questions with the prompt and sampling of the endpoint section above, and measures accuracy, throughput, time to first token, peak memory, size and load time.",
    takes_gguf: "接受 GGUF 模型" / "Take GGUF models",
    exclusive: "只接受平台运行的模型（不接受团队自有接口）" / "Only models the platform serves (no teams' own endpoints)",
    runtime: "运行时" / "Runtime",
    max_model_mb: "模型大小上限（MB）" / "Size limit (MB)",
    threads: "CPU 线程数" / "CPU threads",
    memory_limit: "内存上限（MiB）" / "Memory limit (MiB)",
    load_timeout: "加载时限（秒）" / "Load time limit (s)",
    concurrency_levels: "并发档位（逗号分隔；指标按第一档判定）" / "Concurrency levels (comma-separated; indicators are judged at the first)",
    chat_template: "对话模板（Jinja；留空用模型文件自带的）" / "Chat template (Jinja; empty: the file's own)",
    upload_help: "上传 .gguf 文件（可达数 GB）。上传时即检查文件头：架构、张量大小、量化类型、词表与对话模板；有误的文件当场退回并列出全部问题。" / "Upload a .gguf file (gigabytes are fine). Its header is checked on upload — architecture, tensor sizes, quantization types, vocabulary and chat template — and a broken file is refused at once with every problem listed.",
    section: "平台运行实测" / "Served on the platform",
    runtime_used: "运行时" / "Runtime",
    confinement: "隔离措施" / "Confinement",
    host: "运行硬件" / "Host",
    cores: "核" / "cores",
    header: "模型文件" / "Model file",
    architecture: "架构" / "Architecture",
    quantization: "量化类型" / "Quantization",
    parameters: "参数量" / "Parameters",
    context_length: "上下文长度" / "Context length",
    size: "文件大小" / "File size",
    peak_memory: "峰值内存" / "Peak memory",
    load_time: "加载时间" / "Load time",
    limits: "限制" / "Limits",
    levels: "各并发档位" / "At each concurrency level",
    level: "并发数" / "Concurrency",
    levels_chart: "各并发档位的输出吞吐（词元/秒）与首字时延 P99（毫秒）" / "Output throughput (tokens/s) and TTFT p99 (ms) at each concurrency level",
    memory_chart: "峰值内存与上限（MiB）" / "Peak memory against the limit (MiB)",
    service: "模型体验" / "Model service",
    service_help: "发榜方发布的、团队同意公开的优胜模型，由平台自有硬件运行，登录后即可试用。每人每 10 分钟至多 20 次提问；模型空闲一段时间后自动停止，再次提问时重新加载。" / "Accepted models the organizers published with their teams' consent, run on the platform's own hardware; anyone signed in may try them. Each person may ask 20 times in 10 minutes; an idle model is stopped and loads again on the next question.",
    none_published: "尚无发布的模型。" / "No model is published yet.",
    consent: "同意公开此模型（供登录用户在平台上试用）" / "Agree to publish this model (for signed-in users to try on the platform)",
    consented: "团队已同意公开。" / "The team agreed to publication.",
    publish: "发布到模型体验" / "Publish to the model service",
    unpublish: "停止发布" / "Unpublish",
    published: "已发布到模型体验。" / "Published to the model service.",
    unpublished: "已停止发布。" / "Unpublished.",
    consent_done: "已记录团队同意。" / "The team's consent is recorded.",
    try_it: "试用" / "Try it",
    ask: "提问" / "Ask",
    your_message: "您的问题" / "Your question",
    you: "您" / "You",
    assistant: "模型" / "Model",
    loading: "模型正在加载，请稍候再问。" / "The model is loading; ask again in a moment.",
    rate_limited: "提问过于频繁，请 10 分钟后再试。" / "Too many questions; try again in 10 minutes.",
    new_chat: "新对话" / "New conversation",
    from: "来自" / "From",
});

impl ServingText {
    /// An endpoint run's progress in words.
    pub fn progress_of(&self, progress: &jiebang_store::EndpointProgress) -> String {
        self.progress
            .replace("{finished}", &progress.finished.to_string())
            .replace("{total}", &progress.total.to_string())
            .replace("{failed}", &progress.failed.to_string())
    }

    /// A failure kind of a report (`http`, `cut` …) in words.
    pub fn failure_name(&self, kind: &str) -> String {
        match kind {
            "http" => self.failure_http,
            "in_stream" => self.failure_in_stream,
            "invalid_json" => self.failure_invalid_json,
            "cut" => self.failure_cut,
            "empty" => self.failure_empty,
            "connection" => self.failure_connection,
            "timeout" => self.failure_timeout,
            "not_asked" => self.failure_not_asked,
            other => return other.to_owned(),
        }
        .to_owned()
    }

    /// Where the token counts came from, in words.
    pub fn tokens_from(&self, source: &str) -> &'static str {
        match source {
            "usage" => self.tokens_usage,
            "tokenizer" => self.tokens_tokenizer,
            _ => self.tokens_counted,
        }
    }
}

texts!(
    /// The organization register's verification (单位核验).
    OrgText, ORG_ZH, ORG_EN {
    status: "状态" / "Status",
    verified: "已核验" / "Verified",
    waiting: "待核验" / "Awaiting verification",
    waiting_help: "自行登记的单位须经管理员或所在地区推荐单位核验后，登记人才能以该单位名义揭榜。" / "A unit registered by a user must be verified by an admin or its region's recommender before the registrant can apply on its behalf.",
    confirm: "已核对营业执照与统一社会信用代码" / "Business licence and credit code checked",
    confirm_first: "请先勾选“已核对营业执照与统一社会信用代码”再核验" / "Tick “Business licence and credit code checked” before verifying",
    verify: "核验" / "Verify",
    done: "单位已核验，登记人现在可以该单位名义揭榜。" / "The unit is verified; its registrant can now apply on its behalf.",
    registered: "单位已登记，等待核验；结果会通知您。" / "The unit is registered and awaits verification; you will be told the outcome.",
    done_created: "单位已登记。" / "The unit is registered.",
    done_rejected: "已退回该登记，登记人会收到理由。" / "The registration is turned down; its registrant is told why.",
    invited: "已邀请：对方会收到邮件，设置密码后即可代表本单位申报。" / "Invited: they get a mail, and once they set a password they can apply for the unit.",
    invited_no_mail: "已邀请。本平台尚未配置邮件发送：邀请链接已交给平台管理员，请联系管理员转交。" / "Invited. This platform does not send mail yet: the invitation link went to its administrator; ask them to pass it on.",
    rejected: "未通过" / "Turned down",
    rejected_reason: "退回理由" / "Why it was turned down",
    reregister: "请修改后重新登记。" / "Correct it and register again.",
    reject: "退回" / "Turn down",
    reject_reason: "退回理由（登记人可见）" / "Reason (the registrant reads it)",
    licence: "营业执照 / 法人证书" / "Business licence or legal-person certificate",
    licence_help: "PDF、PNG 或 JPEG，不超过 10 MB；仅管理员、所在地区推荐单位和登记人可见。" / "PDF, PNG or JPEG, at most 10 MB; only admins, the region's recommenders and the registrant see it.",
    licence_view: "查看证照" / "View the licence",
    no_licence: "未附证照" / "No licence attached",
    contact_name: "联系人" / "Contact person",
    contact_phone: "联系电话" / "Contact phone",
    industry: "所属行业" / "Industry",
    no_industry: "（不填）" / "(none)",
    members: "单位成员" / "Members",
    members_help: "成员可以代表本单位揭榜申报、提交测评。" / "Members apply and submit for the unit.",
    no_members: "还没有成员。" / "No members yet.",
    invite: "邀请同事" / "Invite a colleague",
    invite_help: "输入同事的邮箱：已注册的账户立即加入本单位；新邮箱会收到邀请链接，设置密码后加入。" / "Enter a colleague's e-mail address: a registered account joins the unit at once; a new address gets an invitation link and joins once a password is set.",
    invite_button: "发送邀请" / "Send the invitation",
    email: "邮箱" / "E-mail",
    name: "姓名" / "Name",
    mine: "我登记的" / "Registered by you",
    admin_badge: "单位管理员" / "Unit administrator",
    open: "查看" / "Open",
    registrant_only: "登记信息仅管理员、所在地区推荐单位和登记人可见。" / "The registration's details are for admins, the region's recommenders and the registrant.",
});

texts!(
    /// Self-service accounts (注册、验证邮箱、找回密码) and the admin's user page.
    AccountText, ACCOUNT_ZH, ACCOUNT_EN [
        /// Which language.
        lang: Lang = Lang::Zh, Lang::En;
    ] {
    sign_up: "注册" / "Sign up",
    sign_up_intro: "注册后即可登记或加入单位、揭榜申报。我们会向您的邮箱发送验证链接。" / "With an account you can register or join a unit and apply. We will send a link to your e-mail address to confirm it.",
    name: "姓名" / "Name",
    password_hint: "至少 10 个字符，不要与邮箱相同" / "At least 10 characters, not your e-mail address",
    have_account: "已有账户？" / "Already have an account?",
    no_account: "还没有账户？" / "No account yet?",
    forgot: "忘记密码？" / "Forgot your password?",
    resend: "重新发送验证邮件" / "Send the confirmation mail again",
    check_mail: "请查收邮件：我们已向该邮箱发送链接（24 小时内有效，只能使用一次）。" / "Check your mail: we sent a link to that address (valid for 24 hours, and once).",
    no_mail: "本平台尚未配置邮件发送：链接已交给平台管理员，请联系管理员获取。" / "This platform does not send mail yet: the link went to its administrator; ask them for it.",
    link_sent: "如果该邮箱已注册，我们已向它发送了链接。" / "If that address is registered, we have sent it a link.",
    verify_title: "验证邮箱" / "Confirm your e-mail address",
    verify_for: "确认以下账户的邮箱：" / "Confirm the address of this account:",
    verify_button: "确认邮箱" / "Confirm",
    verified: "邮箱已验证，请登录。" / "Your address is confirmed. Please sign in.",
    bad_link: "链接无效或已过期（每个链接只能使用一次）。请重新获取。" / "The link is invalid or has expired (each works once). Ask for a new one.",
    forgot_title: "找回密码" / "Reset your password",
    forgot_intro: "输入注册邮箱，我们会发送设置新密码的链接（1 小时内有效）。" / "Enter your address and we will send a link to set a new password (valid for an hour).",
    send_link: "发送链接" / "Send the link",
    reset_title: "设置新密码" / "Set a new password",
    new_password: "新密码" / "New password",
    current_password: "当前密码" / "Current password",
    reset_done: "密码已重设，请用新密码登录。" / "Your password is set. Sign in with it.",
    change_password: "修改密码" / "Change password",
    password_changed: "密码已修改；其他设备上的登录已退出。" / "Password changed; you are signed out everywhere else.",
    profile: "个人资料" / "Profile",
    save: "保存" / "Save",
    profile_saved: "个人资料已保存。" / "Profile saved.",
    users: "用户" / "Users",
    email_state: "邮箱" / "E-mail",
    unverified: "未验证" / "Unverified",
    disabled: "已停用" / "Disabled",
    active: "正常" / "Active",
    disable: "停用" / "Disable",
    disable_confirm: "确认停用：该用户立即退出且不能再登录" / "Confirm: the user is signed out at once and cannot sign in",
    enable: "启用" / "Enable",
    user_disabled: "账户已停用。" / "The account is disabled.",
    user_enabled: "账户已启用。" / "The account is enabled.",
    link_for_admin: "本平台未配置邮件发送，请把以下链接交给该用户（24 小时内有效，只能使用一次）：" / "This platform does not send mail; give the user this link (valid for 24 hours, and once):",
    link_mailed: "验证邮件已重新发送。" / "The confirmation mail was sent again.",
    grant: "授予角色" / "Grant a role",
    scope: "范围" / "Scope",
    scope_global: "全平台" / "Whole platform",
    scope_program: "榜单编号" / "Program no.",
    scope_region: "地区代码" / "Region code",
    scope_organization: "单位编号" / "Organization no.",
    scope_id: "范围编号或代码" / "Scope number or code",
    granted: "角色已授予。" / "Role granted.",
    apply_sign_in: "登录后即可揭榜" / "Sign in to apply",
    apply_register_unit: "以单位名义揭榜：请先登记单位，核验通过后即可申报。" / "Applications are made for a unit: register yours first; once it is verified you can apply.",
    register_unit: "登记单位" / "Register a unit",
});

impl AccountText {
    /// Whether the challenge's program takes applications today, in words: the deadline and the
    /// days left, or why not.
    pub fn intake_text(&self, intake: jiebang_core::program::Intake, today: jiebang_core::program::Day) -> String {
        use jiebang_core::program::Intake;
        let zh = self.lang == Lang::Zh;
        match intake {
            Intake::Open { closes_on: Some(day) } => {
                let left = (day.0 - today.0).whole_days();
                if zh {
                    format!("申报截止：{day}（还剩 {left} 天）")
                } else {
                    format!("Applications close on {day} ({left} days left)")
                }
            }
            Intake::Open { closes_on: None } => (if zh { "正在接受申报" } else { "Applications are open" }).into(),
            Intake::NotYet { opens_on } => {
                if zh {
                    format!("申报将于 {opens_on} 开始")
                } else {
                    format!("Applications open on {opens_on}")
                }
            }
            Intake::Closed { closed_on } => {
                if zh {
                    format!("申报已于 {closed_on} 截止")
                } else {
                    format!("Applications closed on {closed_on}")
                }
            }
            Intake::NotTaking(status) => {
                if zh {
                    format!("批次当前为「{}」，不接受申报", status.label_zh())
                } else {
                    format!("The program is {} and takes no applications", status.label_en().to_lowercase())
                }
            }
        }
    }
}

texts!(
    /// 我的申报: an applicant's applications and what comes next.
    MineText, MINE_ZH, MINE_EN {
    title: "我的申报" / "My applications",
    none: "还没有申报。打开一个正在接受申报的任务，点击“我要揭榜”。" / "No applications yet. Open a challenge that takes applications and choose Apply.",
    progress: "进度" / "Progress",
    reason: "退回意见" / "Why it came back",
    next: "下一步：" / "Next: ",
    deadline: "申报截止" / "applications close on",
    next_draft: "完善申报书并提交" / "complete the application and submit it",
    next_returned: "按退回意见修改后重新提交" / "revise as asked and submit again",
    next_recommendation: "等待所在市推荐" / "waiting for the city's recommendation",
    next_check: "等待发榜方形式审查" / "waiting for the organizer's formal check",
    next_review: "专家评审中，请留意消息" / "in expert review; watch your messages",
    next_publicity: "已列入拟入选名单，正在公示" / "on the proposed list, in publicity",
    next_selected: "已入围：等待签订任务书" / "selected: the task agreement comes next",
    next_ended: "本次未能入选，原因见申报页面" / "not selected this time; the application page says why",
});

texts!(
    /// Projects after the announcement (攻关项目): the desk, the project page, the task agreement
    /// and milestone reports.
    ProjectText, PROJECT_ZH, PROJECT_EN {
    title: "攻关项目" / "Projects",
    mine: "我的项目" / "My projects",
    none: "还没有项目。" / "No projects yet.",
    none_mine: "还没有项目。申报入选并公告后，发榜方为每个入选项目立项，这里会列出您单位牵头的项目。" / "No projects yet. Once an application is selected and announced, the organizer opens a project for it, and the projects your unit leads appear here.",
    create: "为公告名单立项" / "Open projects for the announced list",
    create_help: "为公告名单中每个尚未立项的入选申报创建项目，冻结其承诺指标。可重复执行，只补充新的。" / "Opens a project for each selected application on the announced list that has none, freezing its committed indicators. Safe to repeat: only new ones are added.",
    created: "已为公告名单立项" / "Projects opened for the announced list",
    by_state: "各状态项目数" / "Projects by state",
    overdue: "有逾期事项" / "Something is overdue",
    overdue_first: "有逾期事项的项目排在前面。" / "Projects with something overdue come first.",
    project: "项目" / "Project",
    lead: "牵头单位" / "Lead unit",
    state: "状态" / "State",
    challenge: "榜题" / "Challenge",
    program: "榜单" / "Program",
    updated: "更新时间（北京时间）" / "Updated (China Standard Time)",
    next: "下一步：" / "Next: ",
    steps: "可执行的操作" / "Steps you can take",
    reason: "理由" / "Reason",
    reason_help: "限期整改、终止和重新评审须写明理由。" / "Rectification, termination and a new review need a reason.",
    conclusion: "验收结论" / "Conclusion",
    step_done: "操作已完成" / "Done",
    committed: "承诺指标" / "Committed indicators",
    indicator: "指标" / "Indicator",
    metric: "度量" / "Metric",
    list_threshold: "榜单要求" / "List's threshold",
    committed_value: "承诺值" / "Committed",
    achieved: "实测值" / "Achieved",
    met: "达标" / "Met",
    key: "关键指标" / "Key indicator",
    yes: "是" / "yes",
    no: "否" / "no",
    not_measured: "尚无实测" / "not measured yet",
    source: "来源" / "Source",
    ledger: "指标台账" / "Indicator ledger",
    ledger_help: "每项承诺指标对照最近一次实测值（来自里程碑报告所附、平台签名的评测报告）；达标按承诺值判定，而非仅按榜单要求。" / "Each committed indicator against its latest measurement (from the platform-signed reports the milestone reports offer); met means it reaches the committed value, not only the list's threshold.",
    ledger_chart: "实测值与承诺值之比" / "Achieved as a share of committed",
    signed_report: "签名报告" / "signed report",
    agreement: "任务书" / "Task agreement",
    agreement_none: "牵头单位尚未编制任务书。" / "The lead unit has not drafted the task agreement yet.",
    agreement_edit: "编制任务书" / "Draft the task agreement",
    agreement_saved: "任务书已保存" / "Task agreement saved",
    agreement_print: "查看与打印任务书" / "View and print the agreement",
    agreement_signed: "已签订" / "Signed",
    agreement_draft: "草稿，尚未签订" / "Draft, not signed",
    agreement_hash: "任务书哈希（规范化文本的 SHA-256）" / "Agreement hash (SHA-256 of the RFC 8785 text)",
    agreement_signature: "平台签名（Ed25519）" / "Platform signature (Ed25519)",
    agreement_verify: "任何人可用平台公钥校验：下载 JSON，写成规范化文本（与测评报告相同的方法）后计算 SHA-256 并验证签名。" / "Anyone can check it with the platform's public key: download the JSON, write it in RFC 8785 form (as for evaluation reports), hash it with SHA-256 and verify the signature.",
    agreement_json: "下载 JSON" / "Download as JSON",
    party_a: "甲方（发榜方）" / "Party A (organizer)",
    party_b: "乙方（牵头单位）" / "Party B (lead unit)",
    party_c: "丙方（推荐或主管单位）" / "Party C (recommending unit)",
    period: "执行期" / "Period",
    start: "起始日期" / "Start",
    end: "结束日期" / "End",
    content: "主要研究开发内容" / "The work",
    plan: "计划进度和阶段目标" / "Plan and milestones",
    milestone: "里程碑" / "Milestone",
    milestone_title: "节点名称" / "Title",
    due: "到期日" / "Due",
    goal: "考核目标" / "What is checked",
    milestone_indicators: "须达到的承诺指标" / "Committed indicators to reach",
    plan_help: "每行一个里程碑，按日期先后；空行忽略。" / "One milestone a row, in date order; empty rows are ignored.",
    budget: "经费预算（元）" / "Budget (yuan)",
    total: "合计" / "Total",
    fiscal: "财政资金" / "Public money",
    tranches: "拨付计划" / "Tranches",
    tranches_help: "财政资金分批拨付及其条件；“里程碑”填计划中的序号。平台只计算可否拨付，不办理支付。" / "The public money's tranches and what releases each; for a milestone give its number in the plan. The platform says whether a tranche may be paid; it pays nothing.",
    amount: "金额（元）" / "Amount (yuan)",
    trigger: "拨付条件" / "Released",
    releasable: "可拨付" / "Releasable",
    withheld: "暂不可拨付" / "Withheld",
    refund_due: "应退还" / "Owed back",
    refund_note: "项目终止或验收不通过，已拨付资金按任务书约定的比例退还，合计（元）：" / "The project ended without success: the tranches paid are owed back at the agreement's factor, in all (yuan): ",
    refund: "未完成时退还比例" / "Refund on failure",
    refund_half: "部分退还（0.5 倍）" / "Part (0.5×)",
    refund_all: "全部退还（1 倍）" / "All (1×)",
    refund_double: "加倍退还（2 倍）" / "Double (2×)",
    progress_reports: "定期进展报告" / "Progress reports",
    progress_help: "任务书约定的定期报告：每个报告期结束后报送进展情况、存在问题和累计支出，最后一期随验收申请报告。" / "The periodic reports the agreement asks for: once a period is over, say what was done, what is in the way and what has been spent; the last period is reported with the acceptance application.",
    spent: "累计支出（元）" / "Spent so far (yuan)",
    problems: "存在问题" / "Problems",
    file_progress: "报送进展报告" / "File the progress report",
    progress_filed: "进展报告已报送" / "Progress report filed",
    save: "保存任务书" / "Save the agreement",
    milestones: "里程碑" / "Milestones",
    status: "状态" / "Status",
    report: "提交里程碑报告" / "Report a milestone",
    report_help: "说明完成情况，并提供佐证：本单位在本榜题的评测提交编号（评分中的提交评分后计入台账），和/或 PDF 附件。" / "Say what was done and give evidence: your unit's submission numbers on this challenge (one still being scored counts once scored), and/or PDF files.",
    summary: "完成情况" / "What was done",
    submissions: "评测提交编号（逗号分隔）" / "Submission numbers (separated by commas)",
    files: "佐证附件（PDF）" / "Evidence (PDF)",
    reported: "里程碑报告已提交，等待评审" / "Milestone report submitted; it awaits review",
    reports: "报告" / "Reports",
    submitted_at: "提交时间（北京时间）" / "Submitted (China Standard Time)",
    decision: "评审意见" / "Decision",
    note: "意见" / "Notes",
    rectify_by: "整改期限" / "Rectify by",
    review: "评审" / "Review",
    reviewed: "评审意见已记录" / "Decision recorded",
    awaiting: "待评审" / "awaiting review",
    history: "项目记录" / "History",
    at: "时间（北京时间）" / "When (China Standard Time)",
    action: "操作" / "Step",
    from_to: "状态变化" / "From → to",
    hidden_to_public: "任务书、报告、拨付与记录仅对项目各方可见。" / "The agreement, reports, tranches and history are for the project's parties only.",
    all_programs: "全部榜单" / "All programs",
    mid_term: "中期检查" / "Mid-term check",
    mid_term_help: "阶段任务完成情况按指标台账中承诺指标的达标比例分档计分（达标 50% 以上得满分）；其余为专家评分项；存在严重违反科研诚信行为的只能终止。" / "Stage-task completion is scored in bands from the share of committed indicators the ledger shows met (full marks from 50%); the rest are the experts' items; research misconduct allows only termination.",
    share_met_now: "当前承诺指标达标比例" / "Committed indicators met now",
    completion_points: "阶段任务完成情况分值" / "Points for stage-task completion",
    rubric_item: "评分项" / "Item",
    points: "分值" / "Points",
    score: "得分" / "Score",
    integrity_veto: "存在弄虚作假等严重违反科研诚信的行为" / "Fraud or other serious research misconduct was found",
    outcome: "检查结论" / "Outcome",
    record_mid_term: "记录中期检查结果" / "Record the mid-term check",
    mid_term_recorded: "中期检查结果已记录" / "Mid-term check recorded",
    completion: "任务完成" / "Completion",
    experts_items: "专家评分" / "Experts",
    total_score: "总分" / "Total",
    gate: "赛马关口" / "Race gate",
    gate_help: "按各项目最近一次中期检查总分排名，淘汰未达规则的项目（终止并记录名次）。" / "Ranks the projects by their latest mid-term totals and terminates those the rule drops, recording their places.",
    gate_keep_top: "保留前 N 名" / "Keep the best N",
    gate_at_least: "保留得分不低于" / "Keep those scoring at least",
    gate_value: "N 或分数" / "N or score",
    run_gate: "执行赛马关口" / "Run the gate",
    gate_done: "赛马关口已执行" / "Gate run",
    gates: "赛马记录" / "Gates",
    kept: "保留" / "Goes on",
    dropped: "淘汰" / "Dropped",
    changes: "变更" / "Changes",
    change_help: "变更由牵头单位申请，推荐单位审核（如本榜单设推荐环节），发榜方审批；批准前按原任务书执行。延期须在执行期结束前至少 3 个月申请，限一次，不超过 12 个月。" / "The lead unit asks, the recommending unit checks (where the program has one), the organizer decides; until approved the agreement's terms hold. An extension is asked at least 3 months before the end, once, for at most 12 months.",
    change_kind: "变更类型" / "Kind",
    new_end: "延期后结束日期" / "New end",
    new_value: "新的承诺值" / "New committed value",
    request_change: "申请变更" / "Ask for a change",
    change_requested: "变更申请已提交" / "Change requested",
    check_change: "推荐单位审核" / "Check as the recommending unit",
    decide_change: "发榜方审批" / "Decide as the organizer",
    agree: "同意" / "Agree",
    disagree: "不同意" / "Disagree",
    change_checked: "审核意见已提交" / "Check recorded",
    change_decided: "审批意见已提交" / "Decision recorded",
    acceptance: "验收" / "Acceptance",
    acceptance_help: "验收按团队承诺值逐项判定（而非仅按榜单要求），证据为验收阶段平台签名的测评报告与受托检测机构的报告；承诺指标达标不足 80%、材料或数据不实、擅自变更考核目标、逾期申请验收的，不能通过。" / "Acceptance judges each indicator against the team's committed value (not only the list's threshold), on the platform's signed reports from the acceptance phase and the designated labs' reports; under 80% of committed indicators met, untrue data, targets changed without approval or a late application cannot pass.",
    materials: "验收材料" / "Acceptance materials",
    apply_acceptance: "提交验收申请" / "Apply for acceptance",
    applied: "验收申请已提交" / "Acceptance applied for",
    material_application_form: "验收申请表" / "Application form",
    material_summary_report: "完成情况总结报告" / "Completion report",
    material_finance_report: "经费执行情况报告" / "Budget execution report",
    material_user_opinion: "用户意见书" / "User opinion",
    current: "当前测评结果" / "Results so far",
    concluded: "验收结果" / "Acceptance results",
    share: "承诺指标达标比例" / "Committed indicators met",
    vetoes: "否决情形" / "Vetoes",
    suggested: "按规则建议结论" / "Conclusion the rules suggest",
    no_veto: "无" / "none",
    labs: "受托检测机构" / "Designated labs",
    lab_email: "检测机构账户邮箱" / "The lab's account e-mail",
    lab_name: "检测机构名称" / "Lab name",
    designate_lab: "指定检测机构" / "Designate a lab",
    lab_designated: "检测机构已指定" / "Lab designated",
    lab_reports: "检测机构报告" / "Lab reports",
    lab_report: "提交测评报告" / "File the test report",
    lab_reported: "测评报告已提交" / "Test report filed",
    lab_report_help: "逐项填写所测承诺指标的实测值（未测的留空），并上传盖章的测评报告（PDF）。" / "Give the value measured for each committed indicator you tested (leave the others empty) and upload the sealed test report (PDF).",
    lab_source: "检测机构报告" / "lab report",
    phase: "验收测评阶段" / "Acceptance phase",
    labs_only: "不使用平台测评（仅检测机构）" / "No platform phase (labs only)",
    false_data: "发现材料或数据不实" / "Untrue documents or data were found",
    unapproved_change: "发现擅自变更考核目标" / "Targets were changed without approval",
    publicity: "结论公示期" / "Publicity of the conclusion",
    appeals: "申诉" / "Appeals",
    appeal: "提出申诉" / "Appeal",
    appeal_help: "对验收结论有异议的，可在公示期内提出申诉，写明事项与理由。" / "A team that disputes the conclusion may appeal within the publicity period, saying what and why.",
    appealed: "申诉已提交" / "Appeal filed",
    upheld: "申诉成立（重新评审）" / "Upheld (review again)",
    dismissed: "申诉不成立" / "Dismissed",
    decide_appeal: "处理申诉" / "Decide the appeal",
    appeal_decided: "申诉已处理" / "Appeal decided",
    awaiting_decision: "待处理" / "awaiting decision",
    statistics: "项目统计" / "Statistics",
    by_city: "按牵头单位所在市" / "By the lead unit's city",
    by_industry: "按所属行业" / "By industry",
    pass_rate: "验收通过率" / "Acceptance pass rate",
    releasable_total: "可拨付（万元）" / "Releasable (10,000 yuan)",
    withheld_total: "暂不可拨付（万元）" / "Withheld (10,000 yuan)",
    refund_total: "应退还（万元）" / "Owed back (10,000 yuan)",
    export_projects: "导出项目清单（Excel）" / "Export the projects (Excel)",
    export_acceptance: "导出验收结果（Excel）" / "Export the acceptance results (Excel)",
    acceptance_experts: "验收专家" / "Acceptance experts",
    ask_expert: "邀请验收专家" / "Ask an expert",
    expert_asked: "已邀请验收专家" / "Expert asked",
    opinions: "专家意见" / "Experts' opinions",
    recommended: "建议结论" / "Recommended conclusion",
    give_opinion: "提交验收意见" / "Give the opinion",
    opinion_given: "验收意见已提交" / "Opinion given",
});

texts!(
    /// The supply–demand catalogue (百企百景), typical scenarios and the search.
    CatalogueText, CATALOGUE_ZH, CATALOGUE_EN {
    nav: "供需对接" / "Supply & demand",
    search: "搜索" / "Search",
    search_placeholder: "搜索榜单任务、需求、方案、场景、数据集……" / "Search challenges, demands, solutions, scenarios, datasets…",
    search_title: "全站搜索" / "Search",
    search_help: "中英文均可，支持两字词（如“化工”“轴承”）与全角字符；只搜索公开信息。" / "Chinese or English, two-character words (化工, 轴承) and full-width input work; only public information is searched.",
    all_kinds: "全部类别" / "All kinds",
    kind: "类别" / "Kind",
    industry: "行业" / "Industry",
    region: "地区" / "Region",
    results: "条结果" / "results",
    relaxed: "没有同时包含所有词的结果，以下为包含任一词的结果。" / "Nothing has every word; these have any of them.",
    no_results: "没有找到结果。可以换个说法，或去掉筛选条件。" / "Nothing found. Try other words or fewer filters.",
    clear_filters: "清除筛选" / "Clear filters",
    previous: "上一页" / "Previous",
    next: "下一页" / "Next",
    demands: "场景需求" / "Demands",
    demands_help: "企业与单位发布的场景需求与技术需求。登录后可看到更多字段；联系方式仅对平台组织方和需求单位可见。" / "Scenario and technical demands published by enterprises and units. Sign in to read more fields; contacts are for the catalogue's organizers and the demanding unit only.",
    solutions: "解决方案" / "Solutions",
    solutions_help: "供给方登记的行业大模型、解决方案、智能装备、数据集与服务；带证据的指标可逐项核验。" / "Industry models, solutions, equipment, datasets and services entered by providers; each evidenced value can be checked.",
    statistics: "对接成效" / "Matchmaking results",
    scenarios: "典型场景" / "Typical scenarios",
    scenarios_help: "《智能制造典型场景参考指引（2025年版）》：8 个环节、40 个场景。标“待核实”的场景名称来自二手资料，尚未与原文逐字核对。" / "The 2025 intelligent-manufacturing typical scenario guide: 8 stages, 40 scenarios. Names marked 'unverified' come from secondary sources and are not yet checked word for word against the original.",
    confirmed: "已核实" / "Confirmed",
    unverified: "待核实" / "Unverified",
    stage: "环节" / "Stage",
    number: "编号" / "Number",
    title: "名称" / "Title",
    organization: "需求单位" / "Demanding unit",
    demander_kind: "单位类型" / "Kind of unit",
    field: "应用领域" / "Application field",
    scenario: "典型场景" / "Typical scenario",
    pain_points: "痛点问题" / "Pain points",
    requirements: "量化技术指标" / "Quantified requirements",
    offers: "需求方可提供" / "The demander offers",
    cooperation: "合作方式" / "Cooperation",
    budget: "预算" / "Budget",
    negotiable: "面议" / "Negotiable",
    wan: "万元" / "×10k CNY",
    published_on: "发布日期" / "Published",
    deadline: "截止日期" / "Deadline",
    contact: "联系方式" / "Contact",
    state: "状态" / "State",
    withheld: "以下信息未向您公开：" / "Not shown to you:",
    withheld_sign_in: "登录后可查看更多信息。" / "Sign in to read more.",
    promoted: "已转为榜单任务" / "Promoted into a challenge",
    matches: "匹配的解决方案" / "Matching solutions",
    matches_help: "按行业、场景、地区、文本相关度与有证据的指标排序，并列出理由。" / "Ranked by industry, scenario, region, text and evidenced values, with the reasons.",
    no_matches: "暂无匹配的解决方案。" / "No matching solution yet.",
    score: "匹配度" / "Score",
    reasons: "理由" / "Reasons",
    engagements: "对接记录" / "Engagements",
    no_engagements: "尚无对接记录。" / "No engagement yet.",
    record_engagement: "记录对接意向" / "Record an intention",
    channel: "对接渠道" / "Channel",
    note: "备注" / "Note",
    record: "记录" / "Record",
    engagement_recorded: "已记录对接意向。" / "The intention is recorded.",
    advance_to: "推进到" / "Move on to",
    amount: "签约金额（万元）" / "Amount (×10k CNY)",
    signed_on: "签约日期" / "Signed on",
    engagement_advanced: "对接阶段已更新。" / "The engagement has moved on.",
    stage_reached: "当前阶段" / "Stage",
    solution: "解决方案" / "Solution",
    provider: "供给方" / "Provider",
    solution_kind: "类型" / "Type",
    summary: "简介" / "Summary",
    claims: "指标与证据" / "Values and their evidence",
    claim_value: "实测值" / "Measured",
    claim_holds: "达到声明水平" / "Meets the claimed level",
    claim_short: "未达声明水平" / "Below the claimed level",
    signed_report: "平台签名测评报告" / "Signed jiebang report",
    lab_report: "第三方检测报告" / "Third-party lab report",
    deployments: "部署方式" / "Deployment",
    cases: "典型案例" / "Cases",
    qualifications: "资质" / "Qualifications",
    price: "价格区间" / "Price range",
    accepted_model: "验收通过的模型，结果由平台签名" / "A model accepted in a project, its results signed by the platform",
    demands_count: "需求" / "Demands",
    solutions_count: "方案" / "Solutions",
    engagements_count: "对接" / "Engagements",
    signed_count: "签约" / "Signed",
    signed_value: "签约金额（万元）" / "Signed value (×10k CNY)",
    promoted_count: "转为榜单任务" / "Promoted to challenges",
    by_industry: "按行业" / "By industry",
    by_city: "按城市" / "By city",
    nothing_yet: "暂无数据。" / "Nothing yet.",
    import: "导入供需目录" / "Import the catalogue",
    import_help: "上传 .xlsx 或 .csv（UTF-8 或 GBK 编码均可），第一行为中文表头。任何一行有误时，列出所有错误，且不导入任何数据。方案的指标须附证据，请在录入后逐项添加。" / "Upload an .xlsx or a .csv (UTF-8 or GBK) whose first row holds the Chinese headers. If any row is wrong, every problem is listed and nothing is imported. A solution's claimed values need their evidence: add them after the import.",
    demand_headers: "表头：需求编号、需求名称、需求单位、单位类型、所属行业、所在地区、应用领域、典型场景、痛点问题、技术指标、可提供条件、合作方式、预算（万元）、发布日期、截止日期、联系人、联系电话、电子邮箱。" / "Headers (in Chinese): number, title, demanding unit, kind of unit, industries, region, field, typical scenario, pain points, requirements, offers, cooperation, budget, published, deadline, contact, phone, e-mail.",
    solution_headers: "表头：方案名称、供给方、类型、适用行业、适用场景、所在地区、方案简介、部署方式、资质、价格下限（万元）、价格上限（万元）、联系人、联系电话、电子邮箱。" / "Headers (in Chinese): title, provider, type, industries, scenarios, region, summary, deployment, qualifications, lowest and highest price, contact, phone, e-mail.",
    export: "导出 XLSX" / "Export as XLSX",
    datasets: "数据集" / "Datasets",
    datasets_help: "数据集说明卡：来源与许可、标注（GB/T 42755）、质量、合规与开放方式。隐藏测试集只描述，不提供下载。" / "Dataset cards: sources and licences, labelling (GB/T 42755), quality, compliance and access. Hidden test sets are described, never offered for download.",
    version: "版本" / "Version",
    builder: "建设单位" / "Built by",
    modality: "模态" / "Modality",
    dataset_stage: "用途" / "Use",
    records: "记录数" / "Records",
    size: "大小" / "Size",
    schema: "数据结构" / "Schema",
    labels: "标签集" / "Label set",
    sources: "来源与许可" / "Sources and licences",
    labelling: "标注" / "Labelling",
    labelling_roles: "标注角色" / "Roles",
    labelling_method: "标注方法" / "Method",
    acceptance_sampling: "验收抽样" / "Acceptance sampling",
    quality: "质量评分" / "Quality scores",
    compliance: "合规" / "Compliance",
    personal_information: "个人信息" / "Personal information",
    copyright: "版权" / "Copyright",
    content_safety: "内容安全抽检" / "Content-safety sampling",
    access: "开放方式" / "Access",
    evaluation_only_note: "本数据集仅由平台托管用于评测，不提供下载。" / "The platform holds this dataset for evaluation only; it cannot be downloaded.",
    lineage: "数据血缘" / "Lineage",
    for_challenge: "所属榜单任务" / "Challenge",
    dataset_cards: "数据集说明卡" / "Dataset cards",
    events: "对接会" / "Matchmaking events",
    events_help: "供需对接会：把征集中的需求与解决方案汇编成册，现场洽谈，会后跟踪签约。" / "Matchmaking events: open demands and solutions gathered into a catalogue, talks at the event, contracts followed afterwards.",
    held_on: "举办日期" / "Held on",
    venue: "地点" / "Venue",
    host: "主办单位" / "Host",
    booklet: "下载对接会手册（PDF）" / "Download the booklet (PDF, in Chinese)",
    event_catalogue: "下载对接目录（XLSX）" / "Download the catalogue (XLSX)",
    typical_case: "典型案例" / "Typical case",
    new_demand: "发布需求" / "Publish a demand",
    demand_created: "需求已发布（征集中）。" / "The demand is published and collecting solutions.",
    unit_for: "代表单位" / "For the unit",
    no_unit: "不关联已登记单位（平台组织方录入）" / "No registered unit (entered by the organizers)",
    requirements_help: "每行一个指标：名称 | 表达式，如「泄漏识别召回率 | recall>=0.95」。" / "One indicator a line: name | expression, e.g. '泄漏识别召回率 | recall>=0.95'.",
    industries_help: "GB/T 4754 大类代码或名称，多个用逗号分隔，如 26, 34。" / "GB/T 4754 division codes or names, comma-separated, e.g. 26, 34.",
    region_help: "GB/T 2260 代码或名称，如 370100 或 济南市。" / "A GB/T 2260 code or name, e.g. 370100 or 济南市.",
    budget_help: "万元；面议请留空。" / "In 10,000 CNY; leave empty if negotiable.",
    who_reads: "谁能看到" / "Who may read",
    publish: "发布" / "Publish",
    phone: "联系电话" / "Phone",
    new_solution: "登记解决方案" / "Enter a solution",
    solution_created: "解决方案已登记。" / "The solution is entered.",
    scenario_codes_help: "典型场景编号，多个用逗号分隔，如 ZNZZ-2025-24。" / "Typical scenario codes, comma-separated, e.g. ZNZZ-2025-24.",
    list_help: "多个用逗号分隔。" / "Comma-separated.",
    claims_later: "带证据的指标（平台签名测评报告或第三方检测报告）在登记后于方案页面逐项添加；验收通过的项目可直接列入，结果自动附上。" / "Values with their evidence (a signed jiebang report or a lab's report) are added one by one on the solution's page after entry; a project accepted here is listed with its signed results attached.",
    add_claim: "添加实测指标" / "Add a measured value",
    add_claim_help: "签名测评报告须是本单位已评分的提交，实测值须与报告（本单位可见部分）一致；第三方检测报告请上传 PDF，读者可下载。" / "A signed report must be your unit's scored submission and the value the one its report shows (in the part your unit sees); a lab's report is uploaded as a PDF, which readers may download.",
    indicator_name: "指标名称" / "Indicator",
    metric_key: "指标键" / "Metric key",
    claimed_level: "声明水平" / "Claimed level",
    unit_label: "单位" / "Unit",
    evidence: "佐证" / "Evidence",
    submission_number: "提交编号" / "Submission number",
    lab_name: "检测机构" / "Lab",
    tested_on: "检测日期" / "Tested on",
    report_pdf: "检测报告（PDF）" / "The lab's report (PDF)",
    claim_added: "实测指标已添加。" / "The measured value is added.",
    download_report: "下载报告" / "Download the report",
    new_event: "新建对接会" / "New matchmaking event",
    event_name: "对接会名称" / "Event name",
    event_created: "对接会已创建，请添加参会的需求和方案。" / "The event is created: add the demands and solutions it presents.",
    add_entries: "添加参会需求和方案" / "Add demands and solutions",
    add_entries_help: "可添加征集中或对接中的需求，以及任何方案；已在本场的不再列出。" / "Demands still collecting or matching, and any solution, may be added; those already here are not listed.",
    nothing_to_add: "没有可添加的需求或方案。" / "There is nothing left to add.",
    entries_added: "已添加到对接会。" / "Added to the event.",
    new_case: "登记典型案例" / "File a typical case",
    case_title: "案例名称" / "Case title",
    case_organization: "实施单位" / "Implemented by",
    case_results: "成效" / "Results",
    case_created: "典型案例已登记。" / "The typical case is filed.",
    year: "年份" / "Year",
    import_edition: "导入场景指引新版本" / "Import a guide's edition",
    import_edition_help: "TSV（UTF-8）：每行 编码、序号、环节、名称、来源，可再加 行业、业务活动、痛点问题、关键技术、预期成效，以制表符分隔；# 开头为注释。任何一行有误时逐行列出，不导入。" / "A TSV (UTF-8): each line code, number, stage, name and source, then optionally industries, activity, problem, technologies and KPIs, tab-separated; lines starting with # are comments. If any line is wrong, every bad line is listed and nothing is imported.",
    source_confirmed: "来源：经指引正式文本核实" / "source: checked against the guide's text",
    source_secondary: "来源：二手资料，待核实" / "source: a secondary list, not yet checked",
    edition_name: "指引名称及版本" / "Guide and edition",
    edition_file: "场景文件（TSV）" / "Scenario file (TSV)",
    edition_imported: "场景指引已导入。" / "The guide's edition is imported.",
    new_card: "登记数据集说明卡" / "Enter a dataset card",
    card_created: "数据集说明卡已登记。" / "The dataset card is entered.",
    card_help: "按《数据集建设指南》与 GB/T 42755 填写。评测数据集的隐藏测试部分只能选「仅评测托管」，不提供下载。" / "Fill it in after the national dataset guidelines and GB/T 42755. A hidden test set can only be held for evaluation, never offered for download.",
    sources_help: "每行一个：来源 | 许可或使用协议，如「某厂历史数据库 | 数据使用协议（2025）」。" / "One a line: source | licence or agreement, e.g. 'the plant's historian | data use agreement (2025)'.",
    quality_help: "每行一个：维度 | 0 到 1 的分数，如「准确性 | 0.97」。" / "One a line: dimension | a score from 0 to 1, e.g. 'accuracy | 0.97'.",
    lineage_help: "每行一个上游数据集及其版本。" / "One upstream dataset and its version a line.",
    dataset_version: "评测数据集版本编号（可选）" / "Challenge dataset version id (optional)",
    bytes: "字节数" / "Bytes",
    email: "电子邮箱" / "E-mail",
});

texts!(
    /// The audit page's strings (审计检查点).
    AuditText, AUDIT_ZH, AUDIT_EN {
    title: "审计记录检查点" / "Audit checkpoints",
    intro: "平台的每项决定都记入哈希链审计日志。平台每天以及每次公示、公告和签发测评报告时，用平台密钥对日志的最新状态（事件数与最后一个事件的哈希）签名并在此公布。保存这些检查点，日后即可证明日志没有被截短或改写。" / "Every decision on the platform is written to a hash-chained audit log. Daily, and at every publicity notice, announcement and signed report, the platform signs the log's head (the number of events and the last one's hash) with its key and publishes it here. Keep these checkpoints: they prove later that the log was neither cut short nor rewritten.",
    none: "尚无检查点。" / "No checkpoint yet.",
    at: "签署时间（北京时间）" / "Signed (China Standard Time)",
    reason: "原因" / "Reason",
    events: "事件数" / "Events",
    head: "最新事件哈希" / "Head hash",
    signature: "签名" / "Signature",
    public_key: "平台公钥" / "Platform public key",
    download: "下载 JSON" / "Download as JSON",
    check_with: "校验方法：" / "Check it with",
    daily: "每日" / "Daily",
    publicity: "公示" / "Publicity",
    announcement: "公告" / "Announcement",
    report: "测评报告" / "Evaluation report",
});

texts!(
    /// The selection pages' strings (申报、推荐、评审、公示、公告).
    SelectText, SELECT_ZH, SELECT_EN {
    total_row: "合计" / "Total",
    invite_unit: "邀请未注册的联合单位" / "Invite a unit that is not on the platform yet",
    invite_unit_help: "对方会收到邮件：设置密码、登记单位并通过核验后，即可列入联合体并在本页确认参加。" / "They get a mail: once they set a password and their unit is registered and verified, add it to the consortium; they confirm on this page.",
    invite_unit_name: "单位名称" / "Unit name",
    invite_email: "联系人邮箱" / "Contact's e-mail",
    invite_unit_button: "发送邀请" / "Send the invitation",
    unit_invited: "已发送邀请邮件。" / "The invitation is sent.",
    unit_invited_no_mail: "已邀请。本平台尚未配置邮件发送：邀请链接已交给平台管理员，请联系管理员转交。" / "Invited. This platform does not send mail yet: the link went to its administrator; ask them to pass it on.",
    desk_draft: "榜单尚未发布：在批次页面发布后开始受理申报。" / "The list is not published yet: publish it on the program's page to take applications.",
    desk_published: "正在受理申报；申报截止后可抽取评审专家。" / "Applications are open; experts are drawn once they close.",
    desk_closed: "申报已截止：抽取评审专家，然后在批次页面进入评审。" / "Applications are closed: draw the experts, then move the program to review on its page.",
    desk_review: "评审中：抽取或补抽专家，汇总排名，然后发布公示。" / "Under review: draw experts, compute the ranking, then publish the draft list.",
    desk_publicity: "公示中：处理异议，公示期满后发布公告。" / "In publicity: decide the objections, then announce the final list once the period ends.",
    desk_after: "名单已公告。" / "The final list is announced.",
    download_pdf: "下载申报书（PDF，用于盖章与存档）" / "Download the application as PDF (in Chinese, for sealing and filing)",
    actions: "操作" / "Actions",
    announce: "发布公告" / "Announce the final list",
    announce_help: "公示期满且异议全部处理后，发布入围名单。" / "After the publicity period, once every objection is decided, announce the final list.",
    announcement: "公告" / "Announcement",
    announcement_title: "入围名单公告" / "Announcement of the selected projects",
    application_form: "揭榜申报书" / "Application",
    applications: "揭榜申报" / "Applications",
    apply: "我要揭榜" / "Apply",
    assign_expert: "指定专家" / "Assign expert",
    attach_pdf: "添加附件（PDF，20 MB 以内）" / "Attach a PDF (up to 20 MB)",
    attachments: "附件" / "Attachments",
    budget: "经费预算" / "Budget",
    by_city: "按所在市" / "By city",
    by_industry: "按所属行业" / "By industry",
    by_kind: "按单位类型" / "By organization kind",
    by_state: "按状态" / "By state",
    city: "所在市" / "City",
    comment: "专家意见" / "Comments",
    commitments: "榜单指标响应" / "Committed indicators",
    committed: "承诺值" / "Committed",
    compute_ranking: "计算排名" / "Compute ranking",
    consortium: "联合体" / "Consortium",
    contact: "联系方式" / "Contact",
    credit_code: "统一社会信用代码" / "Credit code",
    criterion: "评审指标" / "Criterion",
    decide: "处理" / "Decide",
    declare_conflict: "声明回避" / "Declare a conflict of interest",
    direction: "揭榜方向" / "Direction",
    draw_experts: "随机抽取专家" / "Draw experts",
    dual_role: "兼任声明" / "Dual role",
    dual_role_confirm: "本人确认以上声明属实，并知悉不得评审本人所代表单位的申报" / "I confirm this statement and know I may not review my own units' applications",
    dual_role_declare: "提交兼任声明" / "Declare the dual role",
    dual_role_declared: "已声明" / "Declared",
    dual_role_help: "您的账户同时代表本批次的申报单位。提交兼任声明前，您不会被抽取或指定评审本批次的任何申报；声明后也不会评审本人所代表单位的申报。" / "Your account also acts for a unit applying in this program. Until you declare this dual role you are drawn or assigned for none of its applications; afterwards, for none of your own units'.",
    dual_role_statement: "声明内容（您在哪个申报单位担任什么角色）" / "Statement (which applying unit you act for, and how)",
    dual_roles: "专家兼任声明" / "Experts' dual-role statements",
    no_dual_roles: "暂无专家兼任声明。" / "No dual-role statements.",
    draw_help: "按批次规定的人数为每项申报抽取无利益冲突的专家；种子留存，可供复现。" / "Draws experts without conflicts for every checked application; the seed is recorded so anyone can replay the draw.",
    expert: "专家" / "Expert",
    file_objection: "提出异议" / "File an objection",
    filer_kind: "反映人类型" / "Filed as",
    filer_name: "真实姓名或单位名称" / "Real name or unit name",
    final_score: "总分" / "Final score",
    handling: "核查与处理意见" / "Handling",
    history: "全部记录" / "History",
    inbox: "消息" / "Messages",
    indicator: "指标" / "Indicator",
    industry: "所属行业" / "Industry",
    joint_units: "联合单位" / "Joint units",
    lead_unit: "牵头单位" / "Lead unit",
    leader: "项目负责人" / "Project leader",
    leader_name: "姓名" / "Name",
    leader_title: "职称" / "Title",
    legal_basis: "依据（可留空）" / "Legal basis (optional)",
    login_to_object: "后可实名提出异议。" / "to file an objection under your real name.",
    max_score: "满分" / "Max",
    my_reviews: "我的评审" / "My reviews",
    no_applications: "暂无申报。" / "No applications yet.",
    no_assignments: "暂无评审任务。" / "No assignments.",
    no_messages: "暂无消息。" / "No messages.",
    no_objections: "暂无异议。" / "No objections.",
    not_an_expert: "您不在专家库中。" / "You are not in the expert pool.",
    number: "编号" / "No.",
    objection_content: "异议事实与理由" / "Facts and reasons",
    objection_filed: "异议已提交，发榜方将核查处理并告知结果。" / "Your objection was filed; the organizer will look into it and tell you the outcome.",
    objections: "异议" / "Objections",
    objective_phase: "客观测评（排行榜）" / "Objective evaluation (leaderboard)",
    objective_weight: "客观测评权重（0–1）" / "Weight of the objective score (0–1)",
    organizer_desk: "发榜方工作台" / "Organizer's desk",
    outlier: "离群" / "Outlier",
    outlier_help: "与中位数相差超过批次规定的分值，请专家组长关注。" / "Further from the median than the program allows; for the panel chair.",
    place_accept: "确认参加联合体" / "Join the consortium",
    place_decline: "拒绝参加" / "Decline",
    place_decline_confirm: "拒绝后该申报将退回牵头单位" / "Declining returns the application to its lead unit",
    place_question: "本申报将以下单位列为联合体成员，请确认：" / "This application names your unit in its consortium; please answer for",
    place_state: "成员确认" / "Confirmation",
    process: "评审过程（可留空）" / "Process run (optional)",
    project_name: "项目名称" / "Project",
    project_name_hint: "如：云鼎化工行业大模型" / "e.g. Yunding chemical-industry model",
    proposed_mark: "拟入选" / "Proposed",
    publicity: "公示" / "Publicity",
    publicity_title: "拟入选名单公示" / "Publicity of the proposed list",
    tier: "类别" / "Tier",
    publish_publicity: "发布公示" / "Publish for publicity",
    rank: "排名" / "Rank",
    ranking: "排名与拟入选" / "Ranking",
    reason: "理由" / "Reason",
    recommender: "推荐单位" / "Recommended by",
    review_form: "专家评分" / "Review",
    review_score: "评审得分" / "Review score",
    reviewed: "已评审" / "Reviewed",
    reviews: "专家评审" / "Reviews",
    role: "角色" / "Role",
    save_draft: "保存草稿" / "Save draft",
    score: "得分" / "Score",
    sealed: "单位反映：书面材料已加盖单位公章" / "Unit: the written objection carries the unit's seal",
    seed: "随机种子（可留空）" / "Seed (optional)",
    serial: "序号" / "No.",
    selected_count: "入选" / "Selected",
    snapshot: "提交快照 SHA-256" / "Submitted snapshot SHA-256",
    state: "状态" / "State",
    statistics: "统计" / "Statistics",
    submit_review: "提交评审意见" / "Submit review",
    summary: "技术方案摘要" / "Technical summary",
    target: "榜单要求" / "Target",
    tie_break: "同分时提交时间早者在前，再按申报编号。" / "Ties go to the earlier submission, then the lower application number.",
    to_review: "待评审" / "To review",
    total: "总分" / "Total",
    unit: "单位" / "Unit",
    upload: "上传" / "Upload",
    veto: "一票否决（理由）" / "Veto (reason)",
    veto_help: "如有不符合申报条件的情形，写明理由" / "Only if the application fails an eligibility rule; give the reason",
    vetoed: "否决" / "Vetoed",
    work: "任务分工" / "Work",
    done_draw: "专家已抽取。" / "Experts drawn.",
    done_rank: "排名已计算。" / "Ranking computed.",
    done_publish: "公示已发布。" / "The list is published for publicity.",
    done_announce: "入围名单已公告。" / "The final list is announced.",
    done_decide: "异议已处理，反映人将收到通知。" / "The objection is decided; its filer is told.",
    done_attach: "附件已上传。" / "The attachment is uploaded.",
    done_place: "已答复联合体邀请。" / "Your answer to the consortium is recorded.",
    done_act: "操作已完成，相关各方将收到通知。" / "Done; those concerned are notified.",
    done_review: "评审意见已提交。" / "Your review is submitted.",
    done_conflict: "已声明回避。" / "The conflict of interest is declared.",
    done_assign: "专家已指定。" / "The expert is assigned.",
    done_dual_role: "兼任声明已提交。" / "Your dual-role statement is recorded.",
    }
);

#[cfg(test)]
mod tests {
    use super::Lang;

    #[test]
    fn a_message_in_both_languages_is_said_in_one() {
        let message = "单位「云鼎科技」已登记 / organization 云鼎科技 is registered; 日期无效 / 'x' is a date; or not";
        assert_eq!(Lang::Zh.pick(message), "单位「云鼎科技」已登记；日期无效");
        assert_eq!(Lang::En.pick(message), "organization 云鼎科技 is registered; 'x' is a date; or not");
        assert_eq!(Lang::En.pick("仅有中文，GB/T 4754"), "仅有中文，GB/T 4754", "one side only: kept whole");
    }

    #[test]
    fn fields_are_named_by_their_labels() {
        assert_eq!(Lang::Zh.field_label("commitments[0].value"), "指标承诺 1 · 承诺值");
        assert_eq!(Lang::En.field_label("team[2].name"), "team member 3 · name");
        assert_eq!(Lang::En.field_label("unknown_key"), "unknown_key");
    }
}
