//! The model service (模型体验, the "public service platform for models" of the AI+制造 plan):
//! a team consents to its scored GGUF model's publication, the organizers publish it, and anyone
//! signed in may then ask it questions, a few an hour, on the platform's own hardware.
//!
//! This crate starts no process: the binary supplies the runner behind [`ServeModels`]
//! (`jiebang_worker::hosted`, which loads a model when first asked and stops it when idle).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use jiebang_store::{Publication, PublishedModel};

use crate::AppState;
use crate::auth::{Authed, Viewer};
use crate::error::ApiError;

/// Questions one person may ask in [`WINDOW`].
pub const QUESTIONS_PER_WINDOW: usize = 20;
/// The rate limit's window.
pub const WINDOW: Duration = Duration::from_secs(600);
/// Longest question or conversation accepted, characters.
const MAX_CHARS: usize = 8_000;
/// Turns of a conversation kept.
const MAX_TURNS: usize = 16;

/// One turn of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Turn {
    /// `user` or `assistant`.
    pub role: String,
    /// What was said.
    pub content: String,
}

/// What runs published models: given the model and the conversation, its answer — or why
/// there is none (a message people may read).
pub trait ServeModels: Send + Sync + std::fmt::Debug {
    /// Answers the conversation with the model, loading it first if it is not running.
    fn answer<'a>(
        &'a self,
        model: &'a PublishedModel,
        turns: &'a [Turn],
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<String, String>> + Send + 'a>>;
}

/// The runner and the per-person rate limit.
#[derive(Debug)]
pub struct ModelService {
    runner: std::sync::Arc<dyn ServeModels>,
    asked: Mutex<HashMap<i64, VecDeque<Instant>>>,
}

impl ModelService {
    /// The service over `runner`.
    pub fn new(runner: std::sync::Arc<dyn ServeModels>) -> Self {
        Self { runner, asked: Mutex::new(HashMap::new()) }
    }

    /// Counts a question of `user`'s, or refuses it past the limit with the seconds to wait.
    fn admit(&self, user: i64) -> Result<(), u64> {
        let mut asked = self.asked.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let times = asked.entry(user).or_default();
        let now = Instant::now();
        while times.front().is_some_and(|t| now.duration_since(*t) > WINDOW) {
            times.pop_front();
        }
        if let (true, Some(oldest)) = (times.len() >= QUESTIONS_PER_WINDOW, times.front()) {
            return Err(WINDOW.saturating_sub(now.duration_since(*oldest)).as_secs().max(1));
        }
        times.push_back(now);
        Ok(())
    }
}

/// Records the team's consent to publish its scored GGUF model: an applicant of the team (or
/// an admin) only — the organizers publish, they do not consent for the team.
pub(crate) async fn consent(state: &AppState, viewer: &Viewer, id: i64) -> Result<Publication, ApiError> {
    let (submission, _, _) = crate::app::access::own_submission(state, viewer, id).await?;
    let authed = viewer.require()?;
    if !authed.principal.can_act_for(submission.organization_id) {
        return Err(ApiError::Forbidden);
    }
    Ok(state.store.consent_to_publication(id, authed.user.id).await?)
}

/// Publishes (or withdraws) a model whose team consented: the challenge's organizers only.
pub(crate) async fn publish(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    published: bool,
) -> Result<Publication, ApiError> {
    let (_, _, manages) = crate::app::access::own_submission(state, viewer, id).await?;
    if !manages {
        return Err(ApiError::Forbidden);
    }
    Ok(state.store.set_published(id, viewer.require()?.user.id, published).await?)
}

/// A published model, or 404.
pub(crate) async fn published(state: &AppState, id: i64) -> Result<PublishedModel, ApiError> {
    state
        .store
        .published_models()
        .await?
        .into_iter()
        .find(|m| m.submission_id == id)
        .ok_or_else(|| ApiError::NotFound(format!("模型 {id} 未发布 / model {id} is not published")))
}

/// Checks a conversation: 1 to 16 turns alternating from the user's, each non-empty, the last
/// the user's, 8,000 characters in all; every problem at once.
pub(crate) fn check_turns(turns: &[Turn]) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    let mut bad = |field: String, message: &str| errors.push(jiebang_core::FieldError::new(field, message));
    if turns.is_empty() || turns.len() > MAX_TURNS || turns.last().is_some_and(|t| t.role != "user") {
        bad("messages".into(), "对话应有 1 到 16 轮，且以用户的问题结尾 / give 1 to 16 turns, ending with the user's");
    }
    for (i, turn) in turns.iter().enumerate() {
        let expected = if i % 2 == 0 { "user" } else { "assistant" };
        if turn.role != expected {
            bad(format!("messages[{i}].role"), "应为 user 与 assistant 交替 / must alternate user and assistant");
        }
        if turn.content.trim().is_empty() {
            bad(format!("messages[{i}].content"), "不能为空 / must not be empty");
        }
    }
    if turns.iter().map(|t| t.content.chars().count()).sum::<usize>() > MAX_CHARS {
        bad("messages".into(), "对话过长（上限 8000 字） / the conversation is over 8,000 characters");
    }
    if errors.is_empty() { Ok(()) } else { Err(jiebang_core::Error::Invalid(errors).into()) }
}

/// Keeps a conversation within what [`check_turns`] takes once `next` is added: the oldest
/// question and answer go first (the chat page carries the whole conversation in its form).
pub(crate) fn trim_history(turns: &mut Vec<Turn>, next: &str) {
    let chars = |turns: &[Turn]| turns.iter().map(|t| t.content.chars().count()).sum::<usize>();
    while !turns.is_empty() && (turns.len() + 1 > MAX_TURNS || chars(turns) + next.chars().count() > MAX_CHARS) {
        turns.drain(..turns.len().min(2));
    }
}

/// Asks a published model, as `authed`, within the rate limit.
pub(crate) async fn ask(state: &AppState, authed: &Authed, id: i64, turns: &[Turn]) -> Result<String, ApiError> {
    check_turns(turns)?;
    let model = published(state, id).await?;
    let Some(service) = state.config.model_service.as_ref() else {
        return Err(ApiError::Unavailable("本服务器未开启模型体验 / this server runs no model service".into()));
    };
    if let Err(retry_after_s) = service.admit(authed.user.id) {
        return Err(ApiError::TooMany {
            retry_after_s,
            message: format!(
                "每人每 10 分钟至多提问 {QUESTIONS_PER_WINDOW} 次，请 {retry_after_s} 秒后再试 / at most \
                 {QUESTIONS_PER_WINDOW} questions in 10 minutes; try again in {retry_after_s} s"
            ),
        });
    }
    service.runner.answer(&model, turns).await.map_err(ApiError::Unavailable)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(role: &str, content: &str) -> Turn {
        Turn { role: role.into(), content: content.into() }
    }

    #[test]
    fn a_long_conversation_drops_its_oldest_exchanges_to_stay_askable() {
        let mut turns: Vec<Turn> =
            (0..16).map(|i| turn(if i % 2 == 0 { "user" } else { "assistant" }, &format!("第{i}句"))).collect();
        trim_history(&mut turns, "下一问");
        assert_eq!(turns.len(), 14);
        assert_eq!(turns[0].content, "第2句");
        turns.push(turn("user", "下一问"));
        assert!(check_turns(&turns).is_ok());
        // Too many characters: exchanges go until the next question fits.
        let mut long = vec![turn("user", &"问".repeat(5000)), turn("assistant", &"答".repeat(2000))];
        trim_history(&mut long, &"再".repeat(2000));
        assert!(long.is_empty());
    }
}
