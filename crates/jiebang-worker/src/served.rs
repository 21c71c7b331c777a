//! The queue's endpoint jobs: a team's live model put to the hidden question bank through its
//! OpenAI-compatible endpoint, as the challenge's delivery contract says (prompt, sampling,
//! load, time limits). Each finished question is kept in the database at once, so a run taken
//! up again after a crash, a restart or a lost lease asks only what is left; the lease is kept
//! while the run goes on; a cancelled submission stops it at its next answer or heartbeat. When
//! every question is done, the answers are scored and the serving measured
//! ([`crate::endpoint::score`]), the transcript is stored and its sha256 signed in the report.
//! A delivered GGUF model takes the same path on a loopback port of this machine
//! ([`crate::gguf`]).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use jiebang_chat::client::{Client, Endpoint, Retry, Settings, Timeouts};
use jiebang_chat::exchange::Failure;
use jiebang_chat::measure::Slo;
use jiebang_chat::prompt::Template;
use jiebang_chat::run::{Load, Plan, Question, Record, run};
use jiebang_chat::tokens::Counter;
use jiebang_chat::transcript::Transcript;
use jiebang_core::delivery::{EndpointContract, EndpointRegistration, is_hosted, is_served};
use jiebang_core::report::{ServingReport, TranscriptRef};
use jiebang_eval::answers::AnswerTask;
use jiebang_eval::{EvalError, Source};
use jiebang_store::{EndpointAnswer, Job, Outcome, Submission};
use serde_json::json;

use crate::endpoint::{Scoring, image_type, read_questions, score};
use crate::gguf::Served;
use crate::report::{Account, Findings, Run};
use crate::{LABELS, Unscorable, Worker};

/// Images a question may show, each at most this large.
const MAX_IMAGE_BYTES: i64 = 20 << 20;

/// Why an endpoint run stopped before its questions were all done.
pub(crate) enum Stopped {
    /// The job is no longer this worker's (lease lost, or the submission cancelled).
    Lost,
    /// The worker is shutting down; the job is taken up again.
    ShuttingDown,
}

/// Everything one endpoint run needs, read before the first question.
struct Setup {
    client: Client,
    registration: EndpointRegistration,
    contract: EndpointContract,
    plan: Plan,
    questions: Vec<Question>,
    questions_sha256: String,
    task: AnswerTask,
    truth: Vec<u8>,
    metrics: Vec<String>,
    refusal_phrases: Vec<String>,
    indicators: Vec<jiebang_core::indicator::IndicatorExpr>,
    account: Account,
    counter: Counter,
    /// The delivered model the platform serves for this run, if it is a GGUF submission.
    served: Option<Served>,
}

impl Stopped {
    /// What the run's record says.
    fn message(&self) -> String {
        match self {
            Stopped::Lost => "评测已取消或租约丢失 / the run was cancelled or its lease lost".into(),
            Stopped::ShuttingDown => {
                "评测进程停止，已答的题保留，稍后继续 / the worker stopped; answers so far are kept and the run resumes"
                    .into()
            }
        }
    }
}

impl Worker {
    /// Runs (or takes up again) an endpoint submission's job.
    pub(crate) async fn evaluate_endpoint(&self, job: &Job, submission: Submission) -> Outcome {
        let started = Instant::now();
        let started_at = jiebang_store::now_text();
        let mut setup = match self.endpoint_setup(job, submission).await {
            Ok(Ok(setup)) => setup,
            Ok(Err(invalid)) => return Outcome::Invalid(invalid),
            Err(error) => return Outcome::Error(error.to_string()),
        };
        if let Err(stopped) = self.ask_the_rest(job, &setup).await {
            return Outcome::Error(stopped.message());
        }
        // A served model that died under load (its memory limit, a crash) answered nothing since.
        if let Some(Err(died)) = setup.served.as_mut().map(Served::check_alive) {
            return Outcome::Invalid(died);
        }
        let mut levels = Vec::new();
        if let Some(served) = &setup.served {
            let slo = Slo { ttft_ms: setup.contract.slo_ttft_ms, tpot_ms: setup.contract.slo_tpot_ms };
            let asking = (&setup.client, setup.questions.as_slice(), &setup.plan);
            match self.other_levels(job, served, asking, (slo, &setup.counter)).await {
                Ok(measured) => levels = measured,
                Err(stopped) => return Outcome::Error(stopped.message()),
            }
        }
        match self.finish_endpoint(job, setup, levels, started, started_at).await {
            Ok(outcome) => outcome,
            Err(error) => Outcome::Error(error.to_string()),
        }
    }

