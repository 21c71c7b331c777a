//! The JSON API under `/api/v1`, and its OpenAPI document.

pub mod accounts;
pub mod audit;
pub mod catalogue;
pub mod codes;
pub mod evaluation;
pub mod organizations;
pub mod programs;
pub mod projects;
pub mod selection;
pub mod service;

use axum::Router;
use axum::routing::{get, post};
use utoipa::OpenApi;

use crate::AppState;
use crate::error::ApiError;

/// The OpenAPI document of `/api/v1`.
#[derive(OpenApi)]
#[openapi(
    info(title = "jiebang API", description = "揭榜挂帅 platform: programs, challenge lists, organizations, accounts, evaluation."),
    paths(
        accounts::create_session, accounts::get_session, accounts::delete_session,
        accounts::list_tokens, accounts::create_token, accounts::delete_token,
        accounts::list_users, accounts::create_user, accounts::add_grant,
        programs::list_programs, programs::create_program, programs::get_program, programs::update_program,
        programs::transition_program, programs::list_challenges, programs::create_challenge,
        programs::get_challenge, programs::update_challenge, programs::delete_challenge, programs::archive_challenge,
        programs::import_challenges, programs::export_challenges,
        organizations::list_organizations, organizations::create_organization, organizations::get_organization, organizations::verify,
        codes::list_regions, codes::list_industries,
        evaluation::create_dataset, evaluation::list_datasets, evaluation::download_dataset_file,
        evaluation::list_phases, evaluation::create_phase, evaluation::register,
        evaluation::create_submission, evaluation::list_submissions, evaluation::get_submission,
        evaluation::cancel_submission, evaluation::rerun_submission, evaluation::get_report, evaluation::get_transcript, evaluation::keys,
        evaluation::leaderboard, evaluation::publish_private, evaluation::queue, evaluation::select_submission,
        evaluation::rerun_phase, evaluation::get_delivery, evaluation::put_delivery,
        selection::create_application, selection::list_applications, selection::get_application,
        selection::update_application, selection::snapshot, selection::act, selection::attach, selection::history,
        selection::create_expert, selection::list_experts, selection::assign, selection::draw,
        selection::declare_conflict, selection::declare_dual_role, selection::list_dual_roles, selection::consortium, selection::answer_place, selection::submit_review, selection::list_reviews, selection::rank,
        selection::publish, selection::get_publicity, selection::export_list, selection::file_objection,
        selection::list_objections, selection::decide, selection::announce, selection::get_statistics,
        selection::notifications, selection::read_notifications, audit::checkpoints,
        service::consent, service::publish, service::unpublish, service::list_models, service::chat,
        projects::list_projects, projects::create_projects, projects::get_project, projects::act_on_project,
        projects::project_history, projects::my_projects, projects::get_agreement, projects::put_agreement,
        projects::list_milestones, projects::report_milestone, projects::review_milestone, projects::get_ledger,
        projects::list_tranches, projects::record_mid_term, projects::list_mid_term, projects::run_gate,
        projects::list_gates, projects::request_change, projects::list_changes, projects::check_change,
        projects::decide_change, projects::apply_for_acceptance, projects::get_acceptance, projects::designate_lab,
        projects::submit_lab_report, projects::file_appeal, projects::decide_appeal, projects::project_statistics,
        projects::export_projects, projects::export_acceptance, projects::assign_acceptance_expert,
        projects::give_opinion, projects::list_progress, projects::file_progress,
        catalogue::list_demands, catalogue::create_demand, catalogue::get_demand, catalogue::act_on_demand,
        catalogue::promote_demand, catalogue::demand_matches, catalogue::list_solutions, catalogue::create_solution, catalogue::add_claim, catalogue::evidence_file,
        catalogue::get_solution, catalogue::list_engagements, catalogue::record_engagement,
        catalogue::advance_engagement, catalogue::list_accepted_model, catalogue::catalogue_statistics,
        catalogue::list_scenarios, catalogue::import_scenarios, catalogue::search, catalogue::import_demands, catalogue::export_demands,
        catalogue::import_solutions, catalogue::export_solutions, catalogue::list_dataset_cards,
        catalogue::create_dataset_card, catalogue::get_dataset_card, catalogue::list_events, catalogue::create_event,
        catalogue::get_event, catalogue::add_to_event, catalogue::event_catalogue, catalogue::event_booklet,
        catalogue::list_typical_cases, catalogue::create_typical_case,
    ),
    components(schemas(crate::error::ErrorEnvelope, crate::app::selection::SignedSnapshot)),
    modifiers(&BearerAuth, &PathParameters),
    tags((name = "jiebang"))
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Declares every `{name}` of a path as a required path parameter of each of its operations
/// that does not declare it itself: `{id}` an integer, others a string. Clients and fuzzers
/// (schemathesis) then know how to fill them.
struct PathParameters;

