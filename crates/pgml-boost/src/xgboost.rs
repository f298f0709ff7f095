//! XGBoost: training and batch prediction through its C API, and the saved JSON model read
//! into a [`Forest`] for one-row prediction in Rust.

use std::ffi::{CStr, CString};
use std::os::raw::c_int;
use std::ptr;

use serde::Deserialize;

use crate::trees::{Forest, Missing, Node, Sum};
use crate::xgb_ffi as ffi;
use crate::{check_labels, check_row, Error, Link, Matrix, Output, Result};

const LIBRARY: &str = "xgboost";

/// The version of the linked library, (major, minor, patch).
pub fn version() -> (i32, i32, i32) {
    let (mut major, mut minor, mut patch) = (0, 0, 0);
    // SAFETY: writes three ints through valid pointers.
    unsafe { ffi::XGBoostVersion(&mut major, &mut minor, &mut patch) };
    (major, minor, patch)
}

fn last_error() -> Error {
    // SAFETY: XGBGetLastError returns a NUL-terminated thread-local string (never NULL).
    let message = unsafe {
        let p = ffi::XGBGetLastError();
        if p.is_null() {
            String::from("unknown error")
        } else {
            CStr::from_ptr(p).to_string_lossy().into_owned()
        }
    };
    Error::Library {
        library: LIBRARY,
        message: clean_message(&message),
    }
}

/// XGBoost's `[12:00:00] /path/file.cc:85: what went wrong\nStack trace: ...` -> the middle.
fn clean_message(message: &str) -> String {
    let text: Vec<&str> = message
        .lines()
        .take_while(|l| !l.trim_start().starts_with("Stack trace:"))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let text = text.join(" ");
    match text.split_once(": ") {
        Some((place, rest)) if place.starts_with('[') && place.contains('/') => rest.to_owned(),
        _ => text,
    }
}

fn check(rc: c_int) -> Result<()> {
    if rc == 0 {
        Ok(())
    } else {
        Err(last_error())
    }
}

fn c_string(s: &str) -> Result<CString> {
    CString::new(s).map_err(|_| Error::Invalid(format!("{s:?} contains a NUL byte")))
}

struct DMatrix(ffi::DMatrixHandle);

impl Drop for DMatrix {
    fn drop(&mut self) {
        // SAFETY: the handle came from XGDMatrixCreate* and is freed once.
        unsafe { ffi::XGDMatrixFree(self.0) };
    }
}

impl DMatrix {
    fn new(x: &Matrix<'_>, nthread: usize) -> Result<Self> {
        let mut handle = ptr::null_mut();
        // SAFETY: `x` holds rows * cols floats; XGBoost copies them.
        check(unsafe {
            ffi::XGDMatrixCreateFromMat_omp(
                x.data().as_ptr(),
                x.rows() as u64,
                x.cols() as u64,
                f32::NAN,
                &mut handle,
                nthread as c_int,
            )
        })?;
        Ok(DMatrix(handle))
    }

    fn set_labels(&self, labels: &[f32]) -> Result<()> {
        let field = c_string("label")?;
        // SAFETY: `labels` is a valid slice of the given length; XGBoost copies it.
        check(unsafe {
            ffi::XGDMatrixSetFloatInfo(self.0, field.as_ptr(), labels.as_ptr(), labels.len() as u64)
        })
    }
}

/// A live booster of the library.
struct Booster(ffi::BoosterHandle);

impl Drop for Booster {
    fn drop(&mut self) {
        // SAFETY: the handle came from XGBoosterCreate and is freed once.
        unsafe { ffi::XGBoosterFree(self.0) };
    }
}

impl Booster {
    fn new(cache: &[&DMatrix]) -> Result<Self> {
        let handles: Vec<ffi::DMatrixHandle> = cache.iter().map(|d| d.0).collect();
        let mut handle = ptr::null_mut();
        // SAFETY: `handles` are live DMatrix handles for the duration of the call.
        check(unsafe {
            ffi::XGBoosterCreate(handles.as_ptr(), handles.len() as u64, &mut handle)
        })?;
        Ok(Booster(handle))
    }

    fn set(&self, name: &str, value: &str) -> Result<()> {
        let (name, value) = (c_string(name)?, c_string(value)?);
        // SAFETY: valid NUL-terminated strings and a live handle.
        check(unsafe { ffi::XGBoosterSetParam(self.0, name.as_ptr(), value.as_ptr()) })
    }

