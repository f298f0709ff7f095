//! Per-column preprocessing, PostgresML's `preprocess` jsonb: encode text columns (`native`,
//! `ordinal`, `one_hot`, `target`), impute missing values (`error`, `mean`, `median`, `mode`,
//! `min`, `max`, `zero`) and scale (`preserve`, `standard`, `min_max`, `max_abs`, `robust`).
//!
//! Statistics are fitted on the training rows only and stored with the model, so prediction
//! applies exactly the same transformation; they are also what `pgml.snapshots.columns` shows.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};

macro_rules! choice {
    ($name:ident, $what:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        #[doc = concat!("How a column is ", $what, ".")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $(#[doc = $text] $variant),+ }

        impl $name {
            const NAMES: &'static [&'static str] = &[$($text),+];

            fn parse(column: &str, key: &str, value: &Value) -> Result<Self> {
                match value.as_str() {
                    $(Some($text) => Ok($name::$variant),)+
                    _ => Err(Error::invalid(
                        format!("preprocess of column {column:?}: {key} must be one of {}, got {value}", Self::NAMES.join(", ")),
                        "for example '{\"my_column\": {\"encode\": \"one_hot\", \"impute\": \"mode\", \"scale\": \"standard\"}}'",
                    )),
                }
            }
        }
    };
}

choice!(Encode, "encoded when it holds text", { Native => "native", Target => "target", OneHot => "one_hot", Ordinal => "ordinal" });
choice!(Impute, "filled where it is NULL", { Error => "error", Mean => "mean", Median => "median", Mode => "mode", Min => "min", Max => "max", Zero => "zero" });
choice!(Scale, "scaled", { Preserve => "preserve", Standard => "standard", MinMax => "min_max", MaxAbs => "max_abs", Robust => "robust" });

/// One input column's values, as read from the table.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnValues {
    /// Numbers (booleans as 0/1); None is NULL.
    Numeric(Vec<Option<f64>>),
    /// Text, treated as categories; None is NULL.
    Text(Vec<Option<String>>),
}

/// One input column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Column name.
    pub name: String,
    /// Its values, one per row.
    pub values: ColumnValues,
}

impl Column {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match &self.values {
            ColumnValues::Numeric(v) => v.len(),
            ColumnValues::Text(v) => v.len(),
        }
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One value of a row given for prediction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RawValue<'a> {
    /// SQL NULL.
    Null,
    /// A number (booleans as 0/1).
    Number(f64),
    /// Text.
    Text(&'a str),
}

/// What was fitted for one input column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnStats {
    /// Column name.
    pub name: String,
    /// True for text (categorical) columns.
    pub categorical: bool,
    /// Encoding of text values.
    pub encode: Encode,
    /// Filling of NULLs.
    pub impute: Impute,
    /// Scaling of the (encoded) value.
    pub scale: Scale,
    /// Text columns: the categories seen in training, sorted.
    pub categories: Vec<String>,
    /// Target encoding: mean label per category (same order), and overall.
    pub target_means: Vec<f64>,
    /// NULLs in the training rows.
    pub nulls: usize,
    /// Statistics of the (encoded) non-NULL values in the training rows.
    pub mean: f64,
    pub std_dev: f64,
    pub min: f64,
    pub max: f64,
    pub median: f64,
    pub p25: f64,
    pub p75: f64,
    pub mode: f64,
}

/// The fitted preprocessing of every input column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preprocessor {
    columns: Vec<ColumnStats>,
    label_mean: f64,
}

const VALID_KEYS: &[&str] = &["encode", "impute", "scale"];

