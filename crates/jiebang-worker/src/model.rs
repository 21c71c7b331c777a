//! Delivered models: read the test features, check the model against the challenge's delivery
//! contract, run it in a limited child process (`jiebang model-run`) that predicts every test
//! row and then times it, and turn what comes back into a prediction file for the evaluation
//! engine plus the measured quantities (latency, throughput, size, parameters, memory) that
//! indicators are judged on. The worker and `jiebang eval model` share this path.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use jiebang_core::delivery::{DeliveryContract, MeasuringEngine};
use jiebang_core::report::{BatchRate, HostSummary, LatencySummary, ModelReport, TimingPlan};
use jiebang_eval::{Source, Task};
use jiebang_onnx::measure::{Host, Timing};
use jiebang_onnx::sandbox::{MeasurePlan, RunRequest, run_child};
use jiebang_onnx::{Contract, OnnxError, OutputKind};

/// How this process runs delivered models.
#[derive(Debug, Clone)]
pub struct ModelRunner {
    /// The program started as the child, and its arguments (`jiebang`, `model-run`).
    pub program: PathBuf,
    /// Arguments that make `program` the child.
    pub args: Vec<String>,
    /// ONNX Runtime's shared library, if this machine has one.
    pub ort_library: Option<PathBuf>,
    /// How long latency is measured.
    pub timing: Timing,
    /// Refuse to run models where Landlock cannot confine the child (see
    /// `jiebang_onnx::sandbox`).
    pub require_confinement: bool,
}

/// A model to run on a challenge's test features.
#[derive(Debug, Clone, Copy)]
pub struct ModelTask<'a> {
    /// The challenge's task.
    pub task: Task,
    /// The delivered file.
    pub model: &'a [u8],
    /// The test features (CSV or TSV with a header).
    pub features: Source<'a>,
    /// The id column of the features.
    pub id_column: &'a str,
    /// A split column to leave out of the features, if any.
    pub split_column: Option<&'a str>,
    /// The challenge's delivery contract.
    pub contract: &'a DeliveryContract,
}

/// A model's run.
#[derive(Debug, Clone)]
pub struct ModelRun {
    /// The predictions as a file for the evaluation engine (`id,score` or `id,prediction`).
    pub predictions: Vec<u8>,
    /// What was measured, by metric key (see `jiebang_core::delivery::MEASURED`).
    pub measured: BTreeMap<String, f64>,
    /// The report's account of the model, the engine, the timings and the host.
    pub details: ModelReport,
}

/// Why a model run ended without a result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelFailure {
    /// The delivery's fault (unreadable, off-contract, crashing, beyond a limit): the
    /// submission is invalid with this message.
    #[error("{0}")]
    Model(String),
    /// The platform's or the organizer's fault (features file, no runtime): retried, and the
    /// team is not told the details.
    #[error("{0}")]
    Platform(String),
}

/// What the platform times, printed in every report (as MLPerf states its scenario).
const TIMED: &str = "计时只含模型调用（单条推理以批大小 1 在预热后计时；吞吐为整批调用），不含特征读取与预处理 / \
     only the model call is timed (single-stream latency at batch 1 after warm-up; throughput in whole \
     batches); reading and preparing the features is excluded";

