//! Every user-facing string of the pages, one catalogue per language. A catalogue is a struct,
//! so a string missing in one language is a compile error, not a blank on a page.

use jiebang_core::industry::IndustryCode;
use jiebang_core::region::Region;

/// A supported language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// 简体中文, the default.
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
}

/// The strings of one language.
#[derive(Debug)]
pub struct Catalog {
    /// Which language.
    pub lang: Lang,
    /// BCP 47 tag for `<html lang>`.
    pub html_lang: &'static str,
    /// Cookie value that switches to the other language.
    pub other_lang_code: &'static str,
    /// 揭榜 / jiebang
    pub app_name: &'static str,
    /// 揭榜挂帅 · 行业大模型开放竞争平台 / Open competitions for industry AI models
    pub tagline: &'static str,
    /// 榜单 / Programs
    pub nav_programs: &'static str,
    /// 单位 / Organizations
    pub nav_organizations: &'static str,
    /// 账户 / Account
    pub nav_account: &'static str,
    /// 登录 / Sign in
    pub nav_login: &'static str,
    /// 退出 / Sign out
    pub nav_logout: &'static str,
    /// API 文档 / API docs
    pub nav_api: &'static str,
    /// English / 中文
    pub other_lang: &'static str,
    /// jiebang — 揭榜挂帅全流程开放平台：发榜、揭榜、评审、公示、测评、验收。 / jiebang — the open platform for 揭榜挂帅 programs: publish, apply, review, announce, evaluate, accept.
    pub footer: &'static str,
    /// The evaluation pages' strings.
    pub eval: &'static EvalText,
    /// The selection pages' strings.
    pub sel: &'static SelectText,
    /// Delivered models' strings.
    pub model: &'static ModelText,
    /// The audit page's strings.
    pub audit: &'static AuditText,
    /// The organization register's verification strings.
    pub org: &'static OrgText,
    /// 示例数据 / Demo data
    pub demo_badge: &'static str,
    /// 本站加载了示例数据，内容仿照公开报道编写，仅用于演示。 / This site shows demo data modelled on public reports, for demonstration only.
    pub demo_notice: &'static str,
    /// 揭榜挂帅批次 / Programs
    pub programs_heading: &'static str,
    /// 新建批次 / New program
    pub new_program: &'static str,
    /// 暂无公开的批次。 / No programs yet.
    pub no_programs: &'static str,
    /// 发榜方 / Issuer
    pub issuer: &'static str,
    /// 年度 / Year
    pub year: &'static str,
    /// 状态 / Status
    pub status: &'static str,
    /// 榜单任务 / Challenges
    pub challenge_count: &'static str,
    /// 规则 / Rules
    pub rules: &'static str,
    /// 时间安排 / Timeline
    pub timeline: &'static str,
    /// 联合单位上限 / Joint units at most
    pub max_joint_units: &'static str,
    /// 每单位牵头申报上限 / Applications per organization
    pub max_applications: &'static str,
    /// 公示期（工作日） / Publicity (working days)
    pub publicity_days: &'static str,
    /// 每个地区推荐名额（0 为不限） / Recommendations per region (0 = no limit)
    pub recommendation_quota: &'static str,
    /// 每项申报评审专家数 / Experts per application
    pub experts_per_application: &'static str,
    /// 全批次入选总数上限（0 为不限） / Selections across the program (0 = no limit)
    pub selection_quota: &'static str,
    /// 专家评分汇总 / Score aggregation
    pub aggregation: &'static str,
    /// 需地方推荐 / Regional recommendation
    pub recommendation: &'static str,
    /// 前期优胜不得重复申报 / Earlier winners excluded
    pub exclude_winners: &'static str,
    /// 是 / Yes
    pub yes: &'static str,
    /// 否 / No
    pub no: &'static str,
    /// 开始申报 / Applications open
    pub opens_on: &'static str,
    /// 申报截止 / Applicant deadline
    pub applicant_deadline: &'static str,
    /// 推荐截止 / Recommender deadline
    pub recommender_deadline: &'static str,
    /// 评审完成 / Review by
    pub review_by: &'static str,
    /// 公告 / Announcement by
    pub announce_by: &'static str,
    /// 筛选 / Filter
    pub filter: &'static str,
    /// 所属行业 / Industry
    pub industry: &'static str,
    /// 所在地区 / Region
    pub region: &'static str,
    /// 揭榜方向 / Direction
    pub direction: &'static str,
    /// 全部 / All
    pub all: &'static str,
    /// 关键词 / Keyword
    pub keyword: &'static str,
    /// 任务编号 / No.
    pub code: &'static str,
    /// 序号 / #
    pub number: &'static str,
    /// 任务名称 / Title
    pub title: &'static str,
    /// 任务类别 / Task class
    pub task_class: &'static str,
    /// 考核指标 / Indicators
    pub indicators: &'static str,
    /// 实施期限 / Period
    pub period: &'static str,
    /// 个月 / months
    pub months: &'static str,
    /// 拟入选数量 / Winners
    pub winners: &'static str,
    /// 没有符合条件的任务。 / No matching challenges.
    pub no_challenges: &'static str,
    /// 导出 Excel / Export Excel
    pub export_xlsx: &'static str,
    /// 导出 CSV / Export CSV
    pub export_csv: &'static str,
    /// 导入榜单 / Import list
    pub import_list: &'static str,
    /// 新增任务 / New challenge
    pub new_challenge: &'static str,
    /// 编辑 / Edit
    pub edit: &'static str,
    /// 变更状态： / Move to:
    pub move_to: &'static str,
    /// 发榜方操作 / Organizer tools
    pub organizer_tools: &'static str,
    /// 共 / Total
    pub total: &'static str,
    /// 项 / items
    pub items: &'static str,
    /// 上一页 / Previous
    pub previous: &'static str,
    /// 下一页 / Next
    pub next: &'static str,
    /// 按行业分布 / By industry
    pub by_industry: &'static str,
    /// 按地区分布 / By region
    pub by_region: &'static str,
    /// 未指定 / Unspecified
    pub unspecified: &'static str,
    /// 需求背景 / Background
    pub background: &'static str,
    /// 应用场景 / Scenario
    pub scenario: &'static str,
    /// 攻关目标 / Objectives
    pub objectives: &'static str,
    /// 预期成果 / Deliverables
    pub deliverables: &'static str,
    /// 支持方式 / Support
    pub support: &'static str,
    /// 细分领域 / Sub-field
    pub sub_field: &'static str,
    /// 指标名称 / Indicator
    pub indicator_name: &'static str,
    /// 指标键 / Metric key
    pub metric: &'static str,
    /// 目标值 / Target
    pub target: &'static str,
    /// 比较 / Operator
    pub operator: &'static str,
    /// 阈值 / Threshold
    pub threshold: &'static str,
    /// 单位 / Unit
    pub unit: &'static str,
    /// 测试方法 / Test method
    pub test_method: &'static str,
    /// 类型 / Kind
    pub kind: &'static str,
    /// 硬性（一票否决） / Hard (veto)
    pub hard: &'static str,
    /// 计分 / Scored
    pub scored: &'static str,
    /// 权重 / Weight
    pub weight: &'static str,
    /// 越高越好 / higher is better
    pub better_higher: &'static str,
    /// 越低越好 / lower is better
    pub better_lower: &'static str,
    /// 返回榜单 / Back to the list
    pub back_to_list: &'static str,
    /// 删除 / Delete
    pub delete: &'static str,
    /// Confirmation beside the delete button.
    pub delete_confirm: &'static str,
    /// A challenge taken off the list (badge).
    pub archived: &'static str,
    /// The archive notice's lead-in.
    pub archived_notice: &'static str,
    /// The archive button.
    pub archive: &'static str,
    /// The archive reason field.
    pub archive_reason: &'static str,
    /// Confirmation beside the archive button.
    pub archive_confirm: &'static str,
    /// 邮箱 / E-mail
    pub email: &'static str,
    /// 密码 / Password
    pub password: &'static str,
    /// 邮箱或密码错误。 / Wrong e-mail or password.
    pub login_failed: &'static str,
    /// 保存 / Save
    pub save: &'static str,
    /// 取消 / Cancel
    pub cancel: &'static str,
    /// 添加指标 / Add indicator
    pub add_indicator: &'static str,
    /// 请修改标出的错误后重新提交。 / Please correct the marked fields and submit again.
    pub fix_errors: &'static str,
    /// 批次名称 / Program title
    pub program_title: &'static str,
    /// 说明 / Description
    pub description: &'static str,
    /// 上传并导入 / Upload and import
    pub upload: &'static str,
    /// 上传 .xlsx 或 .csv 文件（UTF-8 或 GBK 编码）。任一行有误则不导入任何数据，并列出所有错误。 / Upload an .xlsx or .csv file (UTF-8 or GBK). If any row is wrong nothing is imported and every problem is listed.
    pub import_help: &'static str,
    /// 列名与填写规则见 / Columns and rules: see
    pub template_help: &'static str,
    /// 榜单模板说明 / the list template
    pub template_doc: &'static str,
    /// 已导入 / Imported
    pub imported: &'static str,
    /// 行 / Row
    pub row: &'static str,
    /// 列 / Column
    pub column: &'static str,
    /// 问题 / Problem
    pub problem: &'static str,
    /// 单位名称 / Name
    pub org_name: &'static str,
    /// 统一社会信用代码 / Unified social credit code
    pub credit_code: &'static str,
    /// 单位类型 / Kind
    pub org_kind: &'static str,
    /// 登记单位 / Register an organization
    pub register_org: &'static str,
    /// 暂无登记单位。 / No organizations yet.
    pub no_orgs: &'static str,
    /// API 令牌 / API tokens
    pub tokens: &'static str,
    /// 令牌名称 / Token name
    pub token_name: &'static str,
    /// 创建令牌 / Create token
    pub create_token: &'static str,
    /// 新令牌（只显示这一次，请立即保存）： / New token (shown only once, save it now):
    pub token_created: &'static str,
    /// 最近使用 / Last used
    pub last_used: &'static str,
    /// 失效时间 / Expires
    pub expires: &'static str,
    /// 创建时间 / Created
    pub created: &'static str,
    /// 从未 / never
    pub never: &'static str,
    /// 角色 / Roles
    pub roles: &'static str,
    /// 出错了 / Something went wrong
    pub error_title: &'static str,
    /// 首页 / Home
    pub home: &'static str,
}