    fn load(json: &str, nthread: usize) -> Result<Self> {
        let booster = Booster::new(&[])?;
        // SAFETY: `json` is a valid buffer of the given length; XGBoost copies what it keeps.
        check(unsafe {
            ffi::XGBoosterLoadModelFromBuffer(booster.0, json.as_ptr().cast(), json.len() as u64)
        })?;
        booster.set("nthread", &nthread.to_string())?;
        Ok(booster)
    }

    fn save_json(&self) -> Result<String> {
        let config = c_string(r#"{"format": "json"}"#)?;
        let mut len = 0u64;
        let mut data = ptr::null();
        // SAFETY: on success `data` points to `len` bytes owned by the booster, valid until the
        // next call on it; they are copied at once.
        let bytes = unsafe {
            check(ffi::XGBoosterSaveModelToBuffer(
                self.0,
                config.as_ptr(),
                &mut len,
                &mut data,
            ))?;
            if data.is_null() {
                return Err(last_error());
            }
            std::slice::from_raw_parts(data.cast::<u8>(), len as usize).to_vec()
        };
        String::from_utf8(bytes).map_err(|e| Error::Model {
            library: LIBRARY,
            message: e.to_string(),
        })
    }

    /// Inplace prediction from a dense matrix: rows x outputs, row-major.
    fn predict_dense(&self, x: &Matrix<'_>, output: Output) -> Result<(Vec<f32>, usize)> {
        let interface = c_string(&format!(
            r#"{{"data": [{}, true], "shape": [{}, {}], "typestr": "<f4", "version": 3}}"#,
            x.data().as_ptr() as usize,
            x.rows(),
            x.cols()
        ))?;
        let kind = match output {
            Output::Margin => 1,
            Output::Value => 0,
        };
        let config = c_string(&format!(
            r#"{{"type": {kind}, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": true, "missing": NaN, "cache_id": 0}}"#
        ))?;
        let mut shape = ptr::null();
        let mut dim = 0u64;
        let mut result = ptr::null();
        // SAFETY: the array interface points at `x`, alive for the call; on success `shape`
        // holds `dim` values and `result` their product, owned by the booster until its next
        // call, and copied at once.
        unsafe {
            check(ffi::XGBoosterPredictFromDense(
                self.0,
                interface.as_ptr(),
                config.as_ptr(),
                ptr::null_mut(),
                &mut shape,
                &mut dim,
                &mut result,
            ))?;
            if shape.is_null() || result.is_null() || dim == 0 {
                return Err(last_error());
            }
            let shape = std::slice::from_raw_parts(shape, dim as usize);
            let total: u64 = shape.iter().product();
            let outputs = shape.get(1).copied().unwrap_or(1) as usize;
            let values = std::slice::from_raw_parts(result, total as usize).to_vec();
            Ok((values, outputs))
        }
    }
}

/// A trained XGBoost model: the library's JSON model, and its trees for Rust evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    json: String,
    objective: String,
    forest: Forest,
    /// Base margin of each output group.
    base: Vec<f64>,
    link: Link,
}

/// Trains `rounds` boosting rounds on `x` with `labels`. `params` are XGBoost's own parameter
/// names and values (`objective`, `eta`, `max_depth`, ...); `nthread` bounds its threads.
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
    let nthread = nthread.max(1);
    // Thread-local in XGBoost: keeps warnings out of the server log unless asked for.
    let global = c_string(r#"{"verbosity": 0}"#)?;
    // SAFETY: a valid NUL-terminated JSON string.
    check(unsafe { ffi::XGBSetGlobalConfig(global.as_ptr()) })?;
    let dtrain = DMatrix::new(x, nthread)?;
    dtrain.set_labels(labels)?;
    let booster = Booster::new(&[&dtrain])?;
    booster.set("verbosity", "0")?;
    for (name, value) in params {
        booster.set(name, value)?;
    }
    booster.set("nthread", &nthread.to_string())?;
    for round in 0..rounds {
        if stop() {
            return Err(Error::Interrupted);
        }
        let round = c_int::try_from(round)
            .map_err(|_| Error::Invalid(format!("{rounds} rounds are too many")))?;
        // SAFETY: live booster and matrix handles.
        check(unsafe { ffi::XGBoosterUpdateOneIter(booster.0, round, dtrain.0) })?;
    }
    Model::from_json(booster.save_json()?)
}

