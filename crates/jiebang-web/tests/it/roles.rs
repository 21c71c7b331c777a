//! Every route, asked by every role (and by nobody): each answer is the one that role should
//! get. Authorized callers send well-formed but invalid input (or an impossible state change), so
//! the walk proves the permission check without changing data: they get 422/409 where others get
//! 401/403/404. The walk must cover every path of the OpenAPI document, and no answer to anyone
//! but the organizers may carry the hidden test labels.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

use crate::{ROLES, TestApp, challenge_json};

/// Who gets the "allowed" answer.
#[derive(Clone, Copy, Debug)]
enum Audience {
    /// Everyone, signed in or not.
    Public,
    /// Any signed-in user.
    SignedIn,
    /// Admins and organizers allowed to create programs.
    Creators,
    /// Admins and the program's organizer; others get 403.
    Managers,
    /// Admins and the program's organizer; others (a draft) get 404.
    ManagersOfDraft,
    /// Admins only.
    Admins,
    /// Admins, the challenge's organizer and the registered team; other users get 403.
    Participants,
    /// Admins and the challenge's organizer; everyone else, anonymous included, gets 404.
    ManagersElseNotFound,
    /// Admins and the applicant acting for the organization; others get 403.
    ActsForOrganization,
    /// Admins, the challenge's organizer and the submission's team; other users get 404.
    TeamElseNotFound,
    /// Admins and the challenge's organizer; the team gets 403, other users 404.
    ManagersTeamForbidden,
    /// Admins and the submission's team; the challenge's organizer gets 403, other users 404.
    TeamOnly,
    /// Those who see the draft application (admins, the program's organizer, its lead unit's
    /// applicant); other users get 404.
    AppViewers,
    /// The application's lead unit (and admins); the organizer gets 403, other users 404.
    AppLead,
    /// The application's program organizers (and admins); the applicant gets 403, others 404.
    AppManagers,
    /// Only an assigned expert, and there is none: those who see it get 403, others 404.
    AppExpert,
    /// Admins and the recommender of the organization's region; other users get 403.
    Verifiers,
    /// No one of the test app's accounts (it needs an expert record): signed-in users get 403.
    Nobody,
    /// A project's parties and its recommending unit (the recommender of the lead unit's
    /// region); other users get 403.
    ProjectWatchers,
    /// The catalogue's organizers (those who may create programs) and the entry's unit (the
    /// applicant's organization); other users get 403.
    CatalogueEditors,
}

