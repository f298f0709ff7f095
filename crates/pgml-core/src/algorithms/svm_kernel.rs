//! Kernel support vector machines, as scikit-learn's `SVC` (C-SVC, one-vs-one for more than
//! two classes) and `SVR` (epsilon-SVR), trained by libsvm's SMO (`svm_smo.rs`). The fitted
//! model keeps only the support vectors, their dual coefficients and the intercepts, so a
//! prediction costs one kernel evaluation per support vector.

use serde::{Deserialize, Serialize};

use super::svm_smo::Limits;
use super::{svm_nu, svm_platt};
use crate::dataset::Dataset;
use crate::error::{Error, Result};

/// A kernel with its parameters resolved to numbers (stored in the model).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Kernel {
    /// `a·b`
    Linear,
    /// `(gamma a·b + coef0)^degree`
    Poly { degree: i32, gamma: f64, coef0: f64 },
    /// `exp(-gamma |a - b|²)`
    Rbf { gamma: f64 },
    /// `tanh(gamma a·b + coef0)`
    Sigmoid { gamma: f64, coef0: f64 },
}

/// A dot product with four accumulators, so the compiler can vectorise it.
pub(super) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..4 {
            acc[k] += x[k] * y[k];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

impl Kernel {
    /// `K(a, b)`.
    pub fn eval(&self, a: &[f64], b: &[f64]) -> f64 {
        match *self {
            Kernel::Linear => dot(a, b),
            Kernel::Poly {
                degree,
                gamma,
                coef0,
            } => (gamma * dot(a, b) + coef0).powi(degree),
            Kernel::Rbf { gamma } => {
                let d2: f64 = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum();
                (-gamma * d2).exp()
            }
            Kernel::Sigmoid { gamma, coef0 } => (gamma * dot(a, b) + coef0).tanh(),
        }
    }

    /// `out[k] = K(a, x_k)` for every row `x_k` of `x`; `norms` holds `|x_k|²` and `norm_a`
    /// `|a|²`, so RBF costs one dot product per row, as in libsvm.
    pub(super) fn fill_row(
        &self,
        x: &[f64],
        width: usize,
        norms: &[f64],
        a: &[f64],
        norm_a: f64,
        out: &mut [f64],
    ) {
        let rows = x.chunks_exact(width.max(1)).zip(out.iter_mut());
        match *self {
            Kernel::Linear => rows.for_each(|(r, o)| *o = dot(a, r)),
            Kernel::Poly {
                degree,
                gamma,
                coef0,
            } => rows.for_each(|(r, o)| *o = (gamma * dot(a, r) + coef0).powi(degree)),
            Kernel::Rbf { gamma } => rows.zip(norms).for_each(|((r, o), n)| {
                // Rounding can make a tiny distance negative; a distance is never below 0.
                let d2 = (norm_a + n - 2.0 * dot(a, r)).max(0.0);
                *o = (-gamma * d2).exp();
            }),
            Kernel::Sigmoid { gamma, coef0 } => {
                rows.for_each(|(r, o)| *o = (gamma * dot(a, r) + coef0).tanh())
            }
        }
    }
}

/// The kernel names scikit-learn accepts that pgml trains (not "precomputed").
pub const KERNELS: &[&str] = &["linear", "poly", "rbf", "sigmoid"];

/// `gamma`, before the training data resolves it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Gamma {
    /// `1 / (n_features · Var(X))` over every training value (1 when the variance is 0).
    Scale,
    /// `1 / n_features`.
    Auto,
    /// A positive number.
    Value(f64),
}

/// Which kernel, and its parameters as given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KernelSpec {
    /// One of [`KERNELS`].
    pub name: &'static str,
    pub degree: i32,
    pub gamma: Gamma,
    pub coef0: f64,
}

/// How `decision_function` reports more than two classes (it never changes `predict`, except
/// through `break_ties`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DecisionShape {
    /// One value per class (votes plus a bounded confidence), scikit-learn's default.
    Ovr,
    /// One value per pair of classes, libsvm's own.
    Ovo,
}