/// 简体中文.
pub static ZH: Catalog = Catalog {
    lang: Lang::Zh,
    html_lang: "zh-CN",
    other_lang_code: "en",
    app_name: "揭榜",
    tagline: "揭榜挂帅 · 行业大模型开放竞争平台",
    nav_programs: "榜单",
    nav_organizations: "单位",
    nav_account: "账户",
    nav_login: "登录",
    nav_logout: "退出",
    nav_api: "API 文档",
    other_lang: "English",
    footer: "jiebang — 揭榜挂帅全流程开放平台：发榜、揭榜、评审、公示、测评、验收。",
    eval: &EVAL_ZH,
    sel: &SELECT_ZH,
    model: &MODEL_ZH,
    audit: &AUDIT_ZH,
    org: &ORG_ZH,
    demo_badge: "示例数据",
    demo_notice: "本站加载了示例数据，内容仿照公开报道编写，仅用于演示。",
    programs_heading: "揭榜挂帅批次",
    new_program: "新建批次",
    no_programs: "暂无公开的批次。",
    issuer: "发榜方",
    year: "年度",
    status: "状态",
    challenge_count: "榜单任务",
    rules: "规则",
    timeline: "时间安排",
    max_joint_units: "联合单位上限",
    max_applications: "每单位牵头申报上限",
    publicity_days: "公示期（工作日）",
    recommendation_quota: "每个地区推荐名额（0 为不限）",
    experts_per_application: "每项申报评审专家数",
    selection_quota: "全批次入选总数上限（0 为不限）",
    aggregation: "专家评分汇总",
    recommendation: "需地方推荐",
    exclude_winners: "前期优胜不得重复申报",
    yes: "是",
    no: "否",
    opens_on: "开始申报",
    applicant_deadline: "申报截止",
    recommender_deadline: "推荐截止",
    review_by: "评审完成",
    announce_by: "公告",
    filter: "筛选",
    industry: "所属行业",
    region: "所在地区",
    direction: "揭榜方向",
    all: "全部",
    keyword: "关键词",
    code: "任务编号",
    number: "序号",
    title: "任务名称",
    task_class: "任务类别",
    indicators: "考核指标",
    period: "实施期限",
    months: "个月",
    winners: "拟入选数量",
    no_challenges: "没有符合条件的任务。",
    export_xlsx: "导出 Excel",
    export_csv: "导出 CSV",
    import_list: "导入榜单",
    new_challenge: "新增任务",
    edit: "编辑",
    move_to: "变更状态：",
    organizer_tools: "发榜方操作",
    total: "共",
    items: "项",
    previous: "上一页",
    next: "下一页",
    by_industry: "按行业分布",
    by_region: "按地区分布",
    unspecified: "未指定",
    background: "需求背景",
    scenario: "应用场景",
    objectives: "攻关目标",
    deliverables: "预期成果",
    support: "支持方式",
    sub_field: "细分领域",
    indicator_name: "指标名称",
    metric: "指标键",
    target: "目标值",
    operator: "比较",
    threshold: "阈值",
    unit: "单位",
    test_method: "测试方法",
    kind: "类型",
    hard: "硬性（一票否决）",
    scored: "计分",
    weight: "权重",
    better_higher: "越高越好",
    better_lower: "越低越好",
    back_to_list: "返回榜单",
    delete: "删除",
    delete_confirm: "删除后不可恢复",
    archived: "已撤榜",
    archived_notice: "该任务已撤榜，不再接受申报和提交",
    archive: "撤榜",
    archive_reason: "撤榜理由（将公开显示）",
    archive_confirm: "撤榜后不可恢复；已有申报、提交和测评报告保留",
    email: "邮箱",
    password: "密码",
    login_failed: "邮箱或密码错误。",
    save: "保存",
    cancel: "取消",
    add_indicator: "添加指标",
    fix_errors: "请修改标出的错误后重新提交。",
    program_title: "批次名称",
    description: "说明",
    upload: "上传并导入",
    import_help: "上传 .xlsx 或 .csv 文件（UTF-8 或 GBK 编码）。任一行有误则不导入任何数据，并列出所有错误。",
    template_help: "列名与填写规则见",
    template_doc: "榜单模板说明",
    imported: "已导入",
    row: "行",
    column: "列",
    problem: "问题",
    org_name: "单位名称",
    credit_code: "统一社会信用代码",
    org_kind: "单位类型",
    register_org: "登记单位",
    no_orgs: "暂无登记单位。",
    tokens: "API 令牌",
    token_name: "令牌名称",
    create_token: "创建令牌",
    token_created: "新令牌（只显示这一次，请立即保存）：",
    last_used: "最近使用",
    expires: "失效时间",
    created: "创建时间",
    never: "从未",
    roles: "角色",
    error_title: "出错了",
    home: "首页",
};