enum Payload {
    None,
    Json(Value),
    Form(Vec<(&'static str, &'static str)>),
    Upload(&'static [u8]),
    /// A multipart form with text fields and one file under `file`.
    Fields(Vec<(&'static str, String)>, &'static [u8]),
}

struct Case {
    method: Method,
    /// The route as the OpenAPI document (or the page router) writes it.
    pattern: &'static str,
    payload: Payload,
    audience: Audience,
    /// The answer for the audience.
    allowed: StatusCode,
    /// A page (redirects anonymous callers to the login page) rather than the API (401).
    page: bool,
}

fn allowed_for(audience: Audience, who: &str) -> bool {
    match audience {
        Audience::Public | Audience::SignedIn => true,
        Audience::Creators => matches!(who, "admin" | "organizer" | "other_organizer"),
        Audience::Managers | Audience::ManagersOfDraft => matches!(who, "admin" | "organizer"),
        Audience::Admins => who == "admin",
        Audience::Participants | Audience::TeamElseNotFound => matches!(who, "admin" | "organizer" | "applicant"),
        Audience::ManagersElseNotFound | Audience::ManagersTeamForbidden => matches!(who, "admin" | "organizer"),
        Audience::ActsForOrganization | Audience::TeamOnly => matches!(who, "admin" | "applicant"),
        Audience::AppViewers => matches!(who, "admin" | "organizer" | "applicant"),
        Audience::AppLead => matches!(who, "admin" | "applicant"),
        Audience::AppManagers => matches!(who, "admin" | "organizer"),
        Audience::AppExpert => false,
        Audience::Verifiers => matches!(who, "admin" | "recommender"),
        Audience::Nobody => false,
        Audience::ProjectWatchers => matches!(who, "admin" | "organizer" | "applicant" | "recommender"),
        Audience::CatalogueEditors => matches!(who, "admin" | "organizer" | "other_organizer" | "applicant"),
    }
}

fn expected(case: &Case, who: Option<&str>) -> StatusCode {
    match (who, case.audience) {
        (_, Audience::Public) => case.allowed,
        (Some(who), audience) if allowed_for(audience, who) => case.allowed,
        (_, Audience::ManagersElseNotFound) => StatusCode::NOT_FOUND,
        (Some("applicant"), Audience::ManagersTeamForbidden) => StatusCode::FORBIDDEN,
        (Some("organizer"), Audience::TeamOnly) => StatusCode::FORBIDDEN,
        (Some(_), Audience::TeamElseNotFound | Audience::ManagersTeamForbidden | Audience::TeamOnly) => {
            StatusCode::NOT_FOUND
        }
        (None, Audience::ManagersOfDraft) if !case.page => StatusCode::NOT_FOUND,
        (None, Audience::ManagersOfDraft) if case.method == Method::GET => StatusCode::NOT_FOUND,
        (None, _) if case.page => StatusCode::SEE_OTHER,
        (None, _) => StatusCode::UNAUTHORIZED,
        (Some(who), audience) if allowed_for(audience, who) => case.allowed,
        (Some(_), Audience::ManagersOfDraft) => StatusCode::NOT_FOUND,
        (
            Some("admin" | "organizer" | "applicant"),
            Audience::AppLead | Audience::AppManagers | Audience::AppExpert,
        ) => StatusCode::FORBIDDEN,
        (Some(_), Audience::AppViewers | Audience::AppLead | Audience::AppManagers | Audience::AppExpert) => {
            StatusCode::NOT_FOUND
        }
        (Some(_), _) => StatusCode::FORBIDDEN,
    }
}

const BAD_SHEET: &[u8] = "任务名称,揭榜方向\n甲,乙\n".as_bytes();

fn cases(app: &TestApp) -> Vec<Case> {
    let (organization, dataset) = (app.organization, app.dataset);
    let organization_text: &'static str = Box::leak(organization.to_string().into_boxed_str());
    let bad_phase = || {
        Payload::Json(json!({
            "dataset_id": dataset, "kind": "final", "name": "", "opens_on": "2026-01-01", "closes_on": "2026-02-01",
            "visibility": "public"
        }))
    };
    use Audience::*;
    let api = |method: Method, pattern: &'static str, payload: Payload, audience: Audience, allowed: StatusCode| Case {
        method,
        pattern,
        payload,
        audience,
        allowed,
        page: false,
    };
    let page = |method: Method, pattern: &'static str, payload: Payload, audience: Audience, allowed: StatusCode| {
        Case { method, pattern, payload, audience, allowed, page: true }
    };
    let bad_program = || Payload::Json(json!({"title": "", "issuer": "", "year": 2025}));
    let bad_challenge = || {
        let mut c = challenge_json("");
        c["code"] = json!("");
        Payload::Json(c)
    };
    use Payload as P;
    use StatusCode as S;
    vec![
        api(
            Method::POST,
            "/api/v1/session",
            P::Json(json!({"email": "admin@example.cn", "password": "correct-horse-42"})),
            Public,
            S::OK,
        ),
        api(Method::GET, "/api/v1/session", P::None, SignedIn, S::OK),
        api(Method::DELETE, "/api/v1/session", P::None, Public, S::NO_CONTENT),
        api(Method::GET, "/api/v1/tokens", P::None, SignedIn, S::OK),
        api(Method::POST, "/api/v1/tokens", P::Json(json!({"name": ""})), SignedIn, S::UNPROCESSABLE_ENTITY),
        api(Method::DELETE, "/api/v1/tokens/{id}", P::None, SignedIn, S::NOT_FOUND),
        api(Method::GET, "/api/v1/users", P::None, Admins, S::OK),
        api(
            Method::POST,
            "/api/v1/users",
            P::Json(json!({"email": "bad", "name": "", "password": "x"})),
            Admins,
            S::UNPROCESSABLE_ENTITY,
        ),
        api(
            Method::POST,
            "/api/v1/users/{id}/grants",
            P::Json(json!({"role": "recommender", "scope": {"kind": "global"}})),
            Admins,
            S::UNPROCESSABLE_ENTITY,
        ),
        api(Method::GET, "/api/v1/programs", P::None, Public, S::OK),
        api(Method::POST, "/api/v1/programs", bad_program(), Creators, S::UNPROCESSABLE_ENTITY),
        api(Method::GET, "/api/v1/programs/{id}", P::None, Public, S::OK),
        api(Method::GET, "/api/v1/programs/{draft}", P::None, ManagersOfDraft, S::OK),
        api(Method::PUT, "/api/v1/programs/{id}", bad_program(), Managers, S::UNPROCESSABLE_ENTITY),
        api(Method::PUT, "/api/v1/programs/{draft}", bad_program(), ManagersOfDraft, S::UNPROCESSABLE_ENTITY),
        api(Method::POST, "/api/v1/programs/{id}/transition", P::Json(json!({"to": "closed"})), Managers, S::CONFLICT),
        api(Method::GET, "/api/v1/programs/{id}/challenges", P::None, Public, S::OK),
        api(Method::GET, "/api/v1/programs/{draft}/challenges", P::None, ManagersOfDraft, S::OK),
        api(Method::POST, "/api/v1/programs/{id}/challenges", bad_challenge(), Managers, S::UNPROCESSABLE_ENTITY),
        api(
            Method::POST,
            "/api/v1/programs/{id}/challenges/import",
            P::Upload(BAD_SHEET),
            Managers,
            S::UNPROCESSABLE_ENTITY,
        ),
        api(Method::GET, "/api/v1/programs/{id}/challenges/export", P::None, Public, S::OK),
        api(Method::GET, "/api/v1/programs/{draft}/challenges/export", P::None, ManagersOfDraft, S::OK),
        api(Method::GET, "/api/v1/challenges/{id}", P::None, Public, S::OK),
        api(Method::PUT, "/api/v1/challenges/{id}", bad_challenge(), Managers, S::UNPROCESSABLE_ENTITY),
        // A challenge can be deleted only while its list is a draft.
        api(Method::DELETE, "/api/v1/challenges/{fresh}", P::None, ManagersOfDraft, S::NO_CONTENT),
        api(Method::DELETE, "/api/v1/challenges/{id}", P::None, Managers, S::CONFLICT),
        api(
            Method::POST,
            "/api/v1/challenges/{id}/archive",
            P::Json(json!({"reason": " "})),
            Managers,
            S::UNPROCESSABLE_ENTITY,
        ),
        api(Method::GET, "/api/v1/organizations", P::None, SignedIn, S::OK),
        api(Method::POST, "/api/v1/organizations", P::Json(json!({"name": ""})), SignedIn, S::UNPROCESSABLE_ENTITY),
        api(Method::GET, "/api/v1/organizations/{id}", P::None, SignedIn, S::OK),
        // The test app's unit is verified already: verifying again is a refusal.
        api(Method::POST, "/api/v1/organizations/{id}/verification", P::None, Verifiers, S::CONFLICT),
        api(Method::POST, "/api/v1/challenges/{id}/datasets", P::Upload(BAD_SHEET), Managers, S::UNPROCESSABLE_ENTITY),
        api(Method::GET, "/api/v1/challenges/{id}/datasets", P::None, Public, S::OK),
        api(Method::GET, "/api/v1/datasets/{id}/files/{public}", P::None, Participants, S::OK),
        api(Method::GET, "/api/v1/datasets/{id}/files/{hidden}", P::None, ManagersElseNotFound, S::OK),
        api(Method::GET, "/api/v1/challenges/{id}/delivery", P::None, Public, S::OK),
        api(
            Method::PUT,
            "/api/v1/challenges/{id}/delivery",
            P::Json(json!({"accepts": "models", "threads": 0})),
            Managers,
            S::UNPROCESSABLE_ENTITY,
        ),
        api(Method::GET, "/api/v1/challenges/{id}/phases", P::None, Public, S::OK),
        api(Method::POST, "/api/v1/challenges/{id}/phases", bad_phase(), Managers, S::UNPROCESSABLE_ENTITY),
        api(
            Method::POST,
            "/api/v1/challenges/{id}/participants",
            P::Json(json!({"organization_id": organization})),
            ActsForOrganization,
            S::NO_CONTENT,
        ),
        api(
            Method::POST,
            "/api/v1/phases/{id}/submissions",
            P::Fields(vec![("organization_id", organization.to_string())], b""),
            ActsForOrganization,
            S::UNPROCESSABLE_ENTITY,
        ),
        api(Method::GET, "/api/v1/phases/{id}/submissions", P::None, Participants, S::OK),
        api(Method::GET, "/api/v1/submissions/{scored}", P::None, TeamElseNotFound, S::OK),
        api(Method::POST, "/api/v1/submissions/{scored}/cancel", P::None, TeamElseNotFound, S::CONFLICT),
        api(Method::POST, "/api/v1/submissions/{queued}/rerun", P::None, ManagersTeamForbidden, S::CONFLICT),
        api(
            Method::POST,
            "/api/v1/submissions/{scored}/select",
            P::Json(json!({"selected": true})),
            TeamElseNotFound,
            S::CONFLICT,
        ),
        api(Method::GET, "/api/v1/submissions/{scored}/report", P::None, TeamElseNotFound, S::OK),
        api(Method::GET, "/api/v1/keys", P::None, Public, S::OK),
        api(Method::GET, "/api/v1/demands", P::None, Public, S::OK),
        api(
            Method::POST,
            "/api/v1/demands",
            P::Json(json!({"demand": {"title": ""}, "organization_id": organization})),
            CatalogueEditors,
            S::UNPROCESSABLE_ENTITY,
        ),
        api(Method::GET, "/api/v1/demands/{id}", P::None, Public, S::OK),
        api(
            Method::POST,
            "/api/v1/demands/{id}/actions",
            P::Json(json!({"action": "complete"})),
            CatalogueEditors,
            S::UNPROCESSABLE_ENTITY,
        ),
        api(
            Method::POST,
            "/api/v1/demands/{id}/promote",
            P::Json(json!({"program_id": app.program, "code": ""})),
            Managers,
            S::UNPROCESSABLE_ENTITY,
        ),
        api(Method::GET, "/api/v1/demands/{id}/matches", P::None, Public, S::OK),
        api(Method::GET, "/api/v1/solutions", P::None, Public, S::OK),
        api(
            Method::POST,
            "/api/v1/solutions",
            P::Json(json!({"solution": {"title": ""}, "organization_id": organization})),
            CatalogueEditors,
            S::UNPROCESSABLE_ENTITY,
        ),
        api(Method::GET, "/api/v1/solutions/{id}", P::None, Public, S::OK),
        api(
            Method::POST,
            "/api/v1/solutions/{id}/claims",
            P::Fields(vec![("value", "x".into())], b""),
            CatalogueEditors,
            S::UNPROCESSABLE_ENTITY,
        ),
        api(Method::GET, "/api/v1/solutions/{id}/evidence/{file}", P::None, Public, S::NOT_FOUND),
        page(
            Method::POST,
            "/solutions/{id}/claims",
            P::Fields(vec![("value", "x".into())], b""),
            CatalogueEditors,
            S::SEE_OTHER,
        ),
        api(Method::GET, "/api/v1/engagements", P::None, Creators, S::OK),
        api(Method::GET, "/api/v1/catalogue/statistics", P::None, Public, S::OK),
        api(Method::GET, "/api/v1/scenarios", P::None, Public, S::OK),
        api(Method::GET, "/api/v1/search?q=%E5%8C%96%E5%B7%A5", P::None, Public, S::OK),
        page(Method::GET, "/search?q=%E5%8C%96%E5%B7%A5", P::None, Public, S::OK),
        page(Method::GET, "/demands", P::None, Public, S::OK),
        page(Method::GET, "/demands/new", P::None, CatalogueEditors, S::OK),
        page(Method::GET, "/solutions/new", P::None, CatalogueEditors, S::OK),
        page(Method::POST, "/solutions/new", P::Form(vec![("title", "")]), CatalogueEditors, S::UNPROCESSABLE_ENTITY),
        page(Method::POST, "/demands/new", P::Form(vec![("number", "")]), CatalogueEditors, S::UNPROCESSABLE_ENTITY),
        api(Method::POST, "/api/v1/demands/import", P::Upload(b"x\n1\n"), Creators, S::UNPROCESSABLE_ENTITY),
        api(Method::GET, "/api/v1/demands/export", P::None, Public, S::OK),
        api(Method::POST, "/api/v1/solutions/import", P::Upload(b"x\n1\n"), Creators, S::UNPROCESSABLE_ENTITY),
        api(Method::GET, "/api/v1/solutions/export", P::None, Public, S::OK),
        page(Method::GET, "/demands/import", P::None, Creators, S::OK),
        page(Method::POST, "/demands/import", P::Upload(b"x\n1\n"), Creators, S::UNPROCESSABLE_ENTITY),
        page(Method::GET, "/solutions/import", P::None, Creators, S::OK),
        page(Method::POST, "/solutions/import", P::Upload(b"x\n1\n"), Creators, S::UNPROCESSABLE_ENTITY),
        page(Method::GET, "/demands/{id}", P::None, Public, S::OK),
        page(
            Method::POST,
            "/demands/{id}/engagements",
            P::Form(vec![("solution_id", "999999"), ("channel", "fair")]),
            Creators,
            S::NOT_FOUND,
        ),
        page(
            Method::POST,
            "/engagements/{id}/advance",
            P::Form(vec![("stage", "negotiation"), ("demand_id", "1"), ("confirm", "1")]),
            Creators,
            S::NOT_FOUND,
        ),
        page(Method::GET, "/solutions", P::None, Public, S::OK),
        api(Method::GET, "/api/v1/dataset-cards", P::None, Public, S::OK),
        api(
            Method::POST,
            "/api/v1/dataset-cards",
            P::Json(
                json!({"card": {"name": "", "version": "v1", "builder": "x", "modality": "text", "stage": "evaluation", "records": 1, "access": "open"}}),
            ),
            Creators,
            S::UNPROCESSABLE_ENTITY,
        ),
        api(Method::GET, "/api/v1/dataset-cards/{id}", P::None, Public, S::OK),
        page(Method::GET, "/datasets", P::None, Public, S::OK),
        api(Method::GET, "/api/v1/typical-cases", P::None, Public, S::OK),
        api(
            Method::POST,
            "/api/v1/typical-cases",
            P::Json(json!({"title": "", "organization": "x", "region": "370200", "scenario": "X", "summary": "y"})),
            Creators,
            S::UNPROCESSABLE_ENTITY,
        ),
        api(Method::GET, "/api/v1/events", P::None, Public, S::OK),
        api(
            Method::POST,
            "/api/v1/events",
            P::Json(json!({"name": "", "region": "370200", "host": "x"})),
            Creators,
            S::UNPROCESSABLE_ENTITY,
        ),
        api(Method::GET, "/api/v1/events/{id}", P::None, Public, S::OK),
        api(
            Method::POST,
            "/api/v1/events/{id}/entries",
            P::Json(json!({"demand_ids": [999999]})),
            Creators,
            S::UNPROCESSABLE_ENTITY,
        ),
        api(Method::GET, "/api/v1/events/{id}/catalogue", P::None, Public, S::OK),
        api(Method::GET, "/api/v1/events/{id}/booklet", P::None, Public, S::OK),
        page(Method::GET, "/events", P::None, Public, S::OK),
        page(Method::GET, "/events/{id}", P::None, Public, S::OK),
        page(Method::GET, "/datasets/{id}", P::None, Public, S::OK),
        page(Method::GET, "/solutions/{id}", P::None, Public, S::OK),
        page(Method::GET, "/catalogue", P::None, Public, S::OK),
        page(Method::GET, "/scenarios", P::None, Public, S::OK),
        page(Method::POST, "/scenarios", P::Form(vec![("title", "")]), Creators, S::UNPROCESSABLE_ENTITY),
        api(Method::POST, "/api/v1/scenarios/import", P::Upload(b"x\n1\n"), Creators, S::UNPROCESSABLE_ENTITY),
        page(Method::POST, "/scenarios/import", P::Upload(b"x\n1\n"), Creators, S::SEE_OTHER),
        page(Method::GET, "/datasets/new", P::None, Creators, S::OK),
        page(Method::POST, "/datasets/new", P::Form(vec![("name", "")]), Creators, S::UNPROCESSABLE_ENTITY),
        page(Method::POST, "/events", P::Form(vec![("name", "")]), Creators, S::UNPROCESSABLE_ENTITY),
        page(Method::POST, "/events/{id}/entries", P::Form(vec![("demand_ids", "999999")]), Creators, S::SEE_OTHER),
        api(Method::POST, "/api/v1/projects/{id}/listing", P::None, Managers, S::CONFLICT),
        api(
            Method::POST,
            "/api/v1/engagements",
            P::Json(json!({"demand_id": 999999, "solution_id": 999999, "channel": "fair"})),
            Creators,
            S::NOT_FOUND,
        ),
        api(
            Method::POST,
            "/api/v1/engagements/{id}/advance",
            P::Json(json!({"stage": "negotiation"})),
            Creators,
            S::NOT_FOUND,
        ),
        api(Method::GET, "/api/v1/audit/checkpoints", P::None, Public, S::OK),
        api(Method::GET, "/api/v1/phases/{id}/leaderboard", P::None, Public, S::OK),
        api(Method::GET, "/api/v1/queue", P::None, Creators, S::OK),
        api(Method::GET, "/metrics", P::None, Admins, S::OK),
        // Last of the evaluation cases: publishing opens the report to the team.
        api(Method::POST, "/api/v1/phases/{id}/publish", P::None, Managers, S::OK),
        api(Method::GET, "/api/v1/codes/regions", P::None, Public, S::OK),
        api(Method::GET, "/api/v1/codes/industries", P::None, Public, S::OK),
        api(Method::GET, "/api/v1/openapi.json", P::None, Public, S::OK),
        api(Method::GET, "/healthz", P::None, Public, S::OK),
        page(Method::GET, "/", P::None, Public, S::OK),
        page(Method::GET, "/login", P::None, Public, S::OK),
        page(
            Method::POST,
            "/login",
            P::Form(vec![("email", "nobody@example.cn"), ("password", "wrong")]),
            Public,
            S::UNAUTHORIZED,
        ),
        page(Method::POST, "/logout", P::None, Public, S::SEE_OTHER),
        page(Method::GET, "/lang/en", P::None, Public, S::SEE_OTHER),
        page(Method::GET, "/static/style.css", P::None, Public, S::OK),
        page(Method::GET, "/favicon.ico", P::None, Public, S::OK),
        page(Method::GET, "/programs/{id}", P::None, Public, S::OK),
        page(Method::GET, "/programs/{draft}", P::None, ManagersOfDraft, S::OK),
        page(Method::GET, "/programs/new", P::None, Creators, S::OK),
        page(
            Method::POST,
            "/programs/new",
            P::Form(vec![("title", ""), ("issuer", ""), ("year", "2025")]),
            Creators,
            S::UNPROCESSABLE_ENTITY,
        ),
        page(Method::GET, "/programs/{id}/edit", P::None, Managers, S::OK),
        page(
            Method::POST,
            "/programs/{id}/edit",
            P::Form(vec![("title", ""), ("year", "2025")]),
            Managers,
            S::UNPROCESSABLE_ENTITY,
        ),
        page(Method::POST, "/programs/{id}/transition", P::Form(vec![("to", "closed")]), Managers, S::CONFLICT),
        page(Method::GET, "/programs/{id}/challenges/new", P::None, Managers, S::OK),
        page(
            Method::POST,
            "/programs/{id}/challenges/new",
            P::Form(vec![("code", ""), ("title", "")]),
            Managers,
            S::UNPROCESSABLE_ENTITY,
        ),
        page(Method::GET, "/programs/{id}/import", P::None, Managers, S::OK),
        page(Method::POST, "/programs/{id}/import", P::Upload(BAD_SHEET), Managers, S::UNPROCESSABLE_ENTITY),
        page(Method::GET, "/challenges/indicator-row", P::None, Public, S::OK),
        page(Method::GET, "/challenges/{id}", P::None, Public, S::OK),
        page(Method::GET, "/challenges/{id}/edit", P::None, Managers, S::OK),
        page(
            Method::POST,
            "/challenges/{id}/edit",
            P::Form(vec![("code", ""), ("title", "")]),
            Managers,
            S::UNPROCESSABLE_ENTITY,
        ),
        page(Method::POST, "/challenges/{id}/delete", P::None, Managers, S::CONFLICT),
        page(
            Method::POST,
            "/challenges/{id}/archive",
            P::Form(vec![("reason", " ")]),
            Managers,
            S::UNPROCESSABLE_ENTITY,
        ),
        page(Method::GET, "/phases/{id}", P::None, Public, S::OK),
        page(
            Method::POST,
            "/phases/{id}/register",
            P::Form(vec![("organization_id", organization_text)]),
            ActsForOrganization,
            S::SEE_OTHER,
        ),
        page(
            Method::POST,
            "/phases/{id}/submit",
            P::Fields(vec![("organization_id", organization.to_string())], b""),
            ActsForOrganization,
            S::UNPROCESSABLE_ENTITY,
        ),
        page(Method::GET, "/phases/{id}/mine", P::None, Participants, S::OK),
        page(Method::POST, "/phases/{id}/publish", P::None, Managers, S::SEE_OTHER),
        page(Method::GET, "/queue", P::None, Creators, S::OK),
        page(Method::GET, "/audit", P::None, Public, S::OK),
        page(Method::GET, "/challenges/{id}/evaluation", P::None, Managers, S::OK),
        page(Method::POST, "/challenges/{id}/datasets", P::Upload(BAD_SHEET), Managers, S::UNPROCESSABLE_ENTITY),
        page(
            Method::POST,
            "/challenges/{id}/delivery",
            P::Form(vec![
                ("accepts", "models"),
                ("input", "features"),
                ("output", "probability"),
                ("min_opset", "9"),
                ("max_opset", "21"),
                ("max_model_mb", "20"),
                ("batch_sizes", "1, 0"),
                ("threads", "one"),
                ("engine", "tract"),
                ("memory_limit_mb", "1024"),
                ("time_limit_s", "60"),
                ("daily_model_minutes", "60"),
            ]),
            Managers,
            S::UNPROCESSABLE_ENTITY,
        ),
        page(
            Method::POST,
            "/challenges/{id}/phases",
            P::Form(vec![
                ("dataset_id", "1"),
                ("kind", "final"),
                ("name", ""),
                ("opens_on", "2026-01-01"),
                ("closes_on", "2026-02-01"),
                ("visibility", "public"),
                ("per_day", "5"),
                ("total", "10"),
                ("concurrent", "1"),
                ("invalid", "3"),
                ("counted", "2"),
                ("precision", "4"),
            ]),
            Managers,
            S::UNPROCESSABLE_ENTITY,
        ),
        // The API case above published the phase, so the team may read the report by now.
        page(Method::GET, "/submissions/{scored}/report", P::None, TeamElseNotFound, S::OK),
        // A prediction file has no transcript: those who may see one are told so.
        api(Method::GET, "/api/v1/submissions/{scored}/transcript", P::None, TeamElseNotFound, S::NOT_FOUND),
        page(Method::GET, "/submissions/{scored}/transcript", P::None, TeamElseNotFound, S::NOT_FOUND),
        // Only a scored GGUF model can be consented to and published: a prediction file is
        // refused, by the API (409) and on the report page; nothing is published to try.
        api(Method::POST, "/api/v1/submissions/{scored}/consent", P::None, TeamOnly, S::CONFLICT),
        page(Method::POST, "/submissions/{scored}/consent", P::Form(vec![("confirm", "1")]), TeamOnly, S::SEE_OTHER),
        api(Method::POST, "/api/v1/submissions/{scored}/publication", P::None, ManagersTeamForbidden, S::CONFLICT),
        api(Method::DELETE, "/api/v1/submissions/{scored}/publication", P::None, ManagersTeamForbidden, S::CONFLICT),
        page(
            Method::POST,
            "/submissions/{scored}/publication",
            P::Form(vec![("published", "true")]),
            ManagersTeamForbidden,
            S::SEE_OTHER,
        ),
        // Projects: public to read; a step by anyone but its party is refused, and the drafted
        // project cannot be named a winner; the list is not announced, so none are created.
        api(Method::GET, "/api/v1/programs/{id}/projects", P::None, Public, S::OK),
        api(Method::POST, "/api/v1/programs/{id}/projects", P::None, Managers, S::CONFLICT),
        api(Method::GET, "/api/v1/projects/{id}", P::None, Public, S::OK),
        api(Method::GET, "/api/v1/projects/{id}/history", P::None, Participants, S::OK),
        api(
            Method::POST,
            "/api/v1/projects/{id}/actions",
            P::Json(json!({"action": "designate"})),
            Managers,
            S::CONFLICT,
        ),
        // The fixture's project is drafted without an agreement: the parties are told there is
        // none; only the lead unit drafts one (this one is refused whole), reports milestones
        // (none while drafting) and reads its own projects.
        api(Method::GET, "/api/v1/my/projects", P::None, SignedIn, S::OK),
        api(Method::GET, "/api/v1/projects/{id}/agreement", P::None, Participants, S::NOT_FOUND),
        api(
            Method::PUT,
            "/api/v1/projects/{id}/agreement",
            P::Json(json!({
                "start": "2026-04-01", "end": "2026-01-01", "content": "", "milestones": [], "budget": [],
                "tranches": [], "refund_factor": 3
            })),
            ActsForOrganization,
            S::UNPROCESSABLE_ENTITY,
        ),
        api(Method::GET, "/api/v1/projects/{id}/milestones", P::None, Public, S::OK),
        api(
            Method::POST,
            "/api/v1/projects/{id}/milestones",
            P::Fields(vec![("milestone", "1".into()), ("summary", "完成".into())], b"%PDF-1.4"),
            ActsForOrganization,
            S::CONFLICT,
        ),
        api(
            Method::POST,
            "/api/v1/milestone-reports/{id}/review",
            P::Json(json!({"decision": "passed"})),
            SignedIn,
            S::NOT_FOUND,
        ),
        api(Method::GET, "/api/v1/projects/{id}/ledger", P::None, Public, S::OK),
        api(Method::GET, "/api/v1/projects/{id}/tranches", P::None, Participants, S::OK),
        page(Method::GET, "/programs/{id}/projects", P::None, Public, S::OK),
        page(Method::POST, "/programs/{id}/projects", P::None, Managers, S::SEE_OTHER),
        page(Method::GET, "/my/projects", P::None, SignedIn, S::OK),
        page(Method::GET, "/projects/{id}", P::None, Public, S::OK),
        page(
            Method::POST,
            "/projects/{id}/actions",
            P::Form(vec![("action", "designate"), ("confirm", "1")]),
            Managers,
            S::SEE_OTHER,
        ),
        page(Method::GET, "/projects/{id}/agreement", P::None, Participants, S::NOT_FOUND),
        page(Method::GET, "/projects/{id}/agreement/edit", P::None, ActsForOrganization, S::OK),
        page(
            Method::POST,
            "/projects/{id}/agreement/edit",
            P::Form(vec![("start", "2026-04-01"), ("end", "2026-01-01")]),
            ActsForOrganization,
            S::UNPROCESSABLE_ENTITY,
        ),
        page(
            Method::POST,
            "/projects/{id}/milestones",
            P::Fields(vec![("milestone", "1".into()), ("summary", "完成".into())], b"%PDF-1.4"),
            ActsForOrganization,
            S::SEE_OTHER,
        ),
        page(Method::GET, "/projects/{id}/files/{file}", P::None, Participants, S::NOT_FOUND),
        page(
            Method::POST,
            "/milestone-reports/{id}/review",
            P::Form(vec![("decision", "passed")]),
            SignedIn,
            S::NOT_FOUND,
        ),
        // The drafted project has no mid-term check open, races alone and takes no change yet.
        api(
            Method::POST,
            "/api/v1/projects/{id}/mid-term",
            P::Json(
                json!({"sheet": {"completion_points": 60, "items": [], "integrity_veto": false}, "outcome": "continue"}),
            ),
            Managers,
            S::CONFLICT,
        ),
        api(Method::GET, "/api/v1/projects/{id}/mid-term", P::None, Participants, S::OK),
        api(
            Method::POST,
            "/api/v1/challenges/{id}/gate",
            P::Json(json!({"rule": {"keep_top": 1}})),
            Managers,
            S::CONFLICT,
        ),
        api(Method::GET, "/api/v1/programs/{id}/gates", P::None, Public, S::OK),
        api(
            Method::POST,
            "/api/v1/projects/{id}/changes",
            P::Json(json!({"kind": "member", "reason": "成员调整"})),
            ActsForOrganization,
            S::CONFLICT,
        ),
        api(Method::GET, "/api/v1/projects/{id}/changes", P::None, ProjectWatchers, S::OK),
        api(
            Method::POST,
            "/api/v1/projects/{id}/progress",
            P::Json(json!({"period": "2026-Q1", "summary": "进展", "spent_cny": 1.0})),
            ActsForOrganization,
            S::CONFLICT,
        ),
        api(Method::GET, "/api/v1/projects/{id}/progress", P::None, ProjectWatchers, S::OK),
        api(Method::POST, "/api/v1/changes/{id}/check", P::Json(json!({"approve": true})), SignedIn, S::NOT_FOUND),
        api(Method::POST, "/api/v1/changes/{id}/decision", P::Json(json!({"approve": true})), SignedIn, S::NOT_FOUND),
        page(
            Method::POST,
            "/projects/{id}/mid-term",
            P::Form(vec![("confirm", "1"), ("completion_points", "60"), ("outcome", "continue")]),
            Managers,
            S::SEE_OTHER,
        ),
        page(
            Method::POST,
            "/projects/{id}/changes",
            P::Form(vec![("kind", "member"), ("reason", "成员调整")]),
            ActsForOrganization,
            S::SEE_OTHER,
        ),
        page(
            Method::POST,
            "/projects/{id}/progress",
            P::Form(vec![("period", "2026-Q1"), ("summary", "进展"), ("spent_cny", "1")]),
            ActsForOrganization,
            S::SEE_OTHER,
        ),
        page(Method::POST, "/changes/{id}/check", P::Form(vec![("approve", "true")]), SignedIn, S::NOT_FOUND),
        page(Method::POST, "/changes/{id}/decision", P::Form(vec![("approve", "true")]), SignedIn, S::NOT_FOUND),
        page(
            Method::POST,
            "/challenges/{id}/gate",
            P::Form(vec![("rule", "keep_top"), ("value", "1"), ("confirm", "1")]),
            Managers,
            S::SEE_OTHER,
        ),
        // Acceptance: the drafted project cannot apply or appeal; no such lab account; no one is
        // its lab yet; the public reads the acceptance (none concluded).
        api(
            Method::POST,
            "/api/v1/projects/{id}/acceptance",
            P::Fields(vec![("note", String::new())], b"%PDF-1.4"),
            ActsForOrganization,
            S::CONFLICT,
        ),
        api(Method::GET, "/api/v1/projects/{id}/acceptance", P::None, Public, S::OK),
        api(
            Method::POST,
            "/api/v1/projects/{id}/labs",
            P::Json(json!({"email": "nobody@example.cn", "name": "检测中心"})),
            Managers,
            S::UNPROCESSABLE_ENTITY,
        ),
        api(
            Method::POST,
            "/api/v1/projects/{id}/lab-reports",
            P::Fields(vec![("value.F1", "0.9".into())], b"%PDF-1.4"),
            Nobody,
            S::OK,
        ),
        api(
            Method::POST,
            "/api/v1/projects/{id}/appeals",
            P::Json(json!({"content": "申诉"})),
            ActsForOrganization,
            S::CONFLICT,
        ),
        api(
            Method::POST,
            "/api/v1/appeals/{id}/decision",
            P::Json(json!({"upheld": false, "note": "x"})),
            SignedIn,
            S::NOT_FOUND,
        ),
        page(
            Method::POST,
            "/projects/{id}/acceptance",
            P::Fields(vec![("note", String::new())], b"%PDF-1.4"),
            ActsForOrganization,
            S::SEE_OTHER,
        ),
        page(
            Method::POST,
            "/projects/{id}/labs",
            P::Form(vec![("email", "nobody@example.cn"), ("name", "检测中心")]),
            Managers,
            S::SEE_OTHER,
        ),
        page(
            Method::POST,
            "/projects/{id}/lab-reports",
            P::Fields(vec![("value.F1", "0.9".into())], b"%PDF-1.4"),
            Nobody,
            S::OK,
        ),
        page(
            Method::POST,
            "/projects/{id}/appeals",
            P::Form(vec![("content", "申诉")]),
            ActsForOrganization,
            S::SEE_OTHER,
        ),
        page(Method::POST, "/appeals/{id}/decision", P::Form(vec![("note", "x")]), SignedIn, S::NOT_FOUND),
        // Acceptance experts: none asked while the project is drafted; no one may give an opinion.
        api(
            Method::POST,
            "/api/v1/projects/{id}/acceptance-experts",
            P::Json(json!({"expert_id": 999999})),
            Managers,
            S::CONFLICT,
        ),
        api(
            Method::POST,
            "/api/v1/projects/{id}/opinions",
            P::Json(json!({"recommended": "passed", "opinion": "通过"})),
            Nobody,
            S::OK,
        ),
        page(
            Method::POST,
            "/projects/{id}/acceptance-experts",
            P::Form(vec![("expert_id", "999999")]),
            Managers,
            S::SEE_OTHER,
        ),
        page(
            Method::POST,
            "/projects/{id}/opinions",
            P::Form(vec![("recommended", "passed"), ("opinion", "通过")]),
            Nobody,
            S::OK,
        ),
        api(Method::GET, "/api/v1/programs/{id}/projects/statistics", P::None, Public, S::OK),
        api(Method::GET, "/api/v1/programs/{id}/projects/export", P::None, Public, S::OK),
        api(Method::GET, "/api/v1/programs/{id}/acceptance/export", P::None, Public, S::OK),
        api(Method::GET, "/api/v1/models", P::None, Public, S::OK),
        page(Method::GET, "/models", P::None, Public, S::OK),
        api(
            Method::POST,
            "/api/v1/models/{scored}/chat",
            P::Json(json!({"messages": []})),
            SignedIn,
            S::UNPROCESSABLE_ENTITY,
        ),
        page(Method::GET, "/models/{scored}", P::None, SignedIn, S::NOT_FOUND),
        page(Method::POST, "/models/{scored}", P::Form(vec![("message", "问")]), SignedIn, S::NOT_FOUND),
        // A scored submission cannot be stopped: refused with a message on the phase page.
        page(
            Method::POST,
            "/submissions/{scored}/cancel",
            P::Form(vec![("confirm", "1")]),
            TeamElseNotFound,
            S::SEE_OTHER,
        ),
        // The demo's baseline model is mounted by `serve --demo` only.
        api(
            Method::POST,
            "/demo/llm/v1/chat/completions",
            P::Json(json!({"messages": [{"role": "user", "content": "问"}]})),
            Public,
            S::NOT_FOUND,
        ),
        page(Method::GET, "/organizations", P::None, SignedIn, S::OK),
        // The test unit is verified already: a verifier's decision is refused with a message.
        page(Method::POST, "/organizations/{id}/verify", P::Form(vec![("confirm", "1")]), Verifiers, S::SEE_OTHER),
        page(Method::POST, "/organizations/{id}/reject", P::Form(vec![("reason", "x")]), Verifiers, S::SEE_OTHER),
        page(
            Method::POST,
            "/organizations",
            P::Fields(vec![("name", String::new()), ("credit_code", "x".into()), ("region", "370100".into())], b""),
            SignedIn,
            S::UNPROCESSABLE_ENTITY,
        ),
        page(Method::GET, "/organizations/{id}", P::None, SignedIn, S::OK),
        // It has no licence attached (an admin registered it).
        page(Method::GET, "/organizations/{id}/licence", P::None, SignedIn, S::NOT_FOUND),
        // Nobody administers it but the platform's admins.
        page(
            Method::POST,
            "/organizations/{id}/members",
            P::Form(vec![("email", "nobody")]),
            Admins,
            S::UNPROCESSABLE_ENTITY,
        ),
        page(Method::GET, "/account", P::None, SignedIn, S::OK),
        page(Method::POST, "/account/tokens", P::Form(vec![("name", "")]), SignedIn, S::UNPROCESSABLE_ENTITY),
        page(
            Method::POST,
            "/submissions/{scored}/select",
            P::Form(vec![("selected", "true")]),
            TeamElseNotFound,
            S::CONFLICT,
        ),
        // Selection: a draft application led by the applicant's unit; the program takes
        // applications, so review, publicity and announcement are refused (409) for organizers.
        api(
            Method::POST,
            "/api/v1/challenges/{id}/applications",
            P::Json(
                json!({"project_name": "", "lead_organization_id": organization, "leader": {"name": "", "organization_id": organization}, "summary": "", "commitments": []}),
            ),
            ActsForOrganization,
            S::UNPROCESSABLE_ENTITY,
        ),
        api(Method::GET, "/api/v1/programs/{id}/applications", P::None, SignedIn, S::OK),
        api(Method::GET, "/api/v1/applications/{id}", P::None, AppViewers, S::OK),
        api(
            Method::PUT,
            "/api/v1/applications/{id}",
            P::Json(
                json!({"project_name": "", "lead_organization_id": organization, "leader": {"name": "x", "organization_id": organization}, "summary": "", "commitments": []}),
            ),
            AppLead,
            S::UNPROCESSABLE_ENTITY,
        ),
        api(
            Method::POST,
            "/api/v1/applications/{id}/actions",
            P::Json(json!({"action": "pass_check"})),
            AppManagers,
            S::CONFLICT,
        ),
        api(
            Method::POST,
            "/api/v1/applications/{id}/attachments",
            P::Upload(BAD_SHEET),
            AppLead,
            S::UNPROCESSABLE_ENTITY,
        ),
        api(Method::GET, "/api/v1/applications/{id}/history", P::None, AppManagers, S::OK),
        // A draft has no snapshot yet; those who see it hear so, the others that it does not exist.
        api(Method::GET, "/api/v1/applications/{id}/snapshot", P::None, AppViewers, S::NOT_FOUND),
        api(
            Method::POST,
            "/api/v1/applications/{id}/assignments",
            P::Json(json!({"expert_id": 1})),
            AppManagers,
            S::CONFLICT,
        ),
        // Nobody in the test app is in the expert pool: a declaration is refused to all.
        api(Method::POST, "/api/v1/programs/{id}/dual-role", P::Json(json!({"statement": ""})), Nobody, S::NO_CONTENT),
        api(Method::GET, "/api/v1/programs/{id}/dual-roles", P::None, Managers, S::OK),
        api(Method::GET, "/api/v1/applications/{id}/consortium", P::None, AppViewers, S::OK),
        // The lead unit's place (of a draft, so none yet) awaits no answer.
        api(
            Method::POST,
            "/api/v1/applications/{id}/consortium",
            P::Json(json!({"organization_id": organization, "accept": true})),
            AppLead,
            S::CONFLICT,
        ),
        api(
            Method::POST,
            "/api/v1/applications/{id}/conflicts",
            P::Json(json!({"reason": "合作"})),
            AppExpert,
            S::NO_CONTENT,
        ),
        api(
            Method::POST,
            "/api/v1/applications/{id}/reviews",
            P::Json(json!({"scores": [], "comment": ""})),
            AppExpert,
            S::UNPROCESSABLE_ENTITY,
        ),
        api(Method::GET, "/api/v1/applications/{id}/reviews", P::None, AppManagers, S::OK),
        api(Method::GET, "/api/v1/experts", P::None, Creators, S::OK),
        api(
            Method::POST,
            "/api/v1/experts",
            P::Json(json!({"user_id": 1, "name": ""})),
            Creators,
            S::UNPROCESSABLE_ENTITY,
        ),
        api(Method::POST, "/api/v1/programs/{id}/draws", P::Json(json!({})), Managers, S::CONFLICT),
        api(Method::POST, "/api/v1/programs/{id}/ranking", P::Json(json!({})), Managers, S::CONFLICT),
        api(
            Method::POST,
            "/api/v1/programs/{id}/publicity",
            P::Json(json!({"contact": ""})),
            Managers,
            S::UNPROCESSABLE_ENTITY,
        ),
        api(Method::GET, "/api/v1/programs/{id}/publicity", P::None, Public, S::NOT_FOUND),
        api(Method::GET, "/api/v1/programs/{id}/list", P::None, Public, S::NOT_FOUND),
        api(
            Method::POST,
            "/api/v1/programs/{id}/objections",
            P::Json(
                json!({"application_id": 1, "filer_kind": "individual", "filer_name": "", "contact": "", "content": ""}),
            ),
            SignedIn,
            S::UNPROCESSABLE_ENTITY,
        ),
        api(Method::GET, "/api/v1/programs/{id}/objections", P::None, Managers, S::OK),
        api(
            Method::POST,
            "/api/v1/objections/{id}/decision",
            P::Json(json!({"decision": "reject", "handling": "x"})),
            SignedIn,
            S::NOT_FOUND,
        ),
        api(Method::POST, "/api/v1/programs/{id}/announcement", P::None, Managers, S::CONFLICT),
        api(Method::GET, "/api/v1/programs/{id}/statistics", P::None, Public, S::OK),
        api(Method::GET, "/api/v1/notifications", P::None, SignedIn, S::OK),
        api(Method::POST, "/api/v1/notifications/read", P::None, SignedIn, S::NO_CONTENT),
        page(Method::GET, "/programs/{id}/applications", P::None, SignedIn, S::OK),
        page(Method::POST, "/programs/{id}/draw", P::Form(vec![]), Managers, S::SEE_OTHER),
        page(Method::POST, "/programs/{id}/rank", P::Form(vec![]), Managers, S::SEE_OTHER),
        page(Method::POST, "/programs/{id}/publish", P::Form(vec![("contact", "")]), Managers, S::SEE_OTHER),
        page(Method::POST, "/programs/{id}/announce", P::None, Managers, S::SEE_OTHER),
        page(Method::GET, "/programs/{id}/publicity", P::None, Public, S::NOT_FOUND),
        page(Method::GET, "/programs/{id}/statistics", P::None, Public, S::OK),
        page(Method::GET, "/challenges/{id}/apply", P::None, ActsForOrganization, S::OK),
        page(
            Method::POST,
            "/challenges/{id}/apply",
            P::Form(vec![("project_name", "")]),
            ActsForOrganization,
            S::UNPROCESSABLE_ENTITY,
        ),
        page(Method::GET, "/applications/{id}", P::None, AppViewers, S::OK),
        page(Method::GET, "/applications/{id}/pdf", P::None, AppViewers, S::OK),
        // An address that is not one: refused with a message.
        page(
            Method::POST,
            "/applications/{id}/invite-unit",
            P::Form(vec![("email", "nobody"), ("unit_name", "某单位")]),
            AppLead,
            S::SEE_OTHER,
        ),
        // The test application has no attachments: its readers are told so, others learn nothing.
        page(Method::GET, "/applications/{id}/files/999999", P::None, AppViewers, S::NOT_FOUND),
        page(Method::GET, "/applications/{id}/edit", P::None, AppLead, S::OK),
        page(Method::POST, "/applications/{id}/attach", P::Upload(BAD_SHEET), AppLead, S::SEE_OTHER),
        page(
            Method::POST,
            "/applications/{id}/act",
            P::Form(vec![("action", "pass_check")]),
            AppManagers,
            S::SEE_OTHER,
        ),
        page(Method::POST, "/applications/{id}/review", P::Form(vec![("comment", "")]), AppExpert, S::SEE_OTHER),
        page(
            Method::POST,
            "/applications/{id}/consortium",
            P::Form(vec![("organization_id", organization_text), ("answer", "accept")]),
            AppLead,
            S::SEE_OTHER,
        ),
        page(Method::POST, "/programs/{id}/dual-role", P::Form(vec![("statement", "x")]), Nobody, S::SEE_OTHER),
        // Self-service accounts: invalid input or a link that does not work, so nothing changes.
        page(Method::GET, "/signup", P::None, Public, S::OK),
        page(
            Method::POST,
            "/signup",
            P::Form(vec![("email", "x"), ("name", ""), ("password", "")]),
            Public,
            S::UNPROCESSABLE_ENTITY,
        ),
        page(Method::GET, "/verify", P::None, Public, S::NOT_FOUND),
        page(Method::POST, "/verify", P::Form(vec![("token", "wrong")]), Public, S::CONFLICT),
        page(Method::GET, "/verify/resend", P::None, Public, S::OK),
        page(Method::POST, "/verify/resend", P::Form(vec![("email", "nobody")]), Public, S::UNPROCESSABLE_ENTITY),
        page(Method::GET, "/password/forgot", P::None, Public, S::OK),
        page(Method::POST, "/password/forgot", P::Form(vec![("email", "nobody")]), Public, S::UNPROCESSABLE_ENTITY),
        page(Method::GET, "/password/reset", P::None, Public, S::NOT_FOUND),
        page(
            Method::POST,
            "/password/reset",
            P::Form(vec![("token", "wrong"), ("password", "a new horse")]),
            Public,
            S::CONFLICT,
        ),
        page(
            Method::POST,
            "/account/password",
            P::Form(vec![("current_password", "wrong"), ("password", "a new horse")]),
            SignedIn,
            S::UNPROCESSABLE_ENTITY,
        ),
        page(Method::POST, "/account/profile", P::Form(vec![("name", " ")]), SignedIn, S::UNPROCESSABLE_ENTITY),
        page(Method::GET, "/users", P::None, Admins, S::OK),
        // User 1 is the admin: it cannot disable itself, is enabled and verified already.
        page(Method::POST, "/users/{id}/disable", P::None, Admins, S::CONFLICT),
        page(Method::POST, "/users/{id}/enable", P::None, Admins, S::SEE_OTHER),
        page(Method::POST, "/users/{id}/verification", P::None, Admins, S::CONFLICT),
        page(
            Method::POST,
            "/users/{id}/grants",
            P::Form(vec![("role", "king"), ("scope", "global")]),
            Admins,
            S::UNPROCESSABLE_ENTITY,
        ),
        page(Method::GET, "/reviews", P::None, SignedIn, S::OK),
        page(Method::GET, "/inbox", P::None, SignedIn, S::OK),
        page(Method::GET, "/my/applications", P::None, SignedIn, S::OK),
        // Last: they queue the phase's submissions again.
        api(Method::POST, "/api/v1/phases/{id}/rerun", P::None, Managers, S::OK),
        page(Method::POST, "/phases/{id}/rerun", P::None, Managers, S::SEE_OTHER),
    ]
}

