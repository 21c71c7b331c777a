//! 登记数据集说明卡: the form the catalogue's organizers fill in (a challenge's own organizers,
//! scoped to their program, enter their evaluation dataset's card through the API) — sources, labelling, quality and compliance a line each — every
//! refused field beside its input or listed above the form, the values kept.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jiebang_core::FieldError;
use jiebang_core::dataset_card::{
    Access, Compliance, DataSource, DatasetCardInput, DatasetStage, Labelling, Modality, QualityScore,
};
use serde::Deserialize;

use super::form::{FormState, optional_number};
use super::{Ctx, PageError};
use crate::AppState;
use crate::app::catalogue::NewDatasetCard;
use crate::error::ApiError;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/datasets/new", get(new_card_page).post(new_card_submit))
}

/// The fields the form shows errors beside.
const CARD_FIELDS: &[&str] = &[
    "name",
    "version",
    "builder",
    "summary",
    "industries",
    "scenario",
    "modality",
    "stage",
    "records",
    "bytes",
    "schema",
    "sources",
    "access",
    "dataset_version_id",
];

#[derive(Template, WebTemplate)]
#[template(path = "dataset_form.html")]
struct CardFormPage {
    ctx: Ctx,
    form: FormState,
    scenarios: Vec<jiebang_core::scenario::Scenario>,
}

impl CardFormPage {
    fn modalities(&self) -> &'static [Modality] {
        Modality::ALL
    }

    fn stages(&self) -> &'static [DatasetStage] {
        DatasetStage::ALL
    }

    fn accesses(&self) -> &'static [Access] {
        Access::ALL
    }
}

#[derive(Debug, Deserialize)]
struct ForVersion {
    /// The challenge dataset version the card describes (from the challenge page's link).
    #[serde(default)]
    version: Option<i64>,
}

async fn page(state: &AppState, ctx: Ctx, form: FormState) -> Result<CardFormPage, PageError> {
    let scenarios = crate::app::catalogue::scenarios(state).await.map_err(|e| ctx.fail(e))?;
    Ok(CardFormPage { ctx, form, scenarios })
}

async fn new_card_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ForVersion>,
) -> Result<CardFormPage, PageError> {
    ctx.viewer.require_that(|p| p.can_manage_catalogue()).map_err(|e| ctx.fail(e))?;
    let values = query.version.map(|v| vec![("dataset_version_id".to_owned(), v.to_string())]).unwrap_or_default();
    page(&state, ctx, FormState::new(values, CARD_FIELDS)).await
}

/// `a | b` lines as pairs; a line without the bar is all `a`.
fn pairs(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| match line.split_once(['|', '｜']) {
            Some((a, b)) => (a.trim().to_owned(), b.trim().to_owned()),
            None => (line.to_owned(), String::new()),
        })
        .collect()
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

fn list(text: &str) -> Vec<String> {
    text.split([',', '，', '、', ';', '；']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// The form's values as a card; what cannot be read is an error of its field, with the card's
/// own problems.
fn card_from_form(form: &FormState) -> Result<NewDatasetCard, Vec<FieldError>> {
    let mut errors = Vec::new();
    let records = match form.get("records").trim() {
        "" => 0,
        text => text.parse().unwrap_or_else(|_| {
            errors.push(FieldError::new("records", format!("「{text}」不是正整数 / '{text}' is not a whole number")));
            0
        }),
    };
    let bytes = optional_number::<u64>(form.get("bytes"), "bytes", &mut errors);
    let dataset_version_id = optional_number::<i64>(form.get("dataset_version_id"), "dataset_version_id", &mut errors);
    let mut quality = Vec::new();
    for (i, (dimension, score)) in pairs(form.get("quality")).into_iter().enumerate() {
        match score.parse::<f64>() {
            Ok(score) => quality.push(QualityScore { dimension, score }),
            Err(_) => errors.push(FieldError::new(
                format!("quality[{i}].score"),
                format!("「{dimension} | {score}」：请写成「维度 | 0 到 1 的分数」 / write 'dimension | a score from 0 to 1'"),
            )),
        }
    }
    let card = DatasetCardInput {
        name: form.get("name").trim().to_owned(),
        version: form.get("version").trim().to_owned(),
        builder: form.get("builder").trim().to_owned(),
        summary: form.get("summary").trim().to_owned(),
        industries: list(form.get("industries")),
        scenario: form.get("scenario").trim().to_owned(),
        modality: form.get("modality").to_owned(),
        stage: form.get("stage").to_owned(),
        records,
        bytes,
        schema: form.get("schema").trim().to_owned(),
        labels: list(form.get("labels")),
        sources: pairs(form.get("sources")).into_iter().map(|(name, licence)| DataSource { name, licence }).collect(),
        labelling: Labelling {
            roles: list(form.get("labelling_roles")),
            method: form.get("labelling_method").trim().to_owned(),
            acceptance_sampling: form.get("acceptance_sampling").trim().to_owned(),
        },
        quality,
        compliance: Compliance {
            personal_information: form.get("personal_information").trim().to_owned(),
            copyright: form.get("copyright").trim().to_owned(),
            content_safety: form.get("content_safety").trim().to_owned(),
        },
        access: form.get("access").to_owned(),
        lineage: lines(form.get("lineage")),
    };
    if let Err(error) = card.validate() {
        let known: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
        errors.extend(error.field_errors().iter().filter(|e| !known.contains(&e.field)).cloned());
    }
    if errors.is_empty() { Ok(NewDatasetCard { card, dataset_version_id }) } else { Err(errors) }
}

async fn new_card_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::Form(values): axum::Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let form = FormState::new(values, CARD_FIELDS);
    let errors = match card_from_form(&form) {
        Ok(new) => match crate::app::catalogue::create_dataset_card(&state, &ctx.viewer, &new).await {
            Ok(created) => {
                let to = format!("/datasets/{}", created.id);
                return Ok(crate::http::done(&state.signer, &to, ctx.t.cat.card_created));
            }
            Err(ApiError::Invalid(errors)) => errors,
            Err(error) => return Err(ctx.fail(error)),
        },
        Err(errors) => errors,
    };
    // Only those who may enter a card are told what is wrong with it.
    if let Err(error) = ctx.viewer.require_that(|p| p.can_manage_catalogue()) {
        return Err(ctx.fail(error));
    }
    let lang = ctx.t.lang;
    let page = page(&state, ctx, form.with_errors(errors, lang)).await?;
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