/// English.
pub static EN: Catalog = Catalog {
    lang: Lang::En,
    html_lang: "en",
    other_lang_code: "zh",
    app_name: "jiebang",
    tagline: "Open competitions for industry AI models",
    nav_programs: "Programs",
    nav_organizations: "Organizations",
    nav_account: "Account",
    nav_login: "Sign in",
    nav_logout: "Sign out",
    nav_api: "API docs",
    other_lang: "中文",
    footer: "jiebang — the open platform for 揭榜挂帅 programs: publish, apply, review, announce, evaluate, accept.",
    eval: &EVAL_EN,
    sel: &SELECT_EN,
    model: &MODEL_EN,
    audit: &AUDIT_EN,
    org: &ORG_EN,
    demo_badge: "Demo data",
    demo_notice: "This site shows demo data modelled on public reports, for demonstration only.",
    programs_heading: "Programs",
    new_program: "New program",
    no_programs: "No programs yet.",
    issuer: "Issuer",
    year: "Year",
    status: "Status",
    challenge_count: "Challenges",
    rules: "Rules",
    timeline: "Timeline",
    max_joint_units: "Joint units at most",
    max_applications: "Applications per organization",
    publicity_days: "Publicity (working days)",
    recommendation_quota: "Recommendations per region (0 = no limit)",
    experts_per_application: "Experts per application",
    selection_quota: "Selections across the program (0 = no limit)",
    aggregation: "Score aggregation",
    recommendation: "Regional recommendation",
    exclude_winners: "Earlier winners excluded",
    yes: "Yes",
    no: "No",
    opens_on: "Applications open",
    applicant_deadline: "Applicant deadline",
    recommender_deadline: "Recommender deadline",
    review_by: "Review by",
    announce_by: "Announcement by",
    filter: "Filter",
    industry: "Industry",
    region: "Region",
    direction: "Direction",
    all: "All",
    keyword: "Keyword",
    code: "No.",
    number: "#",
    title: "Title",
    task_class: "Task class",
    indicators: "Indicators",
    period: "Period",
    months: "months",
    winners: "Winners",
    no_challenges: "No matching challenges.",
    export_xlsx: "Export Excel",
    export_csv: "Export CSV",
    import_list: "Import list",
    new_challenge: "New challenge",
    edit: "Edit",
    move_to: "Move to:",
    organizer_tools: "Organizer tools",
    total: "Total",
    items: "items",
    previous: "Previous",
    next: "Next",
    by_industry: "By industry",
    by_region: "By region",
    unspecified: "Unspecified",
    background: "Background",
    scenario: "Scenario",
    objectives: "Objectives",
    deliverables: "Deliverables",
    support: "Support",
    sub_field: "Sub-field",
    indicator_name: "Indicator",
    metric: "Metric key",
    target: "Target",
    operator: "Operator",
    threshold: "Threshold",
    unit: "Unit",
    test_method: "Test method",
    kind: "Kind",
    hard: "Hard (veto)",
    scored: "Scored",
    weight: "Weight",
    better_higher: "higher is better",
    better_lower: "lower is better",
    back_to_list: "Back to the list",
    delete: "Delete",
    delete_confirm: "Deleting cannot be undone",
    archived: "Archived",
    archived_notice: "This challenge was taken off the list and takes no applications or submissions",
    archive: "Archive",
    archive_reason: "Why (shown publicly)",
    archive_confirm: "Archiving cannot be undone; applications, submissions and reports are kept",
    email: "E-mail",
    password: "Password",
    login_failed: "Wrong e-mail or password.",
    save: "Save",
    cancel: "Cancel",
    add_indicator: "Add indicator",
    fix_errors: "Please correct the marked fields and submit again.",
    program_title: "Program title",
    description: "Description",
    upload: "Upload and import",
    import_help: "Upload an .xlsx or .csv file (UTF-8 or GBK). If any row is wrong nothing is imported and every problem is listed.",
    template_help: "Columns and rules: see",
    template_doc: "the list template",
    imported: "Imported",
    row: "Row",
    column: "Column",
    problem: "Problem",
    org_name: "Name",
    credit_code: "Unified social credit code",
    org_kind: "Kind",
    register_org: "Register an organization",
    no_orgs: "No organizations yet.",
    tokens: "API tokens",
    token_name: "Token name",
    create_token: "Create token",
    token_created: "New token (shown only once, save it now):",
    last_used: "Last used",
    expires: "Expires",
    created: "Created",
    never: "never",
    roles: "Roles",
    error_title: "Something went wrong",
    home: "Home",
};

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