async fn build(app: &TestApp, case: &Case, who: Option<&str>) -> Request<Body> {
    let mut path = case
        .pattern
        .replace("/programs/{id}", &format!("/programs/{}", app.program))
        .replace("{draft}", &app.draft.to_string())
        .replace("/challenges/{id}", &format!("/challenges/{}", app.challenge))
        .replace("/organizations/{id}", &format!("/organizations/{}", app.organization))
        .replace("/users/{id}", "/users/1")
        .replace("/datasets/{id}", &format!("/datasets/{}", app.dataset))
        .replace("{public}", "train.csv")
        .replace("{hidden}", "labels.csv")
        .replace("/phases/{id}", &format!("/phases/{}", app.phase))
        .replace("/applications/{id}", &format!("/applications/{}", app.application))
        .replace("/projects/{id}", &format!("/projects/{}", app.project))
        .replace("/objections/{id}", "/objections/999999")
        .replace("/milestone-reports/{id}", "/milestone-reports/999999")
        .replace("/changes/{id}", "/changes/999999")
        .replace("/appeals/{id}", "/appeals/999999")
        .replace("{file}", "999999")
        .replace("{scored}", &app.scored.to_string())
        .replace("{queued}", &app.queued.to_string())
        .replace("/tokens/{id}", "/tokens/999999")
        .replace("/engagements/{id}", "/engagements/999999");
    if path.contains("/demands/{id}") {
        let demand = catalogue_demand(&format!("W-{}", rand_suffix()));
        let id = app.t.store.create_demand(&demand, Some(app.organization), None).await.unwrap().id;
        path = path.replace("/demands/{id}", &format!("/demands/{id}"));
    }
    if path.contains("/solutions/{id}") {
        let id =
            app.t.store.create_solution(&catalogue_solution(), Some(app.organization), None, None).await.unwrap().id;
        path = path.replace("/solutions/{id}", &format!("/solutions/{id}"));
    }
    if path == "/datasets/{id}" || path.contains("/dataset-cards/{id}") {
        let card = jiebang_core::dataset_card::DatasetCardInput {
            name: format!("数据集-{}", rand_suffix()),
            version: "v1".into(),
            builder: "某研究院".into(),
            modality: "text".into(),
            stage: "evaluation".into(),
            records: 10,
            sources: vec![jiebang_core::dataset_card::DataSource {
                name: "公开语料".into(),
                licence: "CC BY 4.0".into(),
            }],
            access: "open".into(),
            ..Default::default()
        };
        let id = app.t.store.create_dataset_card(&card, None, None).await.unwrap().id;
        path = path.replace("{id}", &id.to_string());
    }
    if path.contains("/events/{id}") {
        let event = jiebang_core::catalogue::MatchEventInput {
            name: "供需对接会".into(),
            held_on: jiebang_core::program::Day::parse("d", "2026-11-20").ok(),
            region: "370200".into(),
            venue: String::new(),
            host: "某工信局".into(),
        };
        let organizer = app.t.store.find_user_by_email("organizer@example.cn").await.unwrap().unwrap().id;
        let id = app.t.store.create_match_event(&event, organizer).await.unwrap().id;
        path = path.replace("/events/{id}", &format!("/events/{id}"));
    }
    if path.contains("{fresh}") {
        let challenge: jiebang_core::challenge::ChallengeInput =
            serde_json::from_value(challenge_json(&format!("F-{}", rand_suffix()))).unwrap();
        let id = app.t.store.create_challenge(app.draft, &challenge.validate().unwrap(), None).await.unwrap().id;
        path = path.replace("{fresh}", &id.to_string());
    }
    let mut request = match &case.payload {
        Payload::None => app.request(case.method.clone(), &path, None, None),
        Payload::Json(body) => app.request(case.method.clone(), &path, None, Some(body)),
        Payload::Form(pairs) => app.form(&path, None, pairs),
        Payload::Upload(bytes) => app.upload(&path, None, "list.csv", bytes),
        Payload::Fields(fields, bytes) => app.upload_with(&path, None, fields, "pred.csv", bytes),
    };
    if let Some(who) = who {
        request.headers_mut().insert(header::AUTHORIZATION, format!("Bearer {}", app.tokens[who]).parse().unwrap());
    }
    request
}

