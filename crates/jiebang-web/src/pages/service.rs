//! The model service's pages: the published models (`/models`), a chat page for each that keeps
//! the conversation in the form (no script needed), and the team's consent and the organizers'
//! publication, posted from the report page.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jiebang_store::PublishedModel;
use serde::Deserialize;

use super::{Ctx, PageError, filters};
use crate::AppState;
use crate::app::service::Turn;
use crate::error::ApiError;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/models", get(models_page))
        .route("/models/{id}", get(chat_page).post(chat_submit))
        .route("/submissions/{id}/consent", post(consent_submit))
        .route("/submissions/{id}/publication", post(publication_submit))
}

/// The published models.
#[derive(Template, WebTemplate)]
#[template(path = "models.html")]
pub(super) struct ModelsPage {
    ctx: Ctx,
    models: Vec<PublishedModel>,
}

async fn models_page(State(state): State<AppState>, ctx: Ctx) -> Result<ModelsPage, PageError> {
    let models = state.store.published_models().await.map_err(|e| ctx.fail(e))?;
    Ok(ModelsPage { ctx, models })
}

/// A published model's chat page: the conversation so far, and a box for the next question.
#[derive(Template, WebTemplate)]
#[template(path = "model_chat.html")]
pub(super) struct ChatPage {
    ctx: Ctx,
    model: PublishedModel,
    turns: Vec<Turn>,
    /// The conversation as the form carries it (JSON).
    history: String,
    /// Why the last question got no answer.
    problem: Option<String>,
}

impl ChatPage {
    fn size(&self) -> String {
        format!("{:.1} MB", self.model.file_size as f64 / 1e6)
    }
}

async fn chat_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<ChatPage, PageError> {
    ctx.viewer.require().map_err(|e| ctx.fail(e))?;
    let model = crate::app::service::published(&state, id).await.map_err(|e| ctx.fail(e))?;
    Ok(ChatPage { ctx, model, turns: Vec::new(), history: "[]".into(), problem: None })
}

/// The chat form: the conversation so far and the new question.
#[derive(Debug, Deserialize)]
pub(super) struct ChatForm {
    #[serde(default)]
    history: String,
    #[serde(default)]
    message: String,
}

async fn chat_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<ChatForm>,
) -> Result<Response, PageError> {
    let authed = ctx.viewer.require().map_err(|e| ctx.fail(e))?.clone();
    let model = crate::app::service::published(&state, id).await.map_err(|e| ctx.fail(e))?;
    let mut turns: Vec<Turn> = serde_json::from_str(&form.history).unwrap_or_default();
    let message = form.message.trim();
    crate::app::service::trim_history(&mut turns, message);
    turns.push(Turn { role: "user".into(), content: message.to_owned() });
    let (status, problem) = match crate::app::service::ask(&state, &authed, id, &turns).await {
        Ok(answer) => {
            turns.push(Turn { role: "assistant".into(), content: answer });
            (StatusCode::OK, None)
        }
        Err(e @ (ApiError::Unauthenticated | ApiError::Forbidden | ApiError::NotFound(_))) => {
            return Err(ctx.fail(e));
        }
        Err(e) => {
            turns.pop();
            (e.parts().0, Some(super::error_text(&e, ctx.t.lang)))
        }
    };
    let history = serde_json::to_string(&turns).unwrap_or_else(|_| "[]".into());
    Ok((status, ChatPage { ctx, model, turns, history, problem }).into_response())
}

async fn consent_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<super::evaluation::Confirmed>,
) -> Result<Response, PageError> {
    let back = format!("/submissions/{id}/report");
    let result = match form.confirm {
        None => Err(jiebang_core::Error::invalid("confirm", ctx.t.confirm_irreversible).into()),
        Some(_) => crate::app::service::consent(&state, &ctx.viewer, id).await.map(|_| ()),
    };
    Ok(super::back(&state, &back, result, &ctx, ctx.t.host.consent_done))
}

/// Publish (`published=true`) or withdraw.
#[derive(Debug, Deserialize)]
pub(super) struct PublicationForm {
    #[serde(default)]
    published: String,
}

async fn publication_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<PublicationForm>,
) -> Result<Response, PageError> {
    let back = format!("/submissions/{id}/report");
    let published = form.published == "true";
    let result = crate::app::service::publish(&state, &ctx.viewer, id, published).await.map(|_| ());
    let done = if published { ctx.t.host.published } else { ctx.t.host.unpublished };
    Ok(super::back(&state, &back, result, &ctx, done))
}