/// The evaluation pages' strings (测评: phases, data, submissions, leaderboards, the queue).
#[derive(Debug)]
pub struct EvalText {
    /// Which language.
    pub lang: Lang,
    /// 测评
    pub evaluation: &'static str,
    /// No phases yet.
    pub no_phases: &'static str,
    /// Tab: data.
    pub tab_data: &'static str,
    /// Tab: submit.
    pub tab_submit: &'static str,
    /// Tab: my submissions.
    pub tab_mine: &'static str,
    /// Tab: leaderboard.
    pub tab_board: &'static str,
    /// Open dates.
    pub open_dates: &'static str,
    /// The split ranked on.
    pub ranked_on: &'static str,
    /// All rows.
    pub all_rows: &'static str,
    /// Who sees the board.
    pub board_visible_to: &'static str,
    /// Quotas.
    pub quotas: &'static str,
    /// Dataset version.
    pub dataset_version: &'static str,
    /// File.
    pub file: &'static str,
    /// Purpose.
    pub purpose: &'static str,
    /// Size.
    pub size: &'static str,
    /// Note on hidden files.
    pub hidden_note: &'static str,
    /// Download.
    pub download: &'static str,
    /// Why register.
    pub register_prompt: &'static str,
    /// Register.
    pub register: &'static str,
    /// Registered.
    pub registered: &'static str,
    /// Organization.
    pub organization: &'static str,
    /// Sign in to take part.
    pub sign_in_to_take_part: &'static str,
    /// Only applicants take part.
    pub applicants_only: &'static str,
    /// Prediction file.
    pub prediction_file: &'static str,
    /// Note.
    pub note: &'static str,
    /// Submit.
    pub submit: &'static str,
    /// Baseline checkbox.
    pub as_baseline: &'static str,
    /// Phase closed.
    pub phase_closed: &'static str,
    /// Submitted at.
    pub submitted_at: &'static str,
    /// State.
    pub state: &'static str,
    /// Progress.
    pub progress: &'static str,
    /// Scores.
    pub scores: &'static str,
    /// Message.
    pub message: &'static str,
    /// No submissions.
    pub no_submissions: &'static str,
    /// Rank.
    pub rank: &'static str,
    /// Team.
    pub team: &'static str,
    /// Score.
    pub score: &'static str,
    /// Entries.
    pub entries: &'static str,
    /// Baseline.
    pub baseline: &'static str,
    /// Met.
    pub met: &'static str,
    /// Not met.
    pub not_met: &'static str,
    /// Empty board.
    pub board_empty: &'static str,
    /// Private board not yet published.
    pub private_hidden: &'static str,
    /// Publish private results.
    pub publish: &'static str,
    /// Private published.
    pub published: &'static str,
    /// Export CSV.
    pub export_csv: &'static str,
    /// Export XLSX.
    pub export_xlsx: &'static str,
    /// Queue page title.
    pub queue: &'static str,
    /// Jobs.
    pub jobs: &'static str,
    /// Oldest wait.
    pub oldest_wait: &'static str,
    /// Workers.
    pub workers: &'static str,
    /// Host.
    pub host: &'static str,
    /// Last heartbeat.
    pub heartbeat: &'static str,
    /// Current job.
    pub current_job: &'static str,
    /// Idle.
    pub idle: &'static str,
    /// No workers.
    pub no_workers: &'static str,
    /// Per phase.
    pub per_phase: &'static str,
    /// Success rate.
    pub success_rate: &'static str,
    /// Signed report.
    pub report: &'static str,
    /// Set up the evaluation.
    pub setup: &'static str,
    /// New dataset version.
    pub new_dataset: &'static str,
    /// Task type.
    pub task: &'static str,
    /// Id column.
    pub id_column: &'static str,
    /// Label column.
    pub label_column: &'static str,
    /// Split column.
    pub split_column: &'static str,
    /// Positive label.
    pub positive_label: &'static str,
    /// A question bank's metrics.
    pub answer_metrics: &'static str,
    /// Results per category.
    pub by_category: &'static str,
    /// Unreadable answers.
    pub unparsed_answers: &'static str,
    /// What the list of unreadable answers is.
    pub unparsed_help: &'static str,
    /// The model's raw answer.
    pub raw_answer: &'static str,
    /// Extra refusal phrases.
    pub refusal_phrases: &'static str,
    /// What the two fields above are for.
    pub answers_help: &'static str,
    /// The rule-set versions.
    pub rules: &'static str,
    /// Upload.
    pub upload: &'static str,
    /// New phase.
    pub new_phase: &'static str,
    /// Name.
    pub name: &'static str,
    /// Opens on.
    pub opens_on: &'static str,
    /// Closes on.
    pub closes_on: &'static str,
    /// Per 24 hours.
    pub per_day: &'static str,
    /// Total.
    pub total: &'static str,
    /// At once.
    pub concurrent: &'static str,
    /// Invalid.
    pub invalid: &'static str,
    /// Counted in final.
    pub counted: &'static str,
    /// Decimals.
    pub decimals: &'static str,
    /// Create.
    pub create: &'static str,
    /// Saved.
    pub saved: &'static str,
    /// Count this submission.
    pub select: &'static str,
    /// Counted.
    pub selected: &'static str,
    /// Re-run all.
    pub rerun_all: &'static str,
}