impl ModelRunner {
    /// Runs `task`'s model: the checks, the predictions and the measurements.
    pub fn run(&self, task: &ModelTask<'_>) -> Result<ModelRun, ModelFailure> {
        let contract = task.contract;
        let output_kind = match (task.task, contract.probability_column) {
            (Task::Multiclass, _) => {
                return Err(ModelFailure::Model(
                    "多分类任务暂只接受预测文件 / multiclass challenges take prediction files only for now".into(),
                ));
            }
            (_, Some(column)) => OutputKind::Probabilities { column },
            (_, None) => OutputKind::Value,
        };
        let info = jiebang_onnx::inspect(task.model).map_err(|e| ModelFailure::Model(e.to_string()))?;
        let features = read_features(task)?;
        let onnx_contract = Contract {
            input: contract.input.clone(),
            features: features.columns.len(),
            output: contract.output.clone(),
            output_kind,
            min_opset: contract.min_opset,
            max_opset: contract.max_opset,
            max_bytes: contract.max_model_bytes(),
        };
        info.check(&onnx_contract).map_err(|e| ModelFailure::Model(e.to_string()))?;
        let ort_library = match contract.engine {
            MeasuringEngine::OnnxRuntime => Some(self.ort_library.clone().ok_or_else(|| {
                ModelFailure::Platform(
                    "本机未配置 ONNX Runtime（[models] ort_library 或 ORT_DYLIB_PATH） / ONNX Runtime is not \
                     configured on this worker ([models] ort_library or ORT_DYLIB_PATH)"
                        .into(),
                )
            })?),
            MeasuringEngine::Tract => None,
        };
        let platform = |e: std::io::Error| ModelFailure::Platform(format!("临时文件 / scratch files: {e}"));
        let scratch = tempfile::tempdir().map_err(platform)?;
        let (model_path, features_path) = (scratch.path().join("model.onnx"), scratch.path().join("features.f32"));
        std::fs::write(&model_path, task.model).map_err(platform)?;
        let bytes: Vec<u8> = features.values.iter().flat_map(|v| v.to_le_bytes()).collect();
        std::fs::write(&features_path, bytes).map_err(platform)?;
        let batch_sizes: Vec<usize> = contract.batch_sizes.iter().map(|&b| b as usize).collect();
        let request = RunRequest {
            model: model_path,
            features: features_path,
            rows: features.ids.len(),
            contract: onnx_contract,
            engine: contract.engine.as_str().into(),
            ort_library,
            memory_bytes: u64::from(contract.memory_limit_mb) << 20,
            batch: batch_sizes.iter().copied().max().unwrap_or(1).min(features.ids.len().max(1)),
            threads: contract.threads as usize,
            measure: Some(MeasurePlan { timing: self.timing, batch_sizes }),
            require_confinement: self.require_confinement,
        };
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        let wall = Duration::from_secs(u64::from(contract.time_limit_s));
        let result = run_child(&self.program, &args, &request, wall).map_err(|e| match e {
            OnnxError::Input(message) => ModelFailure::Platform(message),
            other => ModelFailure::Model(other.to_string()),
        })?;

        let column = if task.task == Task::Regression { "prediction" } else { "score" };
        let mut predictions = format!("{},{column}\n", task.id_column).into_bytes();
        for (id, value) in features.ids.iter().zip(&result.predictions) {
            predictions.extend_from_slice(format!("{id},{value}\n").as_bytes());
        }
        let mut measured = BTreeMap::new();
        if let Some(latency) = &result.latency {
            measured.insert("latency_p50_ms".to_owned(), latency.p50_ms);
            measured.insert("latency_p90_ms".to_owned(), latency.p90_ms);
            measured.insert("latency_p99_ms".to_owned(), latency.p99_ms);
            measured.insert("latency_mean_ms".to_owned(), latency.mean_ms);
        }
        if let Some(best) = result.throughput.iter().map(|t| t.rows_per_second).reduce(f64::max) {
            measured.insert("throughput_qps".to_owned(), best);
        }
        measured.insert("model_size_mb".to_owned(), info.bytes as f64 / 1e6);
        measured.insert("parameter_count".to_owned(), info.parameters as f64);
        measured.insert("peak_memory_mb".to_owned(), result.peak_rss_kib as f64 / 1024.0);
        let mut rest = serde_json::Map::new();
        let mut keep = |key: &str, value: serde_json::Result<serde_json::Value>| {
            rest.insert(key.to_owned(), value.unwrap_or_default());
        };
        keep("inputs", serde_json::to_value(&info.inputs));
        keep("outputs", serde_json::to_value(&info.outputs));
        keep("features", serde_json::to_value(&features.columns));
        keep("confinement", serde_json::to_value(&result.confinement));
        keep("contract", serde_json::to_value(contract));
        let host = Host::this_machine();
        let details = ModelReport {
            engine: result.engine.clone(),
            bytes: info.bytes,
            opset: info.opset,
            producer: info.producer.clone(),
            operators: info.operators.clone(),
            parameters: info.parameters,
            rows: features.ids.len(),
            latency: result.latency.as_ref().map(|l| LatencySummary {
                queries: l.queries,
                p50_ms: l.p50_ms,
                p90_ms: l.p90_ms,
                p99_ms: l.p99_ms,
                mean_ms: l.mean_ms,
            }),
            throughput: result
                .throughput
                .iter()
                .map(|t| BatchRate { batch: t.batch, rows_per_second: t.rows_per_second })
                .collect(),
            peak_rss_kib: result.peak_rss_kib,
            timing: TimingPlan {
                warmup: self.timing.warmup,
                queries: self.timing.queries,
                min_duration_ms: self.timing.min_duration.as_millis() as u64,
            },
            threads: contract.threads,
            timed: TIMED.to_owned(),
            host: HostSummary { cpu: host.cpu, cores: host.cores, memory_mib: host.memory_mib, os: host.os },
            details: rest,
        };
        Ok(ModelRun { predictions, measured, details })
    }
}