/// Settings of [`KernelSvm::fit`], named as scikit-learn names them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KernelSvmParams {
    /// Upper bound of the dual coefficients (> 0): larger values fit the training data harder.
    pub c: f64,
    pub kernel: KernelSpec,
    /// Stopping tolerance of SMO.
    pub tol: f64,
    /// Regression only: the half-width of the tube in which errors cost nothing.
    pub epsilon: f64,
    /// Megabytes of kernel rows to cache.
    pub cache_size: f64,
    /// SMO iterations at most (per pair of classes); None: no limit but libsvm's own.
    pub max_iter: Option<usize>,
    /// Classification only: `C` of each class scaled by `n / (classes · count)`.
    pub balanced: bool,
    /// Classification only: with `Ovr` and more than two classes, predict the largest decision
    /// value instead of the most votes.
    pub break_ties: bool,
    pub decision_function_shape: DecisionShape,
    /// Classification only: `probability=True`, with the seed (`random_state`) of its folds.
    pub probability: Option<u64>,
    /// `NuSVC` / `NuSVR` (`nu_svm`): nu in (0, 1]. nu-SVC then has no `C`, nu-SVR no
    /// `epsilon` (see `svm_nu`).
    pub nu: Option<f64>,
}

impl Default for KernelSvmParams {
    /// scikit-learn's `SVC` / `SVR` defaults.
    fn default() -> Self {
        KernelSvmParams {
            c: 1.0,
            kernel: KernelSpec {
                name: "rbf",
                degree: 3,
                gamma: Gamma::Scale,
                coef0: 0.0,
            },
            tol: 1e-3,
            epsilon: 0.1,
            cache_size: 200.0,
            max_iter: None,
            balanced: false,
            break_ties: false,
            decision_function_shape: DecisionShape::Ovr,
            probability: None,
            nu: None,
        }
    }
}

/// A fitted kernel SVM, in libsvm's layout: support vectors grouped by class (in class
/// order), and for the pair of classes `(i, j)` the coefficients of class `i`'s vectors in row
/// `j - 1` of `dual_coef` and those of class `j`'s in row `i`. Regression is one "pair".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KernelSvm {
    kernel: Kernel,
    width: usize,
    /// Row-major, `width` values each.
    support_vectors: Vec<f32>,
    /// Support vectors per trained class (one entry for regression).
    n_support: Vec<usize>,
    dual_coef: Vec<Vec<f64>>,
    /// One per pair: the decision value is `Σ coef · K - rho`.
    rho: Vec<f64>,
    /// The class index of each trained class (the classes present in the training rows),
    /// ascending; empty for regression.
    classes: Vec<usize>,
    /// 0 for regression.
    num_classes: usize,
    decision_function_shape: DecisionShape,
    break_ties: bool,
    /// With `probability=True`: the sigmoid `(A, B)` of each pair (see `svm_platt`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    platt: Vec<(f64, f64)>,
}

fn validate(params: &KernelSvmParams) -> Result<()> {
    let positive = |v: f64| v.is_finite() && v > 0.0;
    if !positive(params.c) {
        return Err(Error::invalid(
            format!("C must be a number > 0, got {}", params.c),
            "use C => 1.0 (smaller values regularise more)",
        ));
    }
    if !positive(params.tol) {
        return Err(Error::invalid(
            format!("tol must be a number > 0, got {}", params.tol),
            "use tol => 1e-3",
        ));
    }
    if !(params.epsilon.is_finite() && params.epsilon >= 0.0) {
        return Err(Error::invalid(
            format!("epsilon must be a number >= 0, got {}", params.epsilon),
            "use epsilon => 0.1, or the tolerated error in units of the label",
        ));
    }
    if !positive(params.cache_size) {
        return Err(Error::invalid(
            format!("cache_size must be a number > 0, got {}", params.cache_size),
            "use cache_size => 200 (megabytes)",
        ));
    }
    if let Some(nu) = params.nu {
        if !(nu > 0.0 && nu <= 1.0) {
            return Err(Error::invalid(
                format!("nu must be a number in (0, 1], got {nu}"),
                "use nu => 0.5 (an upper bound on the fraction of margin errors)",
            ));
        }
    }
    if params.max_iter == Some(0) {
        return Err(Error::invalid(
            "max_iter must be -1 (no limit) or at least 1",
            "use max_iter => -1",
        ));
    }
    let spec = &params.kernel;
    if !KERNELS.contains(&spec.name) {
        return Err(Error::invalid(
            format!("unknown svm kernel {:?}", spec.name),
            format!("valid kernels: {}", KERNELS.join(", ")),
        ));
    }
    if spec.degree < 0 {
        return Err(Error::invalid(
            format!("degree must be a whole number >= 0, got {}", spec.degree),
            "use degree => 3",
        ));
    }
    if let Gamma::Value(g) = spec.gamma {
        if !positive(g) {
            return Err(Error::invalid(
                format!("gamma must be \"scale\", \"auto\" or a number > 0, got {g}"),
                "use gamma => \"scale\"",
            ));
        }
    }
    if !spec.coef0.is_finite() {
        return Err(Error::invalid(
            format!("coef0 must be a finite number, got {}", spec.coef0),
            "use coef0 => 0.0",
        ));
    }
    if params.break_ties && params.decision_function_shape == DecisionShape::Ovo {
        return Err(Error::invalid(
            "break_ties must be false when decision_function_shape is \"ovo\"",
            "use decision_function_shape => \"ovr\" with break_ties, or leave break_ties out",
        ));
    }
    Ok(())
}

