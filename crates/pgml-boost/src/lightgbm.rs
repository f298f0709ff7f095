//! LightGBM: training and batch prediction through its C API (`lightgbm3-sys`), and the saved
//! text model read into a [`Forest`] for one-row prediction in Rust.

use std::ffi::{CStr, CString};
use std::os::raw::{c_int, c_void};
use std::ptr;

use lightgbm3_sys as ffi;

use crate::trees::{below_or_equal, Forest, Missing, Node, Sum};
use crate::{check_labels, check_row, Error, Link, Matrix, Output, Result};

const LIBRARY: &str = "lightgbm";
const DTYPE_FLOAT32: c_int = 0;
const PREDICT_NORMAL: c_int = 0;
const PREDICT_RAW_SCORE: c_int = 1;
/// `kZeroThreshold`: LightGBM reads values this close to zero as zero.
const ZERO_THRESHOLD: f32 = 1e-35;

fn last_error() -> Error {
    // SAFETY: LGBM_GetLastError returns a NUL-terminated thread-local string.
    let message = unsafe {
        let p = ffi::LGBM_GetLastError();
        if p.is_null() {
            String::from("unknown error")
        } else {
            CStr::from_ptr(p).to_string_lossy().into_owned()
        }
    };
    Error::Library {
        library: LIBRARY,
        message: message.trim().to_owned(),
    }
}

fn check(rc: c_int) -> Result<()> {
    if rc == 0 {
        Ok(())
    } else {
        Err(last_error())
    }
}

/// LightGBM's `key=value key=value` parameter string; refuses what would break its parser.
fn param_string(params: &[(String, String)]) -> Result<CString> {
    let mut out = String::new();
    for (key, value) in params {
        let bad = |s: &str| s.is_empty() || s.contains(|c: char| c.is_whitespace() || c == '=');
        if bad(key) || value.contains(|c: char| c.is_whitespace()) || value.is_empty() {
            return Err(Error::Invalid(format!(
                "lightgbm parameter {key:?} = {value:?} is not a single word"
            )));
        }
        out.push_str(&format!("{key}={value} "));
    }
    CString::new(out).map_err(|_| Error::Invalid("a parameter contains a NUL byte".into()))
}

struct Dataset(ffi::DatasetHandle);

impl Drop for Dataset {
    fn drop(&mut self) {
        // SAFETY: the handle came from LGBM_DatasetCreate* and is freed once.
        unsafe { ffi::LGBM_DatasetFree(self.0) };
    }
}

struct Booster(ffi::BoosterHandle);

impl Drop for Booster {
    fn drop(&mut self) {
        // SAFETY: the handle came from LGBM_BoosterCreate / LoadModelFromString, freed once.
        unsafe { ffi::LGBM_BoosterFree(self.0) };
    }
}

impl Booster {
    fn load(text: &str) -> Result<Self> {
        let text = CString::new(text).map_err(|_| Error::Model {
            library: LIBRARY,
            message: "the model contains a NUL byte".into(),
        })?;
        let mut iterations = 0;
        let mut handle = ptr::null_mut();
        // SAFETY: a NUL-terminated model string; LightGBM copies what it keeps.
        check(unsafe {
            ffi::LGBM_BoosterLoadModelFromString(text.as_ptr(), &mut iterations, &mut handle)
        })?;
        Ok(Booster(handle))
    }

    fn save(&self) -> Result<String> {
        let mut len: i64 = 0;
        // SAFETY: a zero-length buffer only asks for the length.
        check(unsafe {
            ffi::LGBM_BoosterSaveModelToString(self.0, 0, -1, 0, 0, &mut len, ptr::null_mut())
        })?;
        let mut buffer = vec![0u8; usize::try_from(len).unwrap_or(0)];
        // SAFETY: `buffer` has room for `len` bytes, the NUL included.
        check(unsafe {
            ffi::LGBM_BoosterSaveModelToString(
                self.0,
                0,
                -1,
                0,
                len,
                &mut len,
                buffer.as_mut_ptr().cast(),
            )
        })?;
        let text = CStr::from_bytes_until_nul(&buffer).map_err(|e| Error::Model {
            library: LIBRARY,
            message: e.to_string(),
        })?;
        Ok(text.to_string_lossy().into_owned())
    }
}

/// A trained LightGBM model: the library's text model, and its trees for Rust evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    text: String,
    objective: String,
    forest: Forest,
    outputs: usize,
    link: Link,
    /// `average_output` (random forest mode): the value is the mean of the iterations.
    average_over: Option<f64>,
}