    /// Reads the contract, the registration, the key, the questions and the truth. The outer
    /// error is the platform's (retried); the inner one the team's (the submission is invalid).
    async fn endpoint_setup(&self, job: &Job, submission: Submission) -> Result<Result<Setup, String>, Unscorable> {
        let phase = self.store.get_phase(submission.phase_id).await?;
        let dataset = self.store.get_dataset_version(phase.dataset_id).await?;
        let challenge = self.store.get_challenge(phase.challenge_id).await?;
        let setup = Unscorable::Setup;
        let contract = self.store.delivery_contract(challenge.id).await?.endpoint.ok_or_else(|| {
            setup("本任务的交付要求不再接受模型服务接口 / the challenge's contract no longer takes endpoints".into())
        })?;
        let task = AnswerTask::parse(&dataset.scoring.task).ok_or_else(|| {
            setup(format!(
                "数据集版本 {} 不是题库，无法评测模型服务 / dataset version {} is not a question bank",
                dataset.version, dataset.version
            ))
        })?;
        let labels = dataset.labels().ok_or_else(|| setup("no labels file".into()))?;
        let questions_file = dataset
            .files
            .iter()
            .find(|f| match contract.questions_file.trim() {
                "" => f.purpose == "questions",
                name => f.name == name,
            })
            .ok_or_else(|| {
                setup(format!(
                    "数据集版本 {} 没有题目文件（questions）/ dataset version {} has no questions file",
                    dataset.version, dataset.version
                ))
            })?;
        let gguf = match submission.kind {
            jiebang_core::delivery::SubmissionKind::Gguf => {
                Some(self.store.delivery_contract(challenge.id).await?.gguf.ok_or_else(|| {
                    setup(
                        "本任务的交付要求不再接受 GGUF 模型 / the challenge's contract no longer takes GGUF models"
                            .into(),
                    )
                })?)
            }
            _ => None,
        };
        let registration = match &gguf {
            // Served below, once everything else is read.
            Some(_) => EndpointRegistration { base_url: String::new(), model: "delivered".into() },
            None => match serde_json::from_slice::<EndpointRegistration>(&self.files.get(&submission.file_key).await?)
                .map_err(|e| e.to_string())
                .and_then(|r| r.validate().map_err(|e| e.to_string()))
            {
                Ok(registration) => registration,
                Err(problem) => return Ok(Err(format!("接口登记有误 / the endpoint registration: {problem}"))),
            },
        };
        if gguf.is_none()
            && let Err(problem) = self.check_host(&registration.base_url).await
        {
            return Ok(Err(problem));
        }
        let api_key = match self.store.endpoint_key(submission.id).await? {
            None => None,
            Some(sealed) => {
                let Some(sealer) = &self.sealer else {
                    return Err(setup(
                        "此评测进程没有密钥，无法打开接口密钥 / this worker cannot open endpoint keys".into(),
                    ));
                };
                Some(sealer.open(&sealed)?)
            }
        };
        let mut template = match contract.prompt_template.trim() {
            "" => Template::default(),
            text => Template::parse(text).map_err(|e| setup(format!("prompt_template: {e}")))?,
        };
        if template.system.is_none() && !contract.system_prompt.trim().is_empty() {
            template.system = Some(contract.system_prompt.clone());
        }
        // Images the questions show are files of the same dataset version, by name.
        let mut images = HashMap::new();
        for file in dataset.files.iter().filter(|f| image_type(&f.name).is_some() && f.size <= MAX_IMAGE_BYTES) {
            images.insert(file.name.clone(), self.files.get(&file.key).await?);
        }
        let counter = match contract.tokenizer_file.trim() {
            "" => Counter::Characters,
            name => {
                let file = dataset.files.iter().find(|f| f.name == name).ok_or_else(|| {
                    setup(format!("数据集中没有分词器文件 {name} / the dataset has no tokenizer file {name}"))
                })?;
                Counter::from_json(&self.files.get(&file.key).await?).map_err(|e| setup(format!("{name}: {e}")))?
            }
        };
        let questions_bytes = self.files.get(&questions_file.key).await?;
        let questions =
            read_questions(Source { name: &questions_file.name, bytes: &questions_bytes }, &template, |path| {
                match (image_type(path), images.get(path)) {
                    (Some(mime), Some(bytes)) => Ok((mime.to_owned(), bytes.clone())),
                    _ => Err((format!("数据集中没有图片 {path}"), format!("the dataset has no image {path}"))),
                }
            })
            .map_err(|e| setup(format!("题目文件 / the questions file: {e}")))?;
        let (mut indicators, mut skipped) = (Vec::new(), Vec::new());
        for indicator in &challenge.challenge.indicators {
            let key = indicator.expr.metric.as_str();
            if is_served(key)
                || (gguf.is_some() && is_hosted(key))
                || jiebang_core::answers::canonical_metric(task.as_str(), key).is_some()
            {
                indicators.push(indicator.expr.clone());
            } else {
                skipped.push(indicator.expr.to_string());
            }
        }
        let account = self.account(job, &submission, &challenge, &phase, &dataset, labels, skipped);
        let truth = self.files.get(&labels.key).await?;
        let mut plan = plan(&contract);
        let (served, registration) = match gguf {
            None => (None, registration),
            Some(gguf) => match self.serve_delivered(&submission, gguf).await? {
                Ok(served) => {
                    plan.load = Load::Concurrency { requests: served.judged_concurrency() as usize };
                    let base_url = served.base_url().to_owned();
                    (Some(served), EndpointRegistration { base_url, ..registration })
                }
                Err(invalid) => return Ok(Err(invalid)),
            },
        };
        let endpoint = Endpoint { base_url: registration.base_url.clone(), model: registration.model.clone(), api_key };
        let client = match Client::new(&endpoint, settings(&contract)) {
            Ok(client) => client,
            Err(error) => return Ok(Err(error.to_string())),
        };
        Ok(Ok(Setup {
            client,
            plan,
            registration,
            contract,
            questions_sha256: jiebang_chat::transcript::sha256_hex(&questions_bytes),
            questions,
            task,
            truth,
            metrics: dataset.scoring.metrics.clone(),
            refusal_phrases: dataset.scoring.refusal_phrases.clone(),
            indicators,
            account,
            counter,
            served,
        }))
    }