/// The test features as the model takes them.
struct Features {
    ids: Vec<String>,
    columns: Vec<String>,
    /// Row-major, `ids.len() × columns.len()`.
    values: Vec<f32>,
}

/// Reads the features file: every problem names the file, the line and the column, and is the
/// organizer's to fix (the team delivered a model, not this file).
fn read_features(task: &ModelTask<'_>) -> Result<Features, ModelFailure> {
    let name = task.features.name;
    let fail = |message: String| ModelFailure::Platform(format!("{name}: {message}"));
    let text = jiebang_core::text::decode(task.features.bytes).map_err(fail)?;
    let header_line = text.lines().next().unwrap_or_default();
    let delimiter = if header_line.contains('\t') && !header_line.contains(',') { b'\t' } else { b',' };
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).from_reader(text.as_bytes());
    let header: Vec<String> =
        reader.headers().map_err(|e| fail(e.to_string()))?.iter().map(|h| h.trim().to_owned()).collect();
    let find = |column: &str| {
        header.iter().position(|h| h == column).ok_or_else(|| {
            fail(format!("缺少「{column}」列 / no column '{column}' (the header has {})", header.join(", ")))
        })
    };
    let id = find(task.id_column)?;
    let columns: Vec<String> = if task.contract.feature_columns.is_empty() {
        header
            .iter()
            .enumerate()
            .filter(|(i, h)| *i != id && Some(h.as_str()) != task.split_column)
            .map(|(_, h)| h.clone())
            .collect()
    } else {
        task.contract.feature_columns.clone()
    };
    let positions = columns.iter().map(|c| find(c)).collect::<Result<Vec<_>, _>>()?;
    if positions.is_empty() {
        return Err(fail("没有特征列 / no feature columns".into()));
    }
    let (mut ids, mut values) = (Vec::new(), Vec::new());
    for (n, record) in reader.records().enumerate() {
        let line = n + 2;
        let record = record.map_err(|e| fail(format!("第 {line} 行 / line {line}: {e}")))?;
        ids.push(record.get(id).unwrap_or_default().trim().to_owned());
        for (&at, column) in positions.iter().zip(&columns) {
            let cell = record.get(at).unwrap_or_default().trim();
            let value = cell.parse::<f32>().ok().filter(|v| v.is_finite()).ok_or_else(|| {
                fail(format!(
                    "第 {line} 行「{column}」列的「{cell}」不是有限数值 / line {line}, column {column}: '{cell}' is not a finite number"
                ))
            })?;
            values.push(value);
        }
    }
    if ids.is_empty() {
        return Err(fail("没有数据行 / no rows".into()));
    }
    Ok(Features { ids, columns, values })
}