/// Trains on `x` with `labels`. `params` are LightGBM's own parameter names and values
/// (`objective`, `num_iterations`, `num_leaves`, ...); `nthread` bounds its threads.
pub fn train(
    x: &Matrix<'_>,
    labels: &[f32],
    params: &[(String, String)],
    rounds: usize,
    nthread: usize,
) -> Result<Model> {
    train_until(x, labels, params, rounds, nthread, &|| false)
}

/// [`train`], asking `stop` before each boosting round; `Error::Interrupted` when it says so.
pub fn train_until(
    x: &Matrix<'_>,
    labels: &[f32],
    params: &[(String, String)],
    rounds: usize,
    nthread: usize,
    stop: &dyn Fn() -> bool,
) -> Result<Model> {
    check_labels(x, labels)?;
    let mut all: Vec<(String, String)> = vec![("verbosity".into(), "-1".into())];
    all.extend(params.iter().cloned());
    all.push(("num_threads".into(), nthread.max(1).to_string()));
    let params = param_string(&all)?;
    let mut dataset = ptr::null_mut();
    // SAFETY: `x` holds rows * cols f32 values, row-major; LightGBM copies (bins) them.
    check(unsafe {
        ffi::LGBM_DatasetCreateFromMat(
            x.data().as_ptr().cast::<c_void>(),
            DTYPE_FLOAT32,
            x.rows() as i32,
            x.cols() as i32,
            1,
            params.as_ptr(),
            ptr::null_mut(),
            &mut dataset,
        )
    })?;
    let dataset = Dataset(dataset);
    let field = CString::new("label").map_err(|e| Error::Invalid(e.to_string()))?;
    // SAFETY: `labels` holds rows f32 values; LightGBM copies them.
    check(unsafe {
        ffi::LGBM_DatasetSetField(
            dataset.0,
            field.as_ptr(),
            labels.as_ptr().cast::<c_void>(),
            labels.len() as c_int,
            DTYPE_FLOAT32,
        )
    })?;
    let mut booster = ptr::null_mut();
    // SAFETY: a live dataset and a NUL-terminated parameter string.
    check(unsafe { ffi::LGBM_BoosterCreate(dataset.0, params.as_ptr(), &mut booster) })?;
    let booster = Booster(booster);
    for _ in 0..rounds {
        if stop() {
            return Err(Error::Interrupted);
        }
        let mut finished = 0;
        // SAFETY: a live booster; `finished` is written.
        check(unsafe { ffi::LGBM_BoosterUpdateOneIter(booster.0, &mut finished) })?;
        if finished != 0 {
            break;
        }
    }
    Model::from_text(booster.save()?)
}

impl Model {
    /// Reads a model in LightGBM's text format (`Booster.save_model` / `model_to_string`).
    pub fn from_text(text: String) -> Result<Self> {
        let bad = |message: String| Error::Model {
            library: LIBRARY,
            message,
        };
        let parsed = parse(&text).map_err(bad)?;
        Ok(Model {
            objective: parsed.objective,
            forest: crate::shared_trees::share(parsed.forest),
            outputs: parsed.outputs,
            link: parsed.link,
            average_over: parsed.average_over,
            text,
        })
    }

    /// The model in LightGBM's text format (`lightgbm.Booster(model_str=...)` reads it).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// LightGBM's objective line, e.g. `binary sigmoid:1`.
    pub fn objective(&self) -> &str {
        &self.objective
    }

    /// Number of input features.
    pub fn num_features(&self) -> usize {
        self.forest.num_features()
    }

    /// Number of outputs of a prediction (classes for multi-class models, else 1).
    pub fn num_outputs(&self) -> usize {
        self.outputs
    }

    /// Number of trees.
    pub fn num_trees(&self) -> usize {
        self.forest.num_trees()
    }

    /// One row, in Rust: `out` (of length [`Model::num_outputs`]) gets the raw score or the
    /// prediction, as the library computes it.
    pub fn predict_into(&self, row: &[f32], output: Output, out: &mut [f64]) -> Result<()> {
        check_row(row, self.num_features())?;
        if out.len() != self.outputs {
            return Err(Error::Invalid(format!(
                "{} outputs asked of a model with {}",
                out.len(),
                self.outputs
            )));
        }
        out.fill(0.0);
        let tiny = |x: f32| x.abs() <= ZERO_THRESHOLD;
        if row.iter().any(|&x| tiny(x)) {
            // LightGBM drops near-zero values from a row: they read as 0.0.
            let zeroed: Vec<f32> = row.iter().map(|&x| if tiny(x) { 0.0 } else { x }).collect();
            self.forest.accumulate(&zeroed, Sum::F64, out);
        } else {
            self.forest.accumulate(row, Sum::F64, out);
        }
        if output == Output::Value {
            if let Some(n) = self.average_over {
                out.iter_mut().for_each(|o| *o /= n);
            }
            self.link.apply_f64(out);
        }
        Ok(())
    }

