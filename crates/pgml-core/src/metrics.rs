//! Model quality metrics, with PostgresML's key names (they end up in `pgml.models.metrics`).

use std::collections::BTreeMap;

/// Metric name -> value, ordered by name so stored JSON is stable.
pub type Metrics = BTreeMap<String, f64>;

/// `r2`, `mean_absolute_error`, `mean_squared_error`.
pub fn regression(truth: &[f32], predicted: &[f32]) -> Metrics {
    let n = truth.len().max(1) as f64;
    let mean = truth.iter().map(|&v| v as f64).sum::<f64>() / n;
    let (mut abs, mut sq, mut total) = (0.0, 0.0, 0.0);
    for (&t, &p) in truth.iter().zip(predicted) {
        let e = t as f64 - p as f64;
        abs += e.abs();
        sq += e * e;
        total += (t as f64 - mean).powi(2);
    }
    // scikit-learn's convention for a constant target: 1 when perfect, else 0.
    let r2 = if total > 0.0 {
        1.0 - sq / total
    } else if sq == 0.0 {
        1.0
    } else {
        0.0
    };
    Metrics::from([
        ("r2".into(), r2),
        ("mean_absolute_error".into(), abs / n),
        ("mean_squared_error".into(), sq / n),
    ])
}

/// `accuracy`, `precision`, `recall`, `f1`, `mcc` for class indices `0..num_classes`.
/// Binary problems score the positive class (1); multi-class problems average over classes
/// (macro), as PostgresML reports them. With `probabilities` of the positive class (binary
/// only), also `roc_auc` and `log_loss`.
pub fn classification(
    truth: &[f32],
    predicted: &[f32],
    num_classes: usize,
    positive_probability: Option<&[f32]>,
) -> Metrics {
    let k = num_classes.max(2);
    let mut confusion = vec![vec![0u64; k]; k];
    for (&t, &p) in truth.iter().zip(predicted) {
        let (t, p) = (t as usize, p as usize);
        if t < k && p < k {
            confusion[t][p] += 1;
        }
    }
    let n = truth.len().max(1) as f64;
    let correct: u64 = (0..k).map(|c| confusion[c][c]).sum();
    let per_class = |c: usize| {
        let tp = confusion[c][c] as f64;
        let predicted_c: f64 = (0..k).map(|t| confusion[t][c] as f64).sum();
        let actual_c: f64 = confusion[c].iter().map(|&v| v as f64).sum();
        let precision = if predicted_c > 0.0 {
            tp / predicted_c
        } else {
            0.0
        };
        let recall = if actual_c > 0.0 { tp / actual_c } else { 0.0 };
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        (precision, recall, f1)
    };
    let (precision, recall, f1) = if k == 2 {
        per_class(1)
    } else {
        let sums = (0..k)
            .map(per_class)
            .fold((0.0, 0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
        (sums.0 / k as f64, sums.1 / k as f64, sums.2 / k as f64)
    };
    let mut metrics = Metrics::from([
        ("accuracy".into(), correct as f64 / n),
        ("precision".into(), precision),
        ("recall".into(), recall),
        ("f1".into(), f1),
        ("mcc".into(), matthews(&confusion)),
    ]);
    if let (2, Some(prob)) = (k, positive_probability) {
        metrics.insert("roc_auc".into(), roc_auc(truth, prob));
        metrics.insert("log_loss".into(), log_loss(truth, prob));
    }
    metrics
}

/// Matthews correlation coefficient, multi-class form (Gorodkin 2004), as scikit-learn.
fn matthews(confusion: &[Vec<u64>]) -> f64 {
    let k = confusion.len();
    let s: f64 = confusion.iter().flatten().map(|&v| v as f64).sum();
    let c: f64 = (0..k).map(|i| confusion[i][i] as f64).sum();
    let t: Vec<f64> = (0..k)
        .map(|i| confusion[i].iter().map(|&v| v as f64).sum())
        .collect();
    let p: Vec<f64> = (0..k)
        .map(|j| (0..k).map(|i| confusion[i][j] as f64).sum())
        .collect();
    let tp: f64 = t.iter().zip(&p).map(|(a, b)| a * b).sum();
    let denom = ((s * s - p.iter().map(|v| v * v).sum::<f64>())
        * (s * s - t.iter().map(|v| v * v).sum::<f64>()))
    .sqrt();
    if denom == 0.0 {
        0.0
    } else {
        (c * s - tp) / denom
    }
}

/// Area under the ROC curve from ranks (ties averaged); 0.5 when only one class is present.
fn roc_auc(truth: &[f32], prob: &[f32]) -> f64 {
    let mut order: Vec<usize> = (0..truth.len()).collect();
    order.sort_by(|&a, &b| prob[a].total_cmp(&prob[b]));
    let mut ranks = vec![0.0; truth.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && prob[order[j + 1]] == prob[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &o in &order[i..=j] {
            ranks[o] = rank;
        }
        i = j + 1;
    }
    let positives = truth.iter().filter(|&&t| t == 1.0).count() as f64;
    let negatives = truth.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return 0.5;
    }
    let rank_sum: f64 = truth
        .iter()
        .zip(&ranks)
        .filter(|(&t, _)| t == 1.0)
        .map(|(_, r)| r)
        .sum();
    (rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives)
}

fn log_loss(truth: &[f32], prob: &[f32]) -> f64 {
    let eps = 1e-15;
    let total: f64 = truth
        .iter()
        .zip(prob)
        .map(|(&t, &p)| {
            let p = (p as f64).clamp(eps, 1.0 - eps);
            if t == 1.0 {
                -p.ln()
            } else {
                -(1.0 - p).ln()
            }
        })
        .sum();
    total / truth.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn regression_matches_scikit_learn() {
        // sklearn: r2_score([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]) = 0.9486081370449679
        let m = regression(&[3.0, -0.5, 2.0, 7.0], &[2.5, 0.0, 2.0, 8.0]);
        assert!(close(m["r2"], 0.948_608_137_044_967_9), "{m:?}");
        assert!(close(m["mean_absolute_error"], 0.5));
        assert!(close(m["mean_squared_error"], 0.375));
    }

    #[test]
    fn binary_classification_matches_scikit_learn() {
        let truth = [0.0, 1.0, 1.0, 0.0, 1.0, 1.0];
        let pred = [0.0, 1.0, 0.0, 0.0, 1.0, 1.0];
        let prob = [0.1, 0.9, 0.4, 0.35, 0.8, 0.7];
        let m = classification(&truth, &pred, 2, Some(&prob));
        assert!(close(m["accuracy"], 5.0 / 6.0));
        assert!(close(m["precision"], 1.0));
        assert!(close(m["recall"], 0.75));
        assert!(close(m["f1"], 6.0 / 7.0));
        // sklearn: matthews_corrcoef = 0.7071067811865475, roc_auc_score = 1.0
        assert!(close(m["mcc"], 0.707_106_781_186_547_5), "{m:?}");
        assert!(close(m["roc_auc"], 1.0));
        assert!(m["log_loss"] > 0.0 && m["log_loss"] < 0.5);
    }

    #[test]
    fn multiclass_uses_macro_averages() {
        // sklearn: f1_score([0,1,2,0,1,2], [0,2,1,0,0,1], average="macro") = 0.26666666666666666
        let m = classification(
            &[0.0, 1.0, 2.0, 0.0, 1.0, 2.0],
            &[0.0, 2.0, 1.0, 0.0, 0.0, 1.0],
            3,
            None,
        );
        assert!(close(m["f1"], 0.266_666_666_666_666_66), "{m:?}");
        assert!(close(m["accuracy"], 1.0 / 3.0));
        // Confusion [[2,0,0],[1,0,1],[0,2,0]]: c*s = 12 = sum(t_k * p_k), so MCC is 0.
        assert!(close(m["mcc"], 0.0));
        assert!(!m.contains_key("roc_auc"));
    }
}