/// 简体中文.
pub static EVAL_ZH: EvalText = EvalText {
    lang: Lang::Zh,
    evaluation: "测评",
    no_phases: "尚未设置测评阶段。",
    tab_data: "数据",
    tab_submit: "提交",
    tab_mine: "我的提交",
    tab_board: "排行榜",
    open_dates: "开放时间",
    ranked_on: "排名依据",
    all_rows: "全部测试数据",
    board_visible_to: "排行榜可见范围",
    quotas: "提交限额",
    dataset_version: "数据集版本",
    file: "文件",
    purpose: "用途",
    size: "大小",
    hidden_note: "隐藏文件仅发榜方可见，只用于评测。",
    download: "下载",
    register_prompt: "报名后可下载数据并提交结果。",
    register: "报名",
    registered: "已报名",
    organization: "单位",
    sign_in_to_take_part: "登录后报名参加。",
    applicants_only: "以单位揭榜方身份登录后可报名参加。",
    prediction_file: "预测文件（CSV、TSV 或 Parquet）",
    note: "备注",
    submit: "提交评测",
    as_baseline: "作为基线（发榜方参考结果，不参与排名）",
    phase_closed: "本阶段当前不接受提交。",
    submitted_at: "提交时间",
    state: "状态",
    progress: "进度",
    scores: "得分",
    message: "说明",
    no_submissions: "还没有提交。",
    rank: "排名",
    team: "团队",
    score: "得分",
    entries: "提交次数",
    baseline: "基线",
    met: "达标",
    not_met: "未达标",
    board_empty: "还没有已评分的提交。",
    private_hidden: "私有榜将在发榜方公布后显示。",
    publish: "公布私有榜",
    published: "私有榜已公布",
    export_csv: "导出 CSV",
    export_xlsx: "导出 Excel",
    queue: "评测队列",
    jobs: "任务",
    oldest_wait: "最久等待",
    workers: "评测节点",
    host: "主机",
    heartbeat: "最近心跳",
    current_job: "当前任务",
    idle: "空闲",
    no_workers: "两分钟内没有评测节点报到。",
    per_phase: "各阶段提交",
    success_rate: "成功率",
    report: "评测报告",
    setup: "设置测评",
    new_dataset: "新增数据集版本",
    task: "任务类型",
    id_column: "id 列",
    label_column: "标签列",
    split_column: "划分列（public / private）",
    positive_label: "正类标签（文本标签时）",
    answer_metrics: "题库指标（每行一个，留空用默认）",
    by_category: "分类结果",
    unparsed_answers: "未能识别选项的回答",
    unparsed_help: "按 choice-v1 规则无法读出唯一选项的回答，计为错误（仅发榜方可见）。",
    raw_answer: "模型原始回答",
    refusal_phrases: "追加拒答短语（每行一个）",
    answers_help: "仅用于模型回答类题库：真值文件为 JSONL 或 CSV（id、answer、choices、category、split、expect、综合题库另需 task）。拒答判定使用 refusal-v1 规则表，可在此追加本榜题的短语。",
    rules: "判定规则版本",
    upload: "上传",
    new_phase: "新增测评阶段",
    name: "名称",
    opens_on: "开始日期",
    closes_on: "截止日期",
    per_day: "每 24 小时",
    total: "总计",
    concurrent: "同时",
    invalid: "无效上限",
    counted: "最终阶段计分提交数",
    decimals: "排行榜小数位",
    create: "创建",
    saved: "已保存。",
    select: "选为计分提交",
    selected: "计分提交",
    rerun_all: "全部重新评测",
};