impl Model {
    /// Reads a model saved in XGBoost's JSON format (by us or by any XGBoost >= 2).
    pub fn from_json(json: String) -> Result<Self> {
        let bad = |message: String| Error::Model {
            library: LIBRARY,
            message,
        };
        let file: JsonModel = serde_json::from_str(&json).map_err(|e| bad(e.to_string()))?;
        let learner = file.learner;
        let param = &learner.learner_model_param;
        let num_features = parse_count(&param.num_feature).map_err(bad)?;
        let num_class = parse_count(&param.num_class).map_err(bad)?;
        let num_target = parse_count(param.num_target.as_deref().unwrap_or("1")).map_err(bad)?;
        let groups = num_class.max(num_target).max(1);
        if num_target > 1 {
            return Err(bad("multi-target models are not supported".into()));
        }
        let objective = learner.objective.name;
        let (link, to_margin) = objective_link(&objective).map_err(bad)?;
        let scores = parse_base_score(&param.base_score).map_err(bad)?;
        let base = match scores.len() {
            1 => vec![to_margin(scores[0]) as f64; groups],
            n if n == groups => scores.iter().map(|&s| to_margin(s) as f64).collect(),
            n => return Err(bad(format!("{n} base scores for {groups} outputs"))),
        };
        let booster = learner.gradient_booster;
        if booster.name != "gbtree" {
            return Err(bad(format!(
                "booster {} is not supported (only gbtree)",
                booster.name
            )));
        }
        let model = booster
            .model
            .ok_or_else(|| bad("the gbtree has no model".into()))?;
        if model.tree_info.len() != model.trees.len() {
            return Err(bad("tree_info and trees differ in length".into()));
        }
        let mut forest = Forest::new(num_features);
        for (tree, &group) in model.trees.iter().zip(&model.tree_info) {
            if group < 0 || group as usize >= groups {
                return Err(bad(format!("tree for output {group} of {groups}")));
            }
            let (nodes, leaves) = tree.to_nodes().map_err(bad)?;
            forest
                .push_tree(&nodes, &leaves, group as u32)
                .map_err(bad)?;
        }
        let forest = crate::shared_trees::share(forest);
        Ok(Model {
            json,
            objective,
            forest,
            base,
            link,
        })
    }

    /// The model in XGBoost's JSON format (`xgboost.Booster().load_model(...)` reads it).
    pub fn json(&self) -> &str {
        &self.json
    }

    /// XGBoost's objective, e.g. `reg:squarederror`.
    pub fn objective(&self) -> &str {
        &self.objective
    }

    /// Number of input features.
    pub fn num_features(&self) -> usize {
        self.forest.num_features()
    }

    /// Number of outputs of a prediction (classes for multi-class models, else 1).
    pub fn num_outputs(&self) -> usize {
        self.base.len()
    }

    /// Number of trees.
    pub fn num_trees(&self) -> usize {
        self.forest.num_trees()
    }

    /// One row, in Rust: `out` (of length [`Model::num_outputs`]) gets the margin or the
    /// prediction, as the library computes it.
    pub fn predict_into(&self, row: &[f32], output: Output, out: &mut [f64]) -> Result<()> {
        check_row(row, self.num_features())?;
        if out.len() != self.base.len() {
            return Err(Error::Invalid(format!(
                "{} outputs asked of a model with {}",
                out.len(),
                self.base.len()
            )));
        }
        out.copy_from_slice(&self.base);
        self.forest.accumulate(row, Sum::F32, out);
        if output == Output::Value {
            self.link.apply_f32(out);
        }
        Ok(())
    }

    /// [`Model::predict_into`], allocating.
    pub fn predict(&self, row: &[f32], output: Output) -> Result<Vec<f64>> {
        let mut out = vec![0.0; self.num_outputs()];
        self.predict_into(row, output, &mut out)?;
        Ok(out)
    }

    /// Many rows, by the library (multi-threaded): rows x outputs, row-major. Loads a booster
    /// from the JSON model on each call, so it pays off for large batches only.
    pub fn predict_batch(
        &self,
        x: &Matrix<'_>,
        output: Output,
        nthread: usize,
    ) -> Result<Vec<f32>> {
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
        let booster = Booster::load(&self.json, nthread.max(1))?;
        let (values, outputs) = booster.predict_dense(x, output)?;
        if outputs != self.num_outputs() || values.len() != x.rows() * outputs {
            return Err(Error::Invalid(format!(
                "xgboost returned {} values of {outputs} outputs for {} rows",
                values.len(),
                x.rows()
            )));
        }
        Ok(values)
    }
}