    /// [`Model::predict_into`], allocating.
    pub fn predict(&self, row: &[f32], output: Output) -> Result<Vec<f64>> {
        let mut out = vec![0.0; self.outputs];
        self.predict_into(row, output, &mut out)?;
        Ok(out)
    }

    /// Many rows, by the library (multi-threaded): rows x outputs, row-major. Loads a booster
    /// from the text model on each call, so it pays off for large batches only.
    pub fn predict_batch(
        &self,
        x: &Matrix<'_>,
        output: Output,
        nthread: usize,
    ) -> Result<Vec<f64>> {
        if x.cols() != self.num_features() {
            return Err(Error::Invalid(format!(
                "the model takes {} features, got {}",
                self.num_features(),
                x.cols()
            )));
        }
        if x.rows() == 0 {
            return Ok(Vec::new());
        }
        let booster = Booster::load(&self.text)?;
        let kind = match output {
            Output::Margin => PREDICT_RAW_SCORE,
            Output::Value => PREDICT_NORMAL,
        };
        let params = param_string(&[("num_threads".into(), nthread.max(1).to_string())])?;
        let mut out = vec![0.0f64; x.rows() * self.outputs];
        let mut len: i64 = 0;
        // SAFETY: `x` holds rows * cols f32 values; `out` has room for rows * outputs doubles,
        // which is what LightGBM writes for a normal or raw-score prediction.
        check(unsafe {
            ffi::LGBM_BoosterPredictForMat(
                booster.0,
                x.data().as_ptr().cast::<c_void>(),
                DTYPE_FLOAT32,
                x.rows() as i32,
                x.cols() as i32,
                1,
                kind,
                0,
                -1,
                params.as_ptr(),
                &mut len,
                out.as_mut_ptr(),
            )
        })?;
        if len as usize != out.len() {
            return Err(Error::Invalid(format!(
                "lightgbm returned {len} values for {} rows",
                x.rows()
            )));
        }
        Ok(out)
    }
}

struct Parsed {
    objective: String,
    forest: Forest,
    outputs: usize,
    link: Link,
    average_over: Option<f64>,
}

fn parse(text: &str) -> std::result::Result<Parsed, String> {
    let mut lines = text.lines().map(str::trim_end);
    let mut header = std::collections::HashMap::new();
    let mut average_output = false;
    // The header, up to the first tree.
    let mut first_tree = None;
    for line in lines.by_ref() {
        if line.starts_with("Tree=") {
            first_tree = Some(line);
            break;
        }
        if line == "average_output" {
            average_output = true;
        } else if let Some((k, v)) = line.split_once('=') {
            header.insert(k, v);
        }
    }
    let get = |key: &str| header.get(key).copied().ok_or(format!("no {key} line"));
    let count = |key: &str| -> std::result::Result<usize, String> {
        get(key)?
            .trim()
            .parse()
            .map_err(|_| format!("bad {key} line"))
    };
    let per_iteration = count("num_tree_per_iteration")?;
    let num_class = count("num_class")?;
    let max_feature: i64 = get("max_feature_idx")?
        .trim()
        .parse()
        .map_err(|_| "bad max_feature_idx".to_string())?;
    let num_features = usize::try_from(max_feature + 1).map_err(|_| "bad max_feature_idx")?;
    let objective = get("objective")?.trim().to_owned();
    let link = objective_link(&objective)?;
    if per_iteration == 0 || per_iteration != num_class.max(1) {
        return Err(format!(
            "{per_iteration} trees per iteration for {num_class} classes"
        ));
    }
    let mut forest = Forest::new(num_features);
    let mut tree: Vec<(&str, &str)> = Vec::new();
    let mut in_tree = first_tree.is_some();
    for line in lines {
        if line.starts_with("Tree=") || line == "end of trees" {
            if in_tree {
                push_tree(&mut forest, &tree, per_iteration)?;
            }
            tree.clear();
            in_tree = line != "end of trees";
            if !in_tree {
                break;
            }
        } else if in_tree {
            if let Some(kv) = line.split_once('=') {
                tree.push(kv);
            }
        }
    }
    if in_tree {
        return Err("no \"end of trees\" line".into());
    }
    let iterations = forest.num_trees() / per_iteration;
    Ok(Parsed {
        objective,
        forest,
        outputs: per_iteration,
        link,
        average_over: (average_output && iterations > 0).then_some(iterations as f64),
    })
}