    /// Refuses an endpoint on the platform's own network (loopback, private, link-local
    /// addresses) unless the worker allows them: the questions go where the team says, and
    /// nowhere the platform's own services listen.
    async fn check_host(&self, base_url: &str) -> Result<(), String> {
        if self.private_endpoints {
            return Ok(());
        }
        let rest = base_url.split_once("://").map_or(base_url, |(_, rest)| rest);
        let authority = rest.split('/').next().unwrap_or_default();
        let (host, port) = match authority.strip_prefix('[') {
            Some(v6) => {
                let (host, after) = v6.split_once(']').unwrap_or((v6, ""));
                (host, after.strip_prefix(':').and_then(|p| p.parse().ok()))
            }
            None => match authority.rsplit_once(':') {
                Some((host, port)) => (host, port.parse().ok()),
                None => (authority, None),
            },
        };
        let port: u16 = port.unwrap_or(if base_url.starts_with("https:") { 443 } else { 80 });
        let addresses = tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| format!("无法解析 {host} / cannot resolve {host}: {e}"))?;
        for address in addresses {
            let internal = match address.ip() {
                IpAddr::V4(ip) => ip.is_loopback() || ip.is_private() || ip.is_link_local() || ip.is_unspecified(),
                IpAddr::V6(ip) => ip.is_loopback() || ip.is_unique_local() || ip.is_unspecified(),
            };
            if internal {
                return Err(format!(
                    "{host} 解析到内网地址 {}，平台不向内网发送题目 / {host} resolves to the internal address {}; \
                     the platform sends no questions there",
                    address.ip(),
                    address.ip()
                ));
            }
        }
        Ok(())
    }

    /// Asks the questions this run has not finished, keeping each as it finishes.
    async fn ask_the_rest(&self, job: &Job, setup: &Setup) -> Result<(), Stopped> {
        let done = self.store.endpoint_answers(job.subject_id, job.run).await.map_err(|_| Stopped::Lost)?;
        let finished: HashSet<&str> = done.iter().map(|a| a.question_id.as_str()).collect();
        let rest: Vec<Question> =
            setup.questions.iter().filter(|q| !finished.contains(q.id.as_str())).cloned().collect();
        self.store
            .start_endpoint_run(job.subject_id, job.run, setup.questions.len() as i64)
            .await
            .map_err(|_| Stopped::Lost)?;
        if rest.is_empty() {
            return Ok(());
        }
        // The time limit holds for the whole run: what earlier segments took is spent.
        let spent = Duration::from_micros(wall_us(&done).max(0) as u64);
        let limit = Duration::from_secs(u64::from(setup.contract.time_limit_s));
        let plan = Plan { time_limit: Some(limit.saturating_sub(spent).max(Duration::from_millis(1))), ..setup.plan };
        let segment = job.attempts;
        let (sender, mut finished_rx) = tokio::sync::mpsc::unbounded_channel::<Record>();
        let (lost_tx, lost_rx) = tokio::sync::watch::channel(false);
        let segment_start = Instant::now();
        let keep = async {
            while let Some(record) = finished_rx.recv().await {
                let failed = !record.asked.exchange.is_ok();
                let answer = EndpointAnswer {
                    question_id: record.id.clone(),
                    segment,
                    done_us: segment_start.elapsed().as_micros() as i64,
                    record: serde_json::to_string(&record).unwrap_or_default(),
                };
                if !matches!(self.store.record_endpoint_answer(job, &self.id, &answer, failed).await, Ok(true)) {
                    let _ = lost_tx.send(true);
                    return;
                }
            }
        };
        let mut shutting_down = false;
        let cancel = async { shutting_down = self.hold_lease(job, lost_rx).await };
        let asking = run(&setup.client, rest, &plan, cancel, move |record| {
            let _ = sender.send(record);
        });
        let (summary, ()) = tokio::join!(asking, keep);
        if !summary.cancelled {
            return Ok(());
        }
        Err(if shutting_down { Stopped::ShuttingDown } else { Stopped::Lost })
    }

    /// Keeps the job's lease until it is lost, `lost` turns true, or the worker is asked to stop
    /// (then true).
    pub(crate) async fn hold_lease(&self, job: &Job, mut lost: tokio::sync::watch::Receiver<bool>) -> bool {
        let mut stop = self.stop.clone();
        let stopping = async {
            let stopped = match stop.as_mut() {
                Some(stop) => stop.wait_for(|stop| *stop).await.is_ok(),
                None => false,
            };
            if !stopped {
                std::future::pending::<()>().await;
            }
        };
        tokio::pin!(stopping);
        let mut beat = tokio::time::interval(self.pace.heartbeat);
        beat.tick().await;
        loop {
            tokio::select! {
                _ = beat.tick() => {
                    let held = self.store.extend_lease(job.id, &self.id, self.pace.lease.as_millis() as i64).await;
                    if !matches!(held, Ok(true)) {
                        return false;
                    }
                }
                _ = lost.changed() => return false,
                () = &mut stopping => return true,
            }
        }
    }

    /// Scores the finished run, stores its transcript and signs the report (with the served
    /// model's account and its other concurrency levels, if the platform served it).
    async fn finish_endpoint(
        &self,
        job: &Job,
        mut setup: Setup,
        other_levels: Vec<jiebang_core::report::ServingLevel>,
        started: Instant,
        started_at: String,
    ) -> Result<Outcome, Unscorable> {
        let answers = self.store.endpoint_answers(job.subject_id, job.run).await?;
        let mut records = Vec::with_capacity(answers.len());
        for answer in &answers {
            let record: Record = serde_json::from_str(&answer.record)
                .map_err(|e| Unscorable::Setup(format!("stored answer {}: {e}", answer.question_id)))?;
            records.push(record);
        }
        let wall_ms = wall_us(&answers) as f64 / 1000.0;
        let segments = answers.iter().map(|a| a.segment).collect::<HashSet<_>>().len();
        let described = json!({
            "base_url": setup.registration.base_url, "model": setup.registration.model,
            "settings": setup.client.settings(), "load": setup.plan,
            "questions_sha256": setup.questions_sha256, "segments": segments,
        });
        let mut bytes = Vec::new();
        let mut transcript = Transcript::start(&mut bytes, &described).map_err(Unscorable::Scratch)?;
        for record in &records {
            transcript.record(record).map_err(Unscorable::Scratch)?;
        }
        let (sha256, lines) = transcript.finish().map_err(Unscorable::Scratch)?;
        let judged_concurrency = setup.served.as_ref().map_or(1, Served::judged_concurrency);
        let (hosting, hosted) = match setup.served.take() {
            Some(served) => {
                let (report, measured) = served.finish();
                (Some(report), measured)
            }
            None => (None, BTreeMap::new()),
        };
        let scoring = Scoring {
            task: setup.task,
            truth: Source { name: LABELS, bytes: &setup.truth },
            metrics: setup.metrics.clone(),
            indicators: setup.indicators.clone(),
            slo: Slo { ttft_ms: setup.contract.slo_ttft_ms, tpot_ms: setup.contract.slo_tpot_ms },
            refusal_phrases: setup.refusal_phrases.clone(),
            counter: &setup.counter,
            hosted,
        };
        let (report, measured) = match score(&records, wall_ms, &scoring) {
            Ok(scored) => scored,
            Err(EvalError::File { file, message }) if file == LABELS => {
                return Err(Unscorable::Setup(format!("labels: {message}")));
            }
            Err(error) => return Ok(Outcome::Invalid(error.to_string())),
        };
        let size = bytes.len() as u64;
        let name = format!("transcript-{}-{}.jsonl", job.subject_id, job.run);
        let stored = self.store.save_file(&self.files, &name, bytes, None).await?;
        self.store.set_endpoint_transcript(job.subject_id, job.run, stored.id).await?;
        let mut failures = BTreeMap::new();
        for failure in records.iter().filter_map(|r| r.asked.exchange.failure.as_ref()) {
            *failures.entry(failure_kind(failure).to_owned()).or_insert(0) += 1;
        }
        let serving = ServingReport {
            base_url: setup.registration.base_url.clone(),
            model: setup.registration.model.clone(),
            questions: setup.questions.len(),
            answered: records.iter().filter(|r| r.asked.exchange.is_ok()).count(),
            failed: failures.values().sum(),
            failures,
            tokens: setup.counter.label(measured.tokens).to_owned(),
            segments,
            wall_ms,
            settings: json!({"settings": setup.client.settings(), "load": setup.plan,
                             "slo": {"ttft_ms": setup.contract.slo_ttft_ms, "tpot_ms": setup.contract.slo_tpot_ms}}),
            ttft_histogram: histogram(records.iter().filter_map(|r| r.asked.exchange.first_token_ms)),
            tokens_per_s_histogram: histogram(
                records.iter().filter_map(|r| decode_speed(&r.asked.exchange, &setup.counter)),
            ),
            transcript: TranscriptRef { sha256, lines, bytes: size },
            hosting: hosting.map(|mut hosting| {
                let judged = jiebang_core::report::ServingLevel {
                    concurrency: judged_concurrency,
                    values: measured.values.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
                };
                hosting.levels = std::iter::once(judged).chain(other_levels).collect();
                hosting
            }),
        };
        let run = Run {
            worker: self.id.clone(),
            started_at,
            elapsed_ms: started.elapsed().as_millis() as u64,
            near_duplicate_of: None,
            model: None,
            serving: Some(serving),
        };
        let report = serde_json::to_value(setup.account.report(Findings::answers(report), run))
            .map_err(|e| Unscorable::Setup(format!("report: {e}")))?;
        let signed = self.signer.sign_document(&report);
        Ok(Outcome::Scored { report: signed.text, signature: signed.signature })
    }
}