/// The link function of an objective, and its `ProbToMargin` for the base score (f32, as in
/// XGBoost's `objective/regression_loss.h`).
#[allow(clippy::type_complexity)]
fn objective_link(objective: &str) -> std::result::Result<(Link, fn(f32) -> f32), String> {
    fn identity(x: f32) -> f32 {
        x
    }
    fn logit(x: f32) -> f32 {
        let x = x.clamp(1e-6, 1.0 - 1e-6);
        -(1.0f32 / x - 1.0).ln()
    }
    fn ln(x: f32) -> f32 {
        x.ln()
    }
    Ok(match objective {
        "reg:squarederror"
        | "reg:squaredlogerror"
        | "reg:pseudohubererror"
        | "reg:absoluteerror"
        | "reg:quantileerror" => (Link::Identity, identity),
        "reg:logistic" | "binary:logistic" => (Link::Sigmoid(1.0), logit),
        "binary:logitraw" => (Link::Identity, logit),
        "count:poisson" | "reg:gamma" | "reg:tweedie" => (Link::Exp, ln),
        "multi:softprob" => (Link::Softmax, identity),
        other => return Err(format!("objective {other} is not supported")),
    })
}

fn parse_count(s: &str) -> std::result::Result<usize, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a count"))
}

/// `"5E-1"` or `"[5E-1,2.5E-1]"` (vector intercepts, XGBoost >= 3.1).
fn parse_base_score(s: &str) -> std::result::Result<Vec<f32>, String> {
    let inner = s.trim().trim_start_matches('[').trim_end_matches(']');
    inner
        .split(',')
        .map(|v| {
            v.trim()
                .parse::<f32>()
                .map_err(|_| format!("base_score {s:?} is not a number"))
        })
        .collect()
}

#[derive(Deserialize)]
struct JsonModel {
    learner: JsonLearner,
}

#[derive(Deserialize)]
struct JsonLearner {
    gradient_booster: JsonBooster,
    learner_model_param: JsonModelParam,
    objective: JsonObjective,
}

#[derive(Deserialize)]
struct JsonBooster {
    name: String,
    model: Option<JsonTrees>,
}

#[derive(Deserialize)]
struct JsonTrees {
    trees: Vec<JsonTree>,
    tree_info: Vec<i64>,
}

#[derive(Deserialize)]
struct JsonModelParam {
    base_score: String,
    num_class: String,
    num_feature: String,
    num_target: Option<String>,
}

#[derive(Deserialize)]
struct JsonObjective {
    name: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Flag {
    Bool(bool),
    Int(i64),
}

impl Flag {
    fn get(&self) -> bool {
        match self {
            Flag::Bool(b) => *b,
            Flag::Int(i) => *i != 0,
        }
    }
}

#[derive(Deserialize)]
struct JsonTree {
    left_children: Vec<i64>,
    right_children: Vec<i64>,
    split_indices: Vec<i64>,
    split_conditions: Vec<f32>,
    default_left: Vec<Flag>,
    #[serde(default)]
    split_type: Vec<i64>,
}

impl JsonTree {
    /// The tree's nodes and leaves from the root, in this crate's local numbering: deleted
    /// (unreachable) nodes of XGBoost's arrays are left out.
    fn to_nodes(&self) -> std::result::Result<(Vec<Node>, Vec<f64>), String> {
        let n = self.left_children.len();
        if n == 0
            || self.right_children.len() != n
            || self.split_indices.len() != n
            || self.split_conditions.len() != n
            || self.default_left.len() != n
        {
            return Err("tree arrays differ in length".into());
        }
        if self.split_type.iter().any(|&t| t != 0) {
            return Err("categorical splits are not supported".into());
        }
        let (mut nodes, mut leaves) = (Vec::new(), Vec::new());
        if self.left_children[0] == -1 {
            leaves.push(self.split_conditions[0] as f64);
            return Ok((nodes, leaves));
        }
        // Breadth-first from the root; each internal node is numbered when first reached.
        let mut queue = vec![0usize];
        let mut head = 0;
        while head < queue.len() {
            if queue.len() > n {
                return Err("the tree has a cycle".into());
            }
            let i = queue[head];
            head += 1;
            let mut child = |c: i64| -> std::result::Result<i32, String> {
                let c = usize::try_from(c)
                    .ok()
                    .filter(|&c| c < n)
                    .ok_or_else(|| format!("bad child {c}"))?;
                if self.left_children[c] == -1 {
                    leaves.push(self.split_conditions[c] as f64);
                    Ok(!((leaves.len() - 1) as i32))
                } else {
                    queue.push(c);
                    Ok((queue.len() - 1) as i32)
                }
            };
            let left = child(self.left_children[i])?;
            let right = child(self.right_children[i])?;
            let feature = u32::try_from(self.split_indices[i])
                .map_err(|_| format!("bad feature {}", self.split_indices[i]))?;
            nodes.push(Node {
                threshold: self.split_conditions[i],
                feature,
                left,
                right,
                default_left: self.default_left[i].get(),
                missing: Missing::NanDefault,
            });
        }
        Ok((nodes, leaves))
    }
}