fn push_tree(
    forest: &mut Forest,
    fields: &[(&str, &str)],
    per_iteration: usize,
) -> std::result::Result<(), String> {
    let field = |key: &str| {
        fields
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
            .ok_or(format!("a tree has no {key}"))
    };
    fn list<T: std::str::FromStr>(s: &str, key: &str) -> std::result::Result<Vec<T>, String> {
        s.split_whitespace()
            .map(|v| v.parse().map_err(|_| format!("bad {key} value {v:?}")))
            .collect()
    }
    let group = (forest.num_trees() % per_iteration) as u32;
    let num_leaves: usize = list(field("num_leaves")?, "num_leaves")?
        .first()
        .copied()
        .ok_or("empty num_leaves")?;
    let leaves: Vec<f64> = list(field("leaf_value")?, "leaf_value")?;
    if leaves.len() != num_leaves {
        return Err(format!(
            "{} leaf values for {num_leaves} leaves",
            leaves.len()
        ));
    }
    if fields
        .iter()
        .any(|&(k, v)| k == "is_linear" && v.trim() != "0")
    {
        return Err("linear trees are not supported".into());
    }
    if num_leaves == 1 {
        return forest.push_tree(&[], &leaves, group);
    }
    if fields
        .iter()
        .any(|&(k, v)| k == "num_cat" && v.trim() != "0")
    {
        return Err("categorical splits are not supported".into());
    }
    let features: Vec<u32> = list(field("split_feature")?, "split_feature")?;
    let thresholds: Vec<f64> = list(field("threshold")?, "threshold")?;
    let decisions: Vec<u8> = list(field("decision_type")?, "decision_type")?;
    let lefts: Vec<i32> = list(field("left_child")?, "left_child")?;
    let rights: Vec<i32> = list(field("right_child")?, "right_child")?;
    let n = num_leaves - 1;
    if [
        features.len(),
        thresholds.len(),
        decisions.len(),
        lefts.len(),
        rights.len(),
    ]
    .iter()
    .any(|&len| len != n)
    {
        return Err("tree arrays differ in length".into());
    }
    let mut nodes = Vec::with_capacity(n);
    for i in 0..n {
        let decision = decisions[i];
        if decision & 1 != 0 {
            return Err("categorical splits are not supported".into());
        }
        let missing = match (decision >> 2) & 3 {
            0 => Missing::NanAsZero,
            1 => Missing::ZeroDefault,
            2 => Missing::NanDefault,
            other => return Err(format!("missing type {other}")),
        };
        nodes.push(Node {
            threshold: below_or_equal(thresholds[i]),
            feature: features[i],
            left: lefts[i],
            right: rights[i],
            default_left: decision & 2 != 0,
            missing,
        });
    }
    forest.push_tree(&nodes, &leaves, group)
}

/// The link function of LightGBM's objective line (`ObjectiveFunction::ToString`).
fn objective_link(objective: &str) -> std::result::Result<Link, String> {
    let mut words = objective.split_whitespace();
    let name = words.next().unwrap_or_default();
    let options: Vec<&str> = words.collect();
    if options.contains(&"sqrt") {
        return Err(format!("objective {objective:?} (sqrt) is not supported"));
    }
    let option = |key: &str| {
        options
            .iter()
            .find_map(|o| o.strip_prefix(key).and_then(|v| v.strip_prefix(':')))
    };
    Ok(match name {
        "regression" | "regression_l1" | "huber" | "fair" | "quantile" | "mape" => Link::Identity,
        "poisson" | "gamma" | "tweedie" => Link::Exp,
        "binary" => {
            let scale = option("sigmoid")
                .and_then(|v| v.parse::<f64>().ok())
                .ok_or(format!("objective {objective:?} has no sigmoid"))?;
            Link::Sigmoid(scale)
        }
        "cross_entropy" => Link::Sigmoid(1.0),
        "multiclass" => Link::Softmax,
        _ => return Err(format!("objective {objective:?} is not supported")),
    })
}