/// The client's settings from the contract.
fn settings(contract: &EndpointContract) -> Settings {
    let seconds = |s: f64| Duration::try_from_secs_f64(s).unwrap_or(Duration::from_secs(60));
    Settings {
        stream: contract.stream,
        max_tokens: Some(contract.max_tokens),
        temperature: Some(contract.temperature),
        top_p: contract.top_p,
        seed: Some(contract.seed),
        stop: Vec::new(),
        timeouts: Timeouts {
            connect: seconds(contract.connect_timeout_s),
            first_token: seconds(contract.first_token_timeout_s),
            total: seconds(contract.timeout_s),
        },
        retry: Retry { attempts: contract.attempts.max(1), ..Retry::default() },
    }
}

/// The load from the contract.
fn plan(contract: &EndpointContract) -> Plan {
    let load = match contract.rate_per_s {
        Some(per_s) => {
            Load::Rate { per_s, seed: contract.seed, max_in_flight: Some(contract.concurrency.max(1) as usize) }
        }
        None => Load::Concurrency { requests: contract.concurrency.max(1) as usize },
    };
    Plan {
        load,
        max_rate_per_s: contract.max_rate_per_s,
        time_limit: Some(Duration::from_secs(u64::from(contract.time_limit_s))),
    }
}

/// A run's wall time: each segment's span (its last finish after its first send), added.
fn wall_us(answers: &[EndpointAnswer]) -> i64 {
    let mut spans: HashMap<i64, i64> = HashMap::new();
    for answer in answers {
        let span = spans.entry(answer.segment).or_default();
        *span = (*span).max(answer.done_us);
    }
    spans.values().sum()
}