/// Resolves `gamma` on the training values `x` (`width` per row), as scikit-learn does.
fn resolve_kernel(spec: &KernelSpec, x: &[f64], width: usize) -> Kernel {
    let gamma = match spec.gamma {
        Gamma::Value(g) => g,
        Gamma::Auto => 1.0 / width as f64,
        Gamma::Scale => {
            let n = x.len() as f64;
            let mean = x.iter().sum::<f64>() / n;
            let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
            if var > 0.0 {
                1.0 / (width as f64 * var)
            } else {
                1.0
            }
        }
    };
    match spec.name {
        "linear" => Kernel::Linear,
        "poly" => Kernel::Poly {
            degree: spec.degree,
            gamma,
            coef0: spec.coef0,
        },
        "sigmoid" => Kernel::Sigmoid {
            gamma,
            coef0: spec.coef0,
        },
        _ => Kernel::Rbf { gamma },
    }
}

/// The index of the first largest value (numpy's `argmax`).
fn first_max(values: &[f64]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best
}

/// `1 / (1 + e^-v)`.
fn sigmoid(v: f64) -> f64 {
    1.0 / (1.0 + (-v).exp())
}

impl KernelSvm {
    /// Classification when `num_classes > 0` (labels are class indices `0..num_classes`; at
    /// least two of them must occur), epsilon-SVR regression when it is 0.
    pub fn fit(data: &Dataset, num_classes: usize, params: &KernelSvmParams) -> Result<Self> {
        validate(params)?;
        let (n, width) = (data.num_rows(), data.num_features());
        if n == 0 {
            return Err(Error::data(
                "the training data has no rows",
                "add rows to the relation",
            ));
        }
        if width == 0 {
            return Err(Error::data(
                "the training data has no feature columns",
                "train on a relation with at least one column besides the label",
            ));
        }
        let x: Vec<f64> = (0..n)
            .flat_map(|i| data.row(i).iter().map(|&v| f64::from(v)))
            .collect();
        let kernel = resolve_kernel(&params.kernel, &x, width);
        let limits = Limits {
            tol: params.tol,
            max_iter: params.max_iter,
            cache_bytes: (params.cache_size * 1024.0 * 1024.0) as usize,
        };
        let model = KernelSvm {
            kernel,
            width,
            support_vectors: Vec::new(),
            n_support: Vec::new(),
            dual_coef: Vec::new(),
            rho: Vec::new(),
            classes: Vec::new(),
            num_classes,
            decision_function_shape: params.decision_function_shape,
            break_ties: params.break_ties,
            platt: Vec::new(),
        };
        if num_classes == 0 {
            model.fit_regression(data, &x, params, &limits)
        } else {
            model.fit_classification(data, &x, params, &limits)
        }
    }

    fn fit_regression(
        mut self,
        data: &Dataset,
        x: &[f64],
        params: &KernelSvmParams,
        limits: &Limits,
    ) -> Result<Self> {
        let n = data.num_rows();
        let (beta, rho) =
            svm_nu::solve_regression(x, self.width, &self.kernel, data.labels(), params, limits);
        crate::interrupt::check()?;
        if !rho.is_finite() || beta.iter().any(|b| !b.is_finite()) {
            return Err(Error::invalid(
                "the dual coefficients or intercepts are not finite (C · nu · rows is too \
                 large or too small for the solver)",
                "use C and nu closer to their defaults (1.0, 0.5)",
            ));
        }
        let mut coef = Vec::new();
        for (i, &beta) in beta.iter().enumerate().take(n) {
            if beta != 0.0 {
                self.support_vectors.extend_from_slice(data.row(i));
                coef.push(beta);
            }
        }
        self.n_support = vec![coef.len()];
        self.dual_coef = vec![coef];
        self.rho = vec![rho];
        Ok(self)
    }