/// A valid demand of the catalogue, numbered `number`.
pub(crate) fn catalogue_demand(number: &str) -> jiebang_core::catalogue::DemandInput {
    serde_json::from_value(json!({
        "number": number, "title": "化工园区泄漏预警", "organization": "云鼎科技", "demander_kind": "private",
        "industries": ["26"], "region": "370100", "pain_points": "巡检难以发现微量泄漏。",
        "requirements": [{"name": "F1值", "metric": "f1", "op": ">=", "threshold": 0.95}],
        "cooperation": "buy_solution", "budget_wan": 300.0, "contact_name": "王工", "contact_phone": "0531-1",
        "visibility": {"budget": "registered"}
    }))
    .unwrap()
}

/// A valid solution of the catalogue, with no claimed value yet.
pub(crate) fn catalogue_solution() -> jiebang_core::catalogue::SolutionInput {
    serde_json::from_value(json!({
        "title": "化工泄漏预警大模型", "provider": "某科技", "kind": "industry_model", "industries": ["26"],
        "region": "370102", "summary": "化工泄漏预警，端侧部署。", "contact_name": "李工", "contact_email": "li@example.cn"
    }))
    .unwrap()
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

#[tokio::test]
async fn every_route_answers_every_role_as_it_should() {
    let app = TestApp::new().await;
    let mut failures = Vec::new();
    for case in cases(&app) {
        for who in std::iter::once(None).chain(ROLES.iter().map(|r| Some(*r))) {
            let want = expected(&case, who);
            let (got, headers, body) = app.send(build(&app, &case, who).await).await;
            // Every answer to anyone but the challenge's organizers is free of the hidden labels.
            if !matches!(who, Some("admin" | "organizer")) && String::from_utf8_lossy(&body).contains(crate::LABELS) {
                failures
                    .push(format!("{} {} as {who:?}: the answer carries the hidden labels", case.method, case.pattern));
            }
            if got != want {
                failures.push(format!(
                    "{} {} as {}: want {want}, got {got}: {}",
                    case.method,
                    case.pattern,
                    who.unwrap_or("anonymous"),
                    String::from_utf8_lossy(&body).chars().take(160).collect::<String>()
                ));
            }
            if got == StatusCode::SEE_OTHER && who.is_none() && !matches!(case.audience, Audience::Public) {
                let location = headers.get(header::LOCATION).and_then(|l| l.to_str().ok()).unwrap_or("");
                if !location.starts_with("/login?next=") {
                    failures.push(format!(
                        "{} {} as anonymous: redirected to {location}, not the login page",
                        case.method, case.pattern
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} wrong answers:\n{}", failures.len(), failures.join("\n"));
}

#[tokio::test]
async fn the_walk_covers_every_path_and_method_of_the_openapi_document() {
    let app = TestApp::new().await;
    let (_, doc) = app.json(Method::GET, "/api/v1/openapi.json", None, None).await;
    let walked: Vec<(String, String)> = cases(&app)
        .iter()
        .map(|c| {
            let mut pattern = c.pattern.split('?').next().unwrap_or_default().to_owned();
            for (placeholder, parameter) in [
                ("{draft}", "{id}"),
                ("{fresh}", "{id}"),
                ("{scored}", "{id}"),
                ("{queued}", "{id}"),
                ("{public}", "{name}"),
                ("{hidden}", "{name}"),
            ] {
                pattern = pattern.replace(placeholder, parameter);
            }
            (c.method.as_str().to_lowercase(), pattern)
        })
        .collect();
    let mut missing = Vec::new();
    for (path, operations) in doc["paths"].as_object().unwrap() {
        for method in operations.as_object().unwrap().keys() {
            if !walked.contains(&(method.clone(), path.clone())) {
                missing.push(format!("{method} {path}"));
            }
        }
    }
    assert!(missing.is_empty(), "routes the role walk does not cover: {missing:?}");
}