/// English.
pub static EVAL_EN: EvalText = EvalText {
    lang: Lang::En,
    evaluation: "Evaluation",
    no_phases: "No evaluation phases yet.",
    tab_data: "Data",
    tab_submit: "Submit",
    tab_mine: "My submissions",
    tab_board: "Leaderboard",
    open_dates: "Open",
    ranked_on: "Ranked on",
    all_rows: "all test rows",
    board_visible_to: "Leaderboard visible to",
    quotas: "Quotas",
    dataset_version: "Dataset version",
    file: "File",
    purpose: "Purpose",
    size: "Size",
    hidden_note: "Hidden files are visible to the organizers only and used for scoring.",
    download: "Download",
    register_prompt: "Register to download the data and submit results.",
    register: "Register",
    registered: "Registered",
    organization: "Organization",
    sign_in_to_take_part: "Sign in to take part.",
    applicants_only: "Sign in as an applicant acting for an organization to take part.",
    prediction_file: "Prediction file (CSV, TSV or Parquet)",
    note: "Note",
    submit: "Submit for scoring",
    as_baseline: "As a baseline (the organizers' reference, not ranked)",
    phase_closed: "This phase is not accepting submissions now.",
    submitted_at: "Submitted",
    state: "State",
    progress: "Progress",
    scores: "Scores",
    message: "Message",
    no_submissions: "No submissions yet.",
    rank: "Rank",
    team: "Team",
    score: "Score",
    entries: "Entries",
    baseline: "Baseline",
    met: "met",
    not_met: "not met",
    board_empty: "No scored submissions yet.",
    private_hidden: "The private leaderboard appears once the organizers publish it.",
    publish: "Publish private results",
    published: "Private results published",
    export_csv: "Export CSV",
    export_xlsx: "Export Excel",
    queue: "Evaluation queue",
    jobs: "Jobs",
    oldest_wait: "Oldest wait",
    workers: "Workers",
    host: "Host",
    heartbeat: "Last heartbeat",
    current_job: "Current job",
    idle: "idle",
    no_workers: "No worker has reported in the last two minutes.",
    per_phase: "Submissions per phase",
    success_rate: "Success rate",
    report: "Evaluation report",
    setup: "Set up evaluation",
    new_dataset: "New dataset version",
    task: "Task",
    id_column: "Id column",
    label_column: "Label column",
    split_column: "Split column (public / private)",
    positive_label: "Positive label (for text labels)",
    answer_metrics: "Bank metrics (one a line; empty for the defaults)",
    by_category: "Results by category",
    unparsed_answers: "Answers with no readable option",
    unparsed_help: "Answers from which the choice-v1 rules read no single option; they count as wrong (organizers only).",
    raw_answer: "The model's raw answer",
    refusal_phrases: "Extra refusal phrases (one a line)",
    answers_help: "For banks of model answers only: the truth is JSONL or CSV (id, answer, choices, category, split, expect, and task in a mixed bank). Refusals are told by the refusal-v1 list; add this challenge's own phrases here.",
    rules: "Rule versions",
    upload: "Upload",
    new_phase: "New phase",
    name: "Name",
    opens_on: "Opens on",
    closes_on: "Closes on",
    per_day: "Per 24 hours",
    total: "Total",
    concurrent: "At once",
    invalid: "Invalid cap",
    counted: "Submissions counted in a final phase",
    decimals: "Leaderboard decimals",
    create: "Create",
    saved: "Saved.",
    select: "Count this one",
    selected: "counts",
    rerun_all: "Re-run all",
};

