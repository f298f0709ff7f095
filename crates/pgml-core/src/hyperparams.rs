//! Reading an algorithm's `hyperparams` jsonb: unknown keys and ill-typed values are errors that
//! name the valid keys, so a typo never silently trains with defaults.

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// The hyperparameters given for one algorithm, checked against the keys it accepts.
pub struct Hyperparams<'a> {
    map: Option<&'a Map<String, Value>>,
    algorithm: &'a str,
    valid: &'static [&'static str],
}

impl<'a> Hyperparams<'a> {
    /// Fails on anything but a JSON object (or null), and on keys outside `valid`.
    pub fn new(
        value: &'a Value,
        algorithm: &'a str,
        valid: &'static [&'static str],
    ) -> Result<Self> {
        let map = match value {
            Value::Null => None,
            Value::Object(map) => Some(map),
            other => {
                return Err(Error::invalid(
                    format!("hyperparams must be a JSON object, got {other}"),
                    "for example '{\"alpha\": 0.5}'",
                ))
            }
        };
        let params = Hyperparams {
            map,
            algorithm,
            valid,
        };
        if let Some(unknown) = map
            .into_iter()
            .flat_map(|m| m.keys())
            .find(|k| !valid.contains(&k.as_str()))
        {
            return Err(Error::invalid(
                format!("unknown hyperparameter {unknown:?} for algorithm {algorithm}"),
                params.valid_keys_hint(),
            ));
        }
        Ok(params)
    }

    fn valid_keys_hint(&self) -> String {
        if self.valid.is_empty() {
            format!("{} takes no hyperparameters", self.algorithm)
        } else {
            format!(
                "valid hyperparameters for {}: {}",
                self.algorithm,
                self.valid.join(", ")
            )
        }
    }

    /// The raw value of `key`, if given.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.and_then(|m| m.get(key))
    }

    /// The error for a value of the wrong type or range.
    pub fn ill_typed(&self, key: &str, wanted: &str, got: &Value) -> Error {
        Error::invalid(
            format!(
                "hyperparameter {key:?} of {} must be {wanted}, got {got}",
                self.algorithm
            ),
            self.valid_keys_hint(),
        )
    }

    /// A number, checked by `valid` (whose text says what is allowed).
    pub fn f64(&self, key: &str, default: f64, valid: (fn(f64) -> bool, &str)) -> Result<f64> {
        let Some(value) = self.get(key) else {
            return Ok(default);
        };
        match value.as_f64() {
            Some(v) if valid.0(v) => Ok(v),
            _ => Err(self.ill_typed(key, valid.1, value)),
        }
    }

    /// A whole number of at least `min`.
    pub fn usize(&self, key: &str, default: usize, min: usize) -> Result<usize> {
        let Some(value) = self.get(key) else {
            return Ok(default);
        };
        match value.as_u64() {
            Some(v) if v as usize >= min => Ok(v as usize),
            _ => Err(self.ill_typed(key, &format!("a whole number >= {min}"), value)),
        }
    }

    /// A whole number of at least `min`, or null / absent for "no limit".
    pub fn optional_usize(&self, key: &str, min: usize) -> Result<Option<usize>> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.usize(key, 0, min).map(Some),
        }
    }

    /// true or false.
    pub fn bool(&self, key: &str, default: bool) -> Result<bool> {
        let Some(value) = self.get(key) else {
            return Ok(default);
        };
        value
            .as_bool()
            .ok_or_else(|| self.ill_typed(key, "true or false", value))
    }
}

/// Accepts x > 0.
pub const POSITIVE: (fn(f64) -> bool, &str) = (|v| v > 0.0 && v.is_finite(), "a number > 0");
/// Accepts x >= 0.
pub const NON_NEGATIVE: (fn(f64) -> bool, &str) = (|v| v >= 0.0 && v.is_finite(), "a number >= 0");

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_key_names_the_valid_ones() {
        let v = json!({"alpah": 1});
        let err = Hyperparams::new(&v, "ridge", &["alpha", "fit_intercept"])
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            "unknown hyperparameter \"alpah\" for algorithm ridge"
        );
        assert_eq!(
            err.hint().unwrap(),
            "valid hyperparameters for ridge: alpha, fit_intercept"
        );
    }

    #[test]
    fn ill_typed_values_are_refused() {
        let v = json!({"alpha": "big", "fit_intercept": 1, "max_iter": -3});
        let p = Hyperparams::new(&v, "ridge", &["alpha", "fit_intercept", "max_iter"]).unwrap();
        let err = p.f64("alpha", 1.0, NON_NEGATIVE).unwrap_err();
        assert!(
            err.to_string()
                .contains("must be a number >= 0, got \"big\""),
            "{err}"
        );
        assert!(p.bool("fit_intercept", true).is_err());
        assert!(p.usize("max_iter", 100, 1).is_err());
    }

    #[test]
    fn defaults_apply_to_missing_keys_and_null() {
        let p = Hyperparams::new(&Value::Null, "linear", &["fit_intercept"]).unwrap();
        assert!(p.bool("fit_intercept", true).unwrap());
        assert!(Hyperparams::new(&json!([1]), "linear", &[]).is_err());
    }
}