/// A failure's kind, as the report counts them.
fn failure_kind(failure: &Failure) -> &'static str {
    match failure {
        Failure::Http { .. } => "http",
        Failure::InStream(_) => "in_stream",
        Failure::InvalidJson { .. } => "invalid_json",
        Failure::Cut => "cut",
        Failure::Empty => "empty",
        Failure::Connection(_) => "connection",
        Failure::Timeout(_) => "timeout",
        Failure::NotAsked => "not_asked",
    }
}

/// An answer's decode speed: output tokens (the server's count, else counted) a second after
/// its first token.
fn decode_speed(exchange: &jiebang_chat::exchange::Exchange, counter: &Counter) -> Option<f64> {
    let (first, last) = (exchange.first_token_ms?, exchange.last_token_ms?);
    let tokens = counter.output_tokens(exchange) as f64;
    (exchange.is_ok() && last > first && tokens > 1.0).then(|| (tokens - 1.0) / ((last - first) / 1000.0))
}

/// Twenty equal buckets from 0 to the largest sample, each `[low, high)` but the last, which
/// holds the largest: each bucket's upper bound and count.
fn histogram(samples: impl Iterator<Item = f64>) -> Vec<(f64, usize)> {
    let samples: Vec<f64> = samples.filter(|s| s.is_finite() && *s >= 0.0).collect();
    let Some(max) = samples.iter().copied().reduce(f64::max) else { return Vec::new() };
    const BUCKETS: usize = 20;
    let width = if max > 0.0 { max / BUCKETS as f64 } else { 1.0 };
    let mut counts = vec![0usize; BUCKETS];
    for s in samples {
        counts[((s / width) as usize).min(BUCKETS - 1)] += 1;
    }
    counts.into_iter().enumerate().map(|(i, n)| (width * (i + 1) as f64, n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_runs_wall_time_adds_its_segments_spans() {
        let answer =
            |segment, done_us| EndpointAnswer { question_id: String::new(), segment, done_us, record: String::new() };
        assert_eq!(wall_us(&[answer(1, 300), answer(1, 100), answer(2, 50), answer(2, 70)]), 370);
        assert_eq!(wall_us(&[]), 0);
    }

    #[test]
    fn the_histogram_counts_every_sample_once() {
        let h = histogram([0.0, 1.0, 10.0, 20.0, f64::NAN].into_iter());
        assert_eq!(h.len(), 20);
        assert_eq!(h.iter().map(|(_, n)| n).sum::<usize>(), 4);
        // Buckets hold [low, high); the largest sample falls in the last.
        assert_eq!((h[0], h[1], h[10], h[19]), ((1.0, 1), (2.0, 1), (11.0, 1), (20.0, 1)));
        assert!(histogram(std::iter::empty()).is_empty());
    }
}