impl EvalText {
    /// A phase kind.
    pub fn kind(&self, kind: &jiebang_core::evaluation::PhaseKind) -> &'static str {
        use jiebang_core::evaluation::PhaseKind::*;
        match (self.lang, *kind) {
            (Lang::Zh, k) => k.label_zh(),
            (Lang::En, Development) => "Development",
            (Lang::En, Final) => "Final",
            (Lang::En, Acceptance) => "Acceptance",
        }
    }

    /// A leaderboard visibility.
    pub fn visibility(&self, visibility: &jiebang_core::evaluation::Visibility) -> &'static str {
        use jiebang_core::evaluation::Visibility::*;
        match (self.lang, *visibility) {
            (Lang::Zh, v) => v.label_zh(),
            (Lang::En, Organizers) => "organizers only",
            (Lang::En, Participants) => "participants",
            (Lang::En, Public) => "everyone",
        }
    }

    /// A submission state.
    pub fn state_name(&self, state: &jiebang_core::evaluation::SubmissionState) -> &'static str {
        use jiebang_core::evaluation::SubmissionState::*;
        match (self.lang, *state) {
            (Lang::Zh, s) => s.label_zh(),
            (Lang::En, Queued) => "queued",
            (Lang::En, Running) => "running",
            (Lang::En, Scored) => "scored",
            (Lang::En, Invalid) => "invalid",
            (Lang::En, Failed) => "failed",
            (Lang::En, Cancelled) => "cancelled",
        }
    }

    /// A dataset file's purpose.
    pub fn purpose_name(&self, purpose: &str) -> &'static str {
        let zh = self.lang == Lang::Zh;
        match purpose {
            "labels" => {
                if zh {
                    "测试标签（隐藏）"
                } else {
                    "test labels (hidden)"
                }
            }
            "train" => {
                if zh {
                    "训练数据"
                } else {
                    "training data"
                }
            }
            "test_features" => {
                if zh {
                    "测试特征"
                } else {
                    "test features"
                }
            }
            "sample_submission" => {
                if zh {
                    "提交样例"
                } else {
                    "sample submission"
                }
            }
            "data_card" => {
                if zh {
                    "数据说明"
                } else {
                    "data card"
                }
            }
            _ => {
                if zh {
                    "其他"
                } else {
                    "other"
                }
            }
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

/// Defines a strings struct and its Chinese and English instances from one list, so each string
/// is written once per language side by side.
macro_rules! texts {
    ($(#[$meta:meta])* $name:ident, $zh:ident, $en:ident { $($field:ident: $z:literal / $e:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug)]
        pub struct $name {
            $(#[doc = $z] pub $field: &'static str,)+
        }
        /// Chinese.
        pub static $zh: $name = $name { $($field: $z,)+ };
        /// English.
        pub static $en: $name = $name { $($field: $e,)+ };
    };
}

texts!(
    /// Delivered models' strings (交付模型): the contract form, the report's measurements.
    ModelText, MODEL_ZH, MODEL_EN {
    accepts: "提交形式" / "Submissions taken",
    batch: "批大小" / "Batch size",
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
    registered: "单位已登记，等待核验。" / "The unit is registered and awaits verification.",
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
    download: "下载 JSON（可用 jiebang verify 或 docs/verify.md 的方法校验）" / "Download as JSON (check with jiebang verify or the recipe in docs/verify.md)",
    daily: "每日" / "Daily",
    publicity: "公示" / "Publicity",
    announcement: "公告" / "Announcement",
    report: "测评报告" / "Evaluation report",
});

texts!(
    /// The selection pages' strings (申报、推荐、评审、公示、公告).
    SelectText, SELECT_ZH, SELECT_EN {
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
    }
);