    fn fit_classification(
        mut self,
        data: &Dataset,
        x: &[f64],
        params: &KernelSvmParams,
        limits: &Limits,
    ) -> Result<Self> {
        let num_classes = self.num_classes;
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); num_classes];
        for (i, &label) in data.labels().iter().enumerate() {
            if label < 0.0 || label.fract() != 0.0 || label as usize >= num_classes {
                return Err(Error::data(
                    format!("label {label} is not a class index below {num_classes}"),
                    "classification labels must be class indices 0..num_classes",
                ));
            }
            members[label as usize].push(i);
        }
        self.classes = (0..num_classes)
            .filter(|&c| !members[c].is_empty())
            .collect();
        let members: Vec<Vec<usize>> = members.into_iter().filter(|m| !m.is_empty()).collect();
        let k = members.len();
        if k < 2 {
            return Err(Error::data(
                "svm needs at least two classes in the training rows, found one",
                "train on rows of more than one class (check the label column and test_size)",
            ));
        }
        if let Some(nu) = params.nu {
            for a in 0..k {
                for b in a + 1..k {
                    svm_nu::check_nu_feasible(nu, members[a].len(), members[b].len())?;
                }
            }
        }
        let n = data.num_rows() as f64;
        let upper: Vec<f64> = members
            .iter()
            .map(|m| {
                if params.balanced {
                    params.c * n / (k as f64 * m.len() as f64)
                } else {
                    params.c
                }
            })
            .collect();
        // One binary problem per pair (a, b), a < b: class a is +1, class b is -1. Each pair's
        // coefficients (α_t y_t) are over class a's members, then class b's.
        let pairs: Vec<(usize, usize)> = (0..k)
            .flat_map(|a| (a + 1..k).map(move |b| (a, b)))
            .collect();
        let width = self.width;
        let mut folds_rng = params.probability.map(svm_platt::folds_rng);
        let mut pair_coef = Vec::with_capacity(pairs.len());
        for &(a, b) in &pairs {
            let rows: Vec<usize> = members[a].iter().chain(&members[b]).copied().collect();
            let sub_x: Vec<f64> = rows
                .iter()
                .flat_map(|&r| &x[r * width..(r + 1) * width])
                .copied()
                .collect();
            let na = members[a].len();
            let sign = |t: usize| if t < na { 1.0 } else { -1.0 };
            let y: Vec<f64> = (0..rows.len()).map(sign).collect();
            let pair_upper: Vec<f64> = (0..rows.len())
                .map(|t| if t < na { upper[a] } else { upper[b] })
                .collect();
            let binary = svm_nu::Binary {
                x: &sub_x,
                width,
                kernel: &self.kernel,
                y: &y,
                upper: &pair_upper,
                nu: params.nu,
            };
            let (coef, rho) = svm_nu::solve_binary(&binary, limits);
            crate::interrupt::check()?;
            if !rho.is_finite() || coef.iter().any(|c| !c.is_finite()) {
                return Err(Error::invalid(
                    "the dual coefficients or intercepts are not finite: no free support \
                     vector is left to place the margin (scikit-learn's NuSVC fails here too)",
                    "use a smaller nu; if the classes' rows cannot be told apart (constant \
                     features), no nu helps: check the features",
                ));
            }
            if let Some(rng) = folds_rng.as_mut() {
                self.platt
                    .push(svm_platt::fit_sigmoid(&binary, limits, rng));
                crate::interrupt::check()?;
            }
            self.rho.push(rho);
            pair_coef.push(coef);
        }
        // Which (class, member) coefficient t of pair (a, b) belongs to.
        let owner = |a: usize, b: usize, t: usize| {
            let na = members[a].len();
            if t < na {
                (a, t)
            } else {
                (b, t - na)
            }
        };
        // A row is a support vector if any pair gave it a non-zero coefficient.
        let mut support: Vec<Vec<bool>> = members.iter().map(|m| vec![false; m.len()]).collect();
        for (&(a, b), coef) in pairs.iter().zip(&pair_coef) {
            for (t, &c) in coef.iter().enumerate() {
                if c != 0.0 {
                    let (class, member) = owner(a, b, t);
                    support[class][member] = true;
                }
            }
        }
        // Position of each class member among the support vectors, if it is one.
        let mut position: Vec<Vec<Option<usize>>> = Vec::with_capacity(k);
        let mut total = 0;
        for (rows, is_support) in members.iter().zip(&support) {
            let mut positions = Vec::with_capacity(rows.len());
            let mut count = 0;
            for (&row, &keep) in rows.iter().zip(is_support) {
                if keep {
                    self.support_vectors.extend_from_slice(data.row(row));
                    positions.push(Some(total + count));
                    count += 1;
                } else {
                    positions.push(None);
                }
            }
            self.n_support.push(count);
            position.push(positions);
            total += count;
        }
        // libsvm's layout: class a's coefficients for pair (a, b) in row b - 1, class b's in a.
        self.dual_coef = vec![vec![0.0; total]; k - 1];
        for (&(a, b), coef) in pairs.iter().zip(&pair_coef) {
            for (t, &c) in coef.iter().enumerate() {
                let (class, member) = owner(a, b, t);
                let row = if class == a { b - 1 } else { a };
                if let Some(p) = position[class][member] {
                    self.dual_coef[row][p] = c;
                }
            }
        }
        Ok(self)
    }

    /// `K(sv, x)` for every support vector.
    fn kernel_values(&self, features: &[f32]) -> Vec<f64> {
        let x: Vec<f64> = features.iter().map(|&v| f64::from(v)).collect();
        let mut sv = vec![0.0; self.width];
        self.support_vectors
            .chunks_exact(self.width.max(1))
            .map(|row| {
                sv.iter_mut().zip(row).for_each(|(s, &v)| *s = f64::from(v));
                self.kernel.eval(&sv, &x)
            })
            .collect()
    }

    /// libsvm's decision values: one per pair `(i, j)`, `i < j`, in that order (positive means
    /// class `i`); for regression, the prediction.
    fn pair_decisions(&self, features: &[f32]) -> Vec<f64> {
        let kv = self.kernel_values(features);
        if self.classes.is_empty() {
            let sum: f64 = self
                .dual_coef
                .first()
                .map_or(0.0, |c| c.iter().zip(&kv).map(|(a, b)| a * b).sum::<f64>());
            return vec![sum - self.rho.first().copied().unwrap_or(0.0)];
        }
        let k = self.n_support.len();
        let mut start = vec![0; k];
        for c in 1..k {
            start[c] = start[c - 1] + self.n_support[c - 1];
        }
        let mut out = Vec::with_capacity(self.rho.len());
        for i in 0..k {
            for j in i + 1..k {
                let part = |class: usize, row: usize| -> f64 {
                    let range = start[class]..start[class] + self.n_support[class];
                    self.dual_coef.get(row).map_or(0.0, |coef| {
                        coef.get(range.clone())
                            .unwrap_or(&[])
                            .iter()
                            .zip(kv.get(range).unwrap_or(&[]))
                            .map(|(a, b)| a * b)
                            .sum()
                    })
                };
                let rho = self.rho.get(out.len()).copied().unwrap_or(0.0);
                out.push(part(i, j - 1) + part(j, i) - rho);
            }
        }
        out
    }

    /// scikit-learn's `_ovr_decision_function`: votes plus the summed pair confidences squashed
    /// into (-1/3, 1/3), so they only break ties between equal vote counts.
    fn ovr_from_pairs(&self, pairs: &[f64]) -> Vec<f64> {
        let k = self.n_support.len();
        let mut votes = vec![0.0; k];
        let mut confidence = vec![0.0; k];
        let mut p = 0;
        for i in 0..k {
            for j in i + 1..k {
                let d = pairs[p];
                confidence[i] += d;
                confidence[j] -= d;
                if d >= 0.0 {
                    votes[i] += 1.0;
                } else {
                    votes[j] += 1.0;
                }
                p += 1;
            }
        }
        votes
            .iter()
            .zip(&confidence)
            .map(|(v, c)| v + c / (3.0 * (c.abs() + 1.0)))
            .collect()
    }

    /// scikit-learn's `decision_function`: the prediction for regression; one value for two
    /// classes (positive means the second); otherwise one per trained class (`ovr`) or one per
    /// pair of trained classes (`ovo`).
    pub fn decision_function(&self, features: &[f32]) -> Vec<f64> {
        let pairs = self.pair_decisions(features);
        match (self.classes.len(), self.decision_function_shape) {
            (0, _) => pairs,
            (2, _) => pairs.iter().map(|d| -d).collect(),
            (_, DecisionShape::Ovo) => pairs,
            (_, DecisionShape::Ovr) => self.ovr_from_pairs(&pairs),
        }
    }

    /// The trained class index that wins: libsvm's one-vs-one vote (a tie goes to the lower
    /// class), or with `break_ties` the largest one-vs-rest decision value.
    fn winner(&self, pairs: &[f64]) -> usize {
        let k = self.n_support.len();
        if self.break_ties && k > 2 && self.decision_function_shape == DecisionShape::Ovr {
            return first_max(&self.ovr_from_pairs(pairs));
        }
        let mut votes = vec![0usize; k];
        let mut p = 0;
        for i in 0..k {
            for j in i + 1..k {
                votes[if pairs[p] > 0.0 { i } else { j }] += 1;
                p += 1;
            }
        }
        // Strictly greater: a tie goes to the lower class, as in libsvm.
        let mut best = 0;
        for (c, &v) in votes.iter().enumerate() {
            if v > votes[best] {
                best = c;
            }
        }
        best
    }

    /// The predicted class index, or the predicted value for regression.
    pub fn predict(&self, features: &[f32]) -> f32 {
        let pairs = self.pair_decisions(features);
        if self.classes.is_empty() {
            return pairs.first().copied().unwrap_or(0.0) as f32;
        }
        self.classes
            .get(self.winner(&pairs))
            .map_or(0.0, |&c| c as f32)
    }

    /// Class probabilities for `predict_proba`. With `probability=True`, libsvm's (Platt
    /// scaling of each pair, coupled for more than two classes; see `svm_platt`). Otherwise class
    /// scores that sum to 1 from the decision values: two classes get the logistic function of
    /// the decision value, more get a softmax of the one-vs-rest values. They rank rows like the
    /// decision function (so ROC AUC is right) and their largest entry is the predicted class,
    /// but they are not calibrated probabilities. Classes absent from the training rows get 0.
    /// None for regression.
    pub fn predict_proba(&self, features: &[f32]) -> Option<Vec<f32>> {
        if self.classes.is_empty() {
            return None;
        }
        let pairs = self.pair_decisions(features);
        let scores: Vec<f64> = if !self.platt.is_empty() {
            self.platt_probabilities(&pairs)
        } else if self.classes.len() == 2 {
            let positive = sigmoid(-pairs[0]);
            vec![1.0 - positive, positive]
        } else {
            let mut ovr = self.ovr_from_pairs(&pairs);
            // The predicted class gets the top score even where libsvm's vote (ties to the
            // lower class) and the one-vs-rest values disagree.
            let winner = self.winner(&pairs);
            let rival = ovr
                .iter()
                .enumerate()
                .filter(|&(c, _)| c != winner)
                .fold(f64::NEG_INFINITY, |m, (_, &v)| m.max(v));
            if ovr[winner] <= rival {
                ovr[winner] = rival + 1e-6;
            }
            let top = ovr.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let exp: Vec<f64> = ovr.iter().map(|v| (v - top).exp()).collect();
            let total: f64 = exp.iter().sum();
            exp.iter().map(|e| e / total).collect()
        };
        let mut proba = vec![0.0f32; self.num_classes];
        for (&class, score) in self.classes.iter().zip(scores) {
            if let Some(slot) = proba.get_mut(class) {
                *slot = score as f32;
            }
        }
        Some(proba)
    }

    /// libsvm's `svm_predict_probability` from the pairs' decision values.
    #[allow(clippy::needless_range_loop)] // matrix indices, as in libsvm
    fn platt_probabilities(&self, pairs: &[f64]) -> Vec<f64> {
        let k = self.classes.len();
        let mut r = vec![vec![0.0; k]; k];
        let mut p = 0;
        for i in 0..k {
            for j in i + 1..k {
                let (d, sigmoid) = (pairs.get(p), self.platt.get(p));
                let pij = match (d, sigmoid) {
                    (Some(&d), Some(&ab)) => svm_platt::pair_probability(d, ab),
                    _ => 0.5,
                };
                r[i][j] = pij;
                r[j][i] = 1.0 - pij;
                p += 1;
            }
        }
        if k == 2 {
            vec![r[0][1], r[1][0]]
        } else {
            svm_platt::couple(&r)
        }
    }

    /// Number of support vectors.
    pub fn num_support_vectors(&self) -> usize {
        self.n_support.iter().sum()
    }

    /// scikit-learn's `intercept_`: `-rho` per pair, negated for two classes.
    pub fn intercepts(&self) -> Vec<f64> {
        if self.classes.len() == 2 {
            self.rho.clone()
        } else {
            self.rho.iter().map(|r| -r).collect()
        }
    }

    /// The kernel, with gamma resolved.
    pub fn kernel(&self) -> Kernel {
        self.kernel
    }
}