impl Preprocessor {
    /// Fits on `rows` of `columns`. `labels` (one per row of the table; class indices for
    /// classification) feed target encoding. `plans` is the `preprocess` jsonb.
    pub fn fit(columns: &[Column], labels: &[f32], rows: &[usize], plans: &Value) -> Result<Self> {
        let plans = match plans {
            Value::Null => None,
            Value::Object(map) => Some(map),
            other => {
                return Err(Error::invalid(
                    format!("preprocess must be a JSON object keyed by column name, got {other}"),
                    "for example '{\"my_column\": {\"impute\": \"mean\"}}'",
                ))
            }
        };
        if let Some(unknown) = plans
            .into_iter()
            .flat_map(|m| m.keys())
            .find(|k| !columns.iter().any(|c| &c.name == *k))
        {
            return Err(Error::invalid(
                format!("preprocess names column {unknown:?}, which is not a feature column"),
                format!(
                    "feature columns: {}",
                    columns
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        let label_mean = mean(rows.iter().map(|&r| labels[r] as f64));
        let mut fitted = Vec::with_capacity(columns.len());
        for column in columns {
            let plan = plans.and_then(|m| m.get(&column.name));
            fitted.push(fit_column(column, plan, labels, rows, label_mean)?);
        }
        Ok(Preprocessor {
            columns: fitted,
            label_mean,
        })
    }

    /// The fitted columns, in input order.
    pub fn columns(&self) -> &[ColumnStats] {
        &self.columns
    }

    /// Whether any input column is text (and so needs a row, not an array, at prediction).
    pub fn has_text_columns(&self) -> bool {
        self.columns.iter().any(|c| c.categorical)
    }

    /// Names of the model's features after encoding (one-hot adds one per category).
    pub fn feature_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        for c in &self.columns {
            if c.categorical && c.encode == Encode::OneHot {
                names.extend(c.categories.iter().map(|cat| format!("{}={cat}", c.name)));
            } else {
                names.push(c.name.clone());
            }
        }
        names
    }

    /// True when transforming changes nothing (all numeric, no imputation needed, preserve):
    /// lets the hot prediction path skip the work.
    pub fn is_identity(&self) -> bool {
        self.columns
            .iter()
            .all(|c| !c.categorical && c.scale == Scale::Preserve)
    }

    /// Transforms one row given as raw values, one per input column.
    pub fn transform_row(&self, raw: &[RawValue<'_>], out: &mut Vec<f32>) -> Result<()> {
        if raw.len() != self.columns.len() {
            return Err(Error::data(
                format!(
                    "the model expects {} input columns, got {}",
                    self.columns.len(),
                    raw.len()
                ),
                format!(
                    "pass one value per column, in this order: {}",
                    self.columns
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        for (stats, value) in self.columns.iter().zip(raw) {
            stats.transform(*value, self.label_mean, out)?;
        }
        Ok(())
    }

    /// Transforms every row of `columns` into row-major features.
    pub fn transform_all(&self, columns: &[Column]) -> Result<Vec<f32>> {
        let n = columns.first().map_or(0, Column::len);
        let mut out = crate::alloc::with_capacity(n, self.feature_names().len(), "the features")?;
        let mut raw = Vec::with_capacity(columns.len());
        for row in 0..n {
            raw.clear();
            raw.extend(columns.iter().map(|c| match &c.values {
                ColumnValues::Numeric(v) => v[row].map_or(RawValue::Null, RawValue::Number),
                ColumnValues::Text(v) => v[row].as_deref().map_or(RawValue::Null, RawValue::Text),
            }));
            self.transform_row(&raw, &mut out).map_err(|e| match e {
                Error::Data { message, hint } => Error::Data {
                    message: format!("{message} in row {}", row + 1),
                    hint,
                },
                other => other,
            })?;
        }
        Ok(out)
    }
}

fn fit_column(
    column: &Column,
    plan: Option<&Value>,
    labels: &[f32],
    rows: &[usize],
    label_mean: f64,
) -> Result<ColumnStats> {
    let name = &column.name;
    let (mut encode, mut impute, mut scale) = (Encode::Native, Impute::Error, Scale::Preserve);
    if let Some(plan) = plan {
        let Some(map) = plan.as_object() else {
            return Err(Error::invalid(
                format!("preprocess of column {name:?} must be an object, got {plan}"),
                "for example {\"encode\": \"one_hot\"}",
            ));
        };
        for (key, value) in map {
            match key.as_str() {
                "encode" => encode = Encode::parse(name, key, value)?,
                "impute" => impute = Impute::parse(name, key, value)?,
                "scale" => scale = Scale::parse(name, key, value)?,
                other => {
                    return Err(Error::invalid(
                        format!("unknown preprocess key {other:?} for column {name:?}"),
                        format!("valid keys: {}", VALID_KEYS.join(", ")),
                    ))
                }
            }
        }
    }
    let mut stats = ColumnStats {
        name: name.clone(),
        categorical: matches!(column.values, ColumnValues::Text(_)),
        encode,
        impute,
        scale,
        categories: Vec::new(),
        target_means: Vec::new(),
        nulls: 0,
        mean: 0.0,
        std_dev: 1.0,
        min: 0.0,
        max: 0.0,
        median: 0.0,
        p25: 0.0,
        p75: 0.0,
        mode: 0.0,
    };
    let values: Vec<f64> = match &column.values {
        ColumnValues::Numeric(v) => rows.iter().filter_map(|&r| v[r]).collect(),
        ColumnValues::Text(v) => {
            let mut categories: Vec<String> = rows.iter().filter_map(|&r| v[r].clone()).collect();
            categories.sort();
            categories.dedup();
            let mut sums = vec![(0.0f64, 0usize); categories.len()];
            let mut codes = Vec::new();
            for &r in rows {
                if let Some(text) = &v[r] {
                    if let Ok(i) = categories.binary_search(text) {
                        sums[i].0 += labels[r] as f64;
                        sums[i].1 += 1;
                        codes.push(i as f64);
                    }
                }
            }
            stats.target_means = sums
                .iter()
                .map(|&(s, n)| if n > 0 { s / n as f64 } else { label_mean })
                .collect();
            stats.categories = categories;
            // Statistics of the encoded value (ordinal code, or target mean).
            match stats.encode {
                Encode::Target => codes
                    .iter()
                    .map(|&c| stats.target_means[c as usize])
                    .collect(),
                _ => codes,
            }
        }
    };
    stats.nulls = rows.len() - values.len();
    if values.is_empty() {
        return Err(Error::data(
            format!("column {name:?} has no values in the training rows"),
            "drop the column from the training view, or fill it",
        ));
    }
    let mut sorted = values.clone();
    sorted.sort_by(f64::total_cmp);
    stats.mean = mean(values.iter().copied());
    stats.std_dev =
        (values.iter().map(|v| (v - stats.mean).powi(2)).sum::<f64>() / values.len() as f64).sqrt();
    stats.min = sorted[0];
    stats.max = sorted[sorted.len() - 1];
    stats.median = quantile(&sorted, 0.5);
    stats.p25 = quantile(&sorted, 0.25);
    stats.p75 = quantile(&sorted, 0.75);
    stats.mode = mode(&sorted);
    if stats.nulls > 0 && stats.impute == Impute::Error {
        return Err(Error::data(
            format!("column {name:?} has {} NULL values in the training rows", stats.nulls),
            format!("choose how to fill them: preprocess => '{{\"{name}\": {{\"impute\": \"mean\"}}}}' (or median, mode, min, max, zero)"),
        ));
    }
    Ok(stats)
}

impl ColumnStats {
    fn imputed(&self) -> Result<f64> {
        Ok(match self.impute {
            Impute::Error => {
                return Err(Error::data(
                    format!("column {:?} is NULL", self.name),
                    "pass a value, or train with an impute strategy for this column",
                ))
            }
            Impute::Mean => self.mean,
            Impute::Median => self.median,
            Impute::Mode => self.mode,
            Impute::Min => self.min,
            Impute::Max => self.max,
            Impute::Zero => 0.0,
        })
    }

    fn scaled(&self, v: f64) -> f64 {
        let safe = |d: f64| if d.abs() > f64::EPSILON { d } else { 1.0 };
        match self.scale {
            Scale::Preserve => v,
            Scale::Standard => (v - self.mean) / safe(self.std_dev),
            Scale::MinMax => (v - self.min) / safe(self.max - self.min),
            Scale::MaxAbs => v / safe(self.min.abs().max(self.max.abs())),
            Scale::Robust => (v - self.median) / safe(self.p75 - self.p25),
        }
    }

    fn transform(&self, value: RawValue<'_>, label_mean: f64, out: &mut Vec<f32>) -> Result<()> {
        if self.categorical {
            let category = match value {
                RawValue::Text(t) => self.categories.binary_search_by(|c| c.as_str().cmp(t)).ok(),
                RawValue::Null => None,
                RawValue::Number(n) => {
                    return Err(Error::data(
                        format!("column {:?} holds text, got the number {n}", self.name),
                        "pass the column's text value",
                    ))
                }
            };
            if value == RawValue::Null && self.impute == Impute::Error {
                self.imputed()?;
            }
            if self.encode == Encode::OneHot {
                // Unknown and NULL categories are all zeros.
                out.extend((0..self.categories.len()).map(|i| {
                    if Some(i) == category {
                        1.0
                    } else {
                        0.0
                    }
                }));
                return Ok(());
            }
            let encoded = match (category, self.encode) {
                (Some(i), Encode::Target) => self.target_means[i],
                (None, Encode::Target) => label_mean,
                (Some(i), _) => i as f64,
                // An unseen or NULL category takes the imputed code.
                (None, _) => self.imputed().unwrap_or(self.mode),
            };
            out.push(self.scaled(encoded) as f32);
            return Ok(());
        }
        let v = match value {
            RawValue::Number(n) if n.is_finite() => n,
            RawValue::Number(n) => {
                return Err(Error::data(
                    format!("column {:?} is {n}", self.name),
                    "NaN and Infinity cannot be learned from or predicted: pass finite numbers",
                ))
            }
            RawValue::Null => self.imputed()?,
            RawValue::Text(t) => {
                return Err(Error::data(
                    format!("column {:?} is numeric, got the text {t:?}", self.name),
                    "pass a number",
                ))
            }
        };
        out.push(self.scaled(v) as f32);
        Ok(())
    }
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        0.0
    } else {
        sum / n as f64
    }
}

/// Linear interpolation between closest ranks, as NumPy's default.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// The most frequent value (the smallest on ties).
fn mode(sorted: &[f64]) -> f64 {
    let mut best = (sorted[0], 0usize);
    let mut run = (sorted[0], 0usize);
    for &v in sorted {
        if v == run.0 {
            run.1 += 1;
        } else {
            run = (v, 1);
        }
        if run.1 > best.1 {
            best = run;
        }
    }
    best.0
}

/// A JSON description of the fitted columns for `pgml.snapshots.columns`.
pub fn describe(pre: &Preprocessor) -> Value {
    let mut out = Vec::new();
    for c in pre.columns() {
        let mut m = BTreeMap::new();
        m.insert("name", Value::from(c.name.clone()));
        m.insert("categorical", Value::from(c.categorical));
        let statistics = serde_json::json!({
            "nulls": c.nulls, "mean": c.mean, "std_dev": c.std_dev, "min": c.min, "max": c.max,
            "median": c.median, "p25": c.p25, "p75": c.p75, "mode": c.mode,
        });
        m.insert("statistics", statistics);
        m.insert(
            "preprocess",
            serde_json::json!({"encode": c.encode, "impute": c.impute, "scale": c.scale}),
        );
        if c.categorical {
            m.insert("categories", Value::from(c.categories.clone()));
        }
        out.push(serde_json::to_value(m).unwrap_or(Value::Null));
    }
    Value::from(out)
}

/// The `preprocess` jsonb that asks for the same preprocessing again, read back from a
/// snapshot's `columns` (as [`describe`] writes them; PostgresML's own rows name the key
/// `preprocessor`): what retraining on a project's last snapshot uses. Label columns, columns
/// left at the defaults and entries that are not objects are skipped.
pub fn plans_from_description(columns: Option<&Value>) -> Value {
    let mut plans = serde_json::Map::new();
    for column in columns.and_then(Value::as_array).into_iter().flatten() {
        if column.get("label").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let name = column.get("name").and_then(Value::as_str);
        let plan = column
            .get("preprocess")
            .or_else(|| column.get("preprocessor"))
            .and_then(Value::as_object);
        let (Some(name), Some(plan)) = (name, plan) else {
            continue;
        };
        let is_default = |key: &str, default: &str| {
            plan.get(key)
                .and_then(Value::as_str)
                .is_none_or(|v| v == default)
        };
        if is_default("encode", "native")
            && is_default("impute", "error")
            && is_default("scale", "preserve")
        {
            continue;
        }
        let plan: serde_json::Map<String, Value> = plan
            .iter()
            .filter(|(key, value)| VALID_KEYS.contains(&key.as_str()) && value.is_string())
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        plans.insert(name.to_owned(), Value::Object(plan));
    }
    Value::Object(plans)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn numeric(name: &str, v: &[Option<f64>]) -> Column {
        Column {
            name: name.into(),
            values: ColumnValues::Numeric(v.to_vec()),
        }
    }

    fn text(name: &str, v: &[Option<&str>]) -> Column {
        Column {
            name: name.into(),
            values: ColumnValues::Text(v.iter().map(|t| t.map(str::to_owned)).collect()),
        }
    }

    #[test]
    fn numeric_columns_impute_and_scale() {
        let cols = [numeric("a", &[Some(1.0), None, Some(3.0), Some(8.0)])];
        let all = [0, 1, 2, 3];
        let labels = [0.0; 4];
        let err = Preprocessor::fit(&cols, &labels, &all, &Value::Null).unwrap_err();
        assert!(err.to_string().contains("1 NULL values"), "{err}");
        let p = Preprocessor::fit(
            &cols,
            &labels,
            &all,
            &json!({"a": {"impute": "median", "scale": "min_max"}}),
        )
        .unwrap();
        // median of 1, 3, 8 is 3; min_max over [1, 8].
        assert_eq!(
            p.transform_all(&cols).unwrap(),
            vec![0.0, 2.0 / 7.0, 2.0 / 7.0, 1.0]
        );
        let p = Preprocessor::fit(
            &cols,
            &labels,
            &all,
            &json!({"a": {"impute": "zero", "scale": "standard"}}),
        )
        .unwrap();
        let out = p.transform_all(&cols).unwrap();
        let stats = &p.columns()[0];
        assert!((stats.mean - 4.0).abs() < 1e-12);
        assert!((out[0] as f64 - (1.0 - 4.0) / stats.std_dev).abs() < 1e-6);
        assert!((out[1] as f64 - (0.0 - 4.0) / stats.std_dev).abs() < 1e-6);
    }

    #[test]
    fn text_columns_encode_as_ordinal_one_hot_or_target() {
        let cols = [text(
            "color",
            &[Some("red"), Some("blue"), Some("red"), Some("green")],
        )];
        let labels = [1.0, 0.0, 3.0, 10.0];
        let all = [0, 1, 2, 3];
        let ordinal = Preprocessor::fit(&cols, &labels, &all, &Value::Null).unwrap();
        assert!(ordinal.has_text_columns());
        assert_eq!(
            ordinal.transform_all(&cols).unwrap(),
            vec![2.0, 0.0, 2.0, 1.0]
        ); // blue, green, red
        let one_hot = Preprocessor::fit(
            &cols,
            &labels,
            &all,
            &json!({"color": {"encode": "one_hot"}}),
        )
        .unwrap();
        assert_eq!(
            one_hot.feature_names(),
            vec!["color=blue", "color=green", "color=red"]
        );
        let mut out = Vec::new();
        one_hot
            .transform_row(&[RawValue::Text("green")], &mut out)
            .unwrap();
        one_hot
            .transform_row(&[RawValue::Text("purple")], &mut out)
            .unwrap();
        assert_eq!(out, vec![0.0, 1.0, 0.0, 0.0, 0.0, 0.0]);
        let target = Preprocessor::fit(
            &cols,
            &labels,
            &all,
            &json!({"color": {"encode": "target"}}),
        )
        .unwrap();
        assert_eq!(
            target.transform_all(&cols).unwrap(),
            vec![2.0, 0.0, 2.0, 10.0]
        );
        let mut out = Vec::new();
        target
            .transform_row(&[RawValue::Text("purple")], &mut out)
            .unwrap();
        assert_eq!(
            out,
            vec![3.5],
            "unseen categories take the overall label mean"
        );
    }

    #[test]
    fn statistics_come_from_training_rows_only() {
        let cols = [numeric("a", &[Some(1.0), Some(2.0), Some(100.0)])];
        let p = Preprocessor::fit(
            &cols,
            &[0.0; 3],
            &[0, 1],
            &json!({"a": {"scale": "max_abs"}}),
        )
        .unwrap();
        assert_eq!(p.columns()[0].max, 2.0);
        assert_eq!(p.transform_all(&cols).unwrap(), vec![0.5, 1.0, 50.0]);
    }

    #[test]
    fn bad_plans_are_refused_with_the_valid_choices() {
        let cols = [numeric("a", &[Some(1.0)])];
        for (plan, needle) in [
            (json!({"b": {}}), "not a feature column"),
            (
                json!({"a": {"scale": "log"}}),
                "scale must be one of preserve, standard, min_max, max_abs, robust",
            ),
            (
                json!({"a": {"fill": "mean"}}),
                "unknown preprocess key \"fill\"",
            ),
            (json!({"a": "mean"}), "must be an object"),
            (json!([1]), "must be a JSON object"),
        ] {
            let err = Preprocessor::fit(&cols, &[0.0], &[0], &plan).unwrap_err();
            assert!(err.to_string().contains(needle), "{plan}: {err}");
        }
    }

    #[test]
    fn prediction_rows_are_checked() {
        let cols = [
            numeric("a", &[Some(1.0), Some(2.0)]),
            text("b", &[Some("x"), Some("y")]),
        ];
        let p = Preprocessor::fit(&cols, &[0.0, 1.0], &[0, 1], &Value::Null).unwrap();
        let mut out = Vec::new();
        assert!(p.transform_row(&[RawValue::Number(1.0)], &mut out).is_err());
        assert!(p
            .transform_row(&[RawValue::Null, RawValue::Text("x")], &mut out)
            .is_err());
        assert!(p
            .transform_row(&[RawValue::Text("1"), RawValue::Text("x")], &mut out)
            .is_err());
        assert!(p
            .transform_row(&[RawValue::Number(f64::NAN), RawValue::Text("x")], &mut out)
            .is_err());
        assert!(p
            .transform_row(&[RawValue::Number(2.0), RawValue::Text("y")], &mut out)
            .is_ok());
        assert_eq!(out, vec![2.0, 1.0]);
        let described = describe(&p);
        assert_eq!(described[1]["categories"], json!(["x", "y"]));
    }

    #[test]
    fn preprocessing_reads_back_from_the_description() {
        let cols = [
            numeric("a", &[Some(1.0), None, Some(3.0), Some(8.0)]),
            text("color", &[Some("x"), Some("y"), None, Some("x")]),
            numeric("plain", &[Some(1.0), Some(2.0), Some(3.0), Some(4.0)]),
        ];
        let plans = json!({
            "a": {"impute": "median", "scale": "min_max"},
            "color": {"encode": "one_hot", "impute": "mode"},
        });
        let all = [0, 1, 2, 3];
        let labels = [0.0; 4];
        let fitted = Preprocessor::fit(&cols, &labels, &all, &plans).unwrap();
        let mut described = describe(&fitted);
        if let Value::Array(list) = &mut described {
            list.push(json!({"name": "y", "label": true}));
        }
        let again = plans_from_description(Some(&described));
        assert_eq!(
            again,
            json!({
                "a": {"encode": "native", "impute": "median", "scale": "min_max"},
                "color": {"encode": "one_hot", "impute": "mode", "scale": "preserve"},
            })
        );
        let refitted = Preprocessor::fit(&cols, &labels, &all, &again).unwrap();
        assert_eq!(refitted, fitted);
        // PostgresML's rows: key "preprocessor", "label" on every column.
        let theirs = json!([
            {"name": "a", "label": false, "preprocessor": {"encode": "native", "impute": "mean", "scale": "preserve"}},
            {"name": "b", "label": false, "preprocessor": {"encode": "native", "impute": "error", "scale": "preserve"}},
            {"name": "y", "label": true, "preprocessor": {"encode": "native", "impute": "zero", "scale": "standard"}},
        ]);
        assert_eq!(
            plans_from_description(Some(&theirs)),
            json!({"a": {"encode": "native", "impute": "mean", "scale": "preserve"}})
        );
        assert_eq!(plans_from_description(None), json!({}));
        assert_eq!(
            plans_from_description(Some(&json!({"not": "a list"}))),
            json!({})
        );
    }
}