impl utoipa::Modify for PathParameters {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        use utoipa::openapi::{RefOr, Required};
        for (path, item) in openapi.paths.paths.iter_mut() {
            let names: Vec<&str> = path.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')).collect();
            let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
            for operation in operations.into_iter().flatten() {
                let parameters = operation.parameters.get_or_insert_with(Vec::new);
                for name in &names {
                    let declared = parameters
                        .iter()
                        .any(|p| matches!(p, RefOr::T(p) if p.name == *name && p.parameter_in == ParameterIn::Path));
                    if declared {
                        continue;
                    }
                    let schema = if *name == "id" {
                        ObjectBuilder::new()
                            .schema_type(Type::Integer)
                            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                    } else {
                        ObjectBuilder::new().schema_type(Type::String)
                    };
                    let parameter = ParameterBuilder::new()
                        .name(*name)
                        .parameter_in(ParameterIn::Path)
                        .required(Required::True)
                        .schema(Some(schema))
                        .build();
                    parameters.push(RefOr::T(parameter));
                }
            }
        }
    }
}

/// The `/api/v1` routes.
/// The routes; those that take data files accept bodies up to `data_limit` bytes.
pub fn routes(data_limit: usize) -> Router<AppState> {
    let data = axum::extract::DefaultBodyLimit::max(data_limit);
    Router::new()
        .route("/session", post(accounts::create_session).get(accounts::get_session).delete(accounts::delete_session))
        .route("/tokens", get(accounts::list_tokens).post(accounts::create_token))
        .route("/tokens/{id}", axum::routing::delete(accounts::delete_token))
        .route("/users", get(accounts::list_users).post(accounts::create_user))
        .route("/users/{id}/grants", post(accounts::add_grant))
        .route("/programs", get(programs::list_programs).post(programs::create_program))
        .route("/programs/{id}", get(programs::get_program).put(programs::update_program))
        .route("/programs/{id}/transition", post(programs::transition_program))
        .route("/programs/{id}/challenges", get(programs::list_challenges).post(programs::create_challenge))
        .route("/programs/{id}/challenges/import", post(programs::import_challenges))
        .route("/programs/{id}/challenges/export", get(programs::export_challenges))
        .route(
            "/challenges/{id}",
            get(programs::get_challenge).put(programs::update_challenge).delete(programs::delete_challenge),
        )
        .route("/organizations", get(organizations::list_organizations).post(organizations::create_organization))
        .route("/organizations/{id}", get(organizations::get_organization))
        .route("/organizations/{id}/verification", post(organizations::verify))
        .route("/challenges/{id}/archive", post(programs::archive_challenge))
        .route("/challenges/{id}/datasets", get(evaluation::list_datasets).post(evaluation::create_dataset).layer(data))
        .route("/datasets/{id}/files/{name}", get(evaluation::download_dataset_file))
        .route("/challenges/{id}/delivery", get(evaluation::get_delivery).put(evaluation::put_delivery))
        .route("/challenges/{id}/phases", get(evaluation::list_phases).post(evaluation::create_phase))
        .route("/challenges/{id}/participants", post(evaluation::register))
        .route(
            "/phases/{id}/submissions",
            get(evaluation::list_submissions).post(evaluation::create_submission).layer(data),
        )
        .route("/submissions/{id}", get(evaluation::get_submission))
        .route("/submissions/{id}/cancel", post(evaluation::cancel_submission))
        .route("/submissions/{id}/rerun", post(evaluation::rerun_submission))
        .route("/submissions/{id}/select", post(evaluation::select_submission))
        .route("/submissions/{id}/report", get(evaluation::get_report))
        .route("/submissions/{id}/transcript", get(evaluation::get_transcript))
        .route("/submissions/{id}/consent", post(service::consent))
        .route("/submissions/{id}/publication", post(service::publish).delete(service::unpublish))
        .route("/models", get(service::list_models))
        .route("/models/{id}/chat", post(service::chat))
        .route("/programs/{id}/projects", get(projects::list_projects).post(projects::create_projects))
        .route("/projects/{id}", get(projects::get_project))
        .route("/projects/{id}/actions", post(projects::act_on_project))
        .route("/projects/{id}/history", get(projects::project_history))
        .route("/projects/{id}/agreement", get(projects::get_agreement).put(projects::put_agreement))
        .route("/projects/{id}/milestones", get(projects::list_milestones).post(projects::report_milestone))
        .route("/milestone-reports/{id}/review", post(projects::review_milestone))
        .route("/projects/{id}/ledger", get(projects::get_ledger))
        .route("/projects/{id}/tranches", get(projects::list_tranches))
        .route("/my/projects", get(projects::my_projects))
        .route("/projects/{id}/mid-term", get(projects::list_mid_term).post(projects::record_mid_term))
        .route("/challenges/{id}/gate", post(projects::run_gate))
        .route("/programs/{id}/gates", get(projects::list_gates))
        .route("/projects/{id}/changes", get(projects::list_changes).post(projects::request_change))
        .route("/projects/{id}/progress", get(projects::list_progress).post(projects::file_progress))
        .route("/changes/{id}/check", post(projects::check_change))
        .route("/changes/{id}/decision", post(projects::decide_change))
        .route("/projects/{id}/acceptance", get(projects::get_acceptance).post(projects::apply_for_acceptance))
        .route("/projects/{id}/labs", post(projects::designate_lab))
        .route("/projects/{id}/lab-reports", post(projects::submit_lab_report))
        .route("/projects/{id}/appeals", post(projects::file_appeal))
        .route("/appeals/{id}/decision", post(projects::decide_appeal))
        .route("/programs/{id}/projects/statistics", get(projects::project_statistics))
        .route("/programs/{id}/projects/export", get(projects::export_projects))
        .route("/programs/{id}/acceptance/export", get(projects::export_acceptance))
        .route("/projects/{id}/acceptance-experts", post(projects::assign_acceptance_expert))
        .route("/projects/{id}/opinions", post(projects::give_opinion))
        .route("/demands", get(catalogue::list_demands).post(catalogue::create_demand))
        .route("/demands/import", post(catalogue::import_demands))
        .route("/demands/export", get(catalogue::export_demands))
        .route("/solutions/import", post(catalogue::import_solutions))
        .route("/solutions/export", get(catalogue::export_solutions))
        .route("/demands/{id}", get(catalogue::get_demand))
        .route("/demands/{id}/actions", post(catalogue::act_on_demand))
        .route("/demands/{id}/promote", post(catalogue::promote_demand))
        .route("/demands/{id}/matches", get(catalogue::demand_matches))
        .route("/solutions", get(catalogue::list_solutions).post(catalogue::create_solution))
        .route("/solutions/{id}", get(catalogue::get_solution))
        .route("/solutions/{id}/claims", post(catalogue::add_claim))
        .route("/solutions/{id}/evidence/{file}", get(catalogue::evidence_file))
        .route("/engagements", get(catalogue::list_engagements).post(catalogue::record_engagement))
        .route("/engagements/{id}/advance", post(catalogue::advance_engagement))
        .route("/projects/{id}/listing", post(catalogue::list_accepted_model))
        .route("/catalogue/statistics", get(catalogue::catalogue_statistics))
        .route("/scenarios", get(catalogue::list_scenarios))
        .route("/scenarios/import", post(catalogue::import_scenarios))
        .route("/search", get(catalogue::search))
        .route("/dataset-cards", get(catalogue::list_dataset_cards).post(catalogue::create_dataset_card))
        .route("/dataset-cards/{id}", get(catalogue::get_dataset_card))
        .route("/events", get(catalogue::list_events).post(catalogue::create_event))
        .route("/typical-cases", get(catalogue::list_typical_cases).post(catalogue::create_typical_case))
        .route("/events/{id}", get(catalogue::get_event))
        .route("/events/{id}/entries", post(catalogue::add_to_event))
        .route("/events/{id}/catalogue", get(catalogue::event_catalogue))
        .route("/events/{id}/booklet", get(catalogue::event_booklet))
        .route("/keys", get(evaluation::keys))
        .route("/audit/checkpoints", get(audit::checkpoints))
        .route("/phases/{id}/leaderboard", get(evaluation::leaderboard))
        .route("/queue", get(evaluation::queue))
        .route("/phases/{id}/publish", post(evaluation::publish_private))
        .route("/phases/{id}/rerun", post(evaluation::rerun_phase))
        .route("/challenges/{id}/applications", post(selection::create_application))
        .route("/programs/{id}/applications", get(selection::list_applications))
        .route("/applications/{id}", get(selection::get_application).put(selection::update_application))
        .route("/applications/{id}/snapshot", get(selection::snapshot))
        .route("/applications/{id}/actions", post(selection::act))
        .route("/applications/{id}/attachments", post(selection::attach).layer(crate::http::attachment_body_limit()))
        .route("/applications/{id}/history", get(selection::history))
        .route("/applications/{id}/assignments", post(selection::assign))
        .route("/applications/{id}/conflicts", post(selection::declare_conflict))
        .route("/programs/{id}/dual-role", post(selection::declare_dual_role))
        .route("/programs/{id}/dual-roles", get(selection::list_dual_roles))
        .route("/applications/{id}/consortium", get(selection::consortium).post(selection::answer_place))
        .route("/applications/{id}/reviews", get(selection::list_reviews).post(selection::submit_review))
        .route("/experts", get(selection::list_experts).post(selection::create_expert))
        .route("/programs/{id}/draws", post(selection::draw))
        .route("/programs/{id}/ranking", post(selection::rank))
        .route("/programs/{id}/publicity", get(selection::get_publicity).post(selection::publish))
        .route("/programs/{id}/list", get(selection::export_list))
        .route("/programs/{id}/objections", get(selection::list_objections).post(selection::file_objection))
        .route("/objections/{id}/decision", post(selection::decide))
        .route("/programs/{id}/announcement", post(selection::announce))
        .route("/programs/{id}/statistics", get(selection::get_statistics))
        .route("/notifications", get(selection::notifications))
        .route("/notifications/read", post(selection::read_notifications))
        .route("/codes/regions", get(codes::list_regions))
        .route("/codes/industries", get(codes::list_industries))
        .fallback(|| async { ApiError::NotFound("没有这个接口 / no such endpoint".into()) })
}
