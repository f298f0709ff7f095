//! Strict parsing of `kwargs`/`args` jsonb objects: every key must be known and well typed,
//! and a mistake names the key, what it should be, and every valid key.

use serde_json::{Map, Value};

use pgml_core::{Error, Result, SqlState};

/// A jsonb object whose keys are taken one by one; `finish` rejects whatever is left.
pub struct Options {
    what: &'static str,
    valid: &'static [&'static str],
    map: Map<String, Value>,
}

fn invalid(message: String, hint: String) -> Error {
    Error::sql(SqlState::InvalidParameterValue, message, hint)
}

impl Options {
    /// `what` names the argument in messages (e.g. `pgml.embed kwargs`); `valid` lists its keys.
    pub fn new(what: &'static str, valid: &'static [&'static str], value: &Value) -> Result<Self> {
        let map = match value {
            Value::Object(map) => map.clone(),
            Value::Null => Map::new(),
            other => {
                return Err(invalid(
                    format!("{what} must be a JSON object, not {other}"),
                    format!("valid keys: {}", valid.join(", ")),
                ))
            }
        };
        Ok(Options { what, valid, map })
    }

    fn wrong_type(&self, key: &str, expected: &str, got: &Value) -> Error {
        invalid(
            format!("{} key {key:?} must be {expected}, not {got}", self.what),
            format!("valid keys: {}", self.valid.join(", ")),
        )
    }

    /// Removes `key`; JSON null counts as absent.
    fn take(&mut self, key: &str) -> Option<Value> {
        match self.map.remove(key) {
            Some(Value::Null) | None => None,
            Some(v) => Some(v),
        }
    }

    pub fn bool(&mut self, key: &str) -> Result<Option<bool>> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(other) => Err(self.wrong_type(key, "true or false", &other)),
        }
    }

    pub fn string(&mut self, key: &str) -> Result<Option<String>> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.wrong_type(key, "a string", &other)),
        }
    }

    pub fn f64(&mut self, key: &str) -> Result<Option<f64>> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Number(n)) => match n.as_f64() {
                Some(x) if x.is_finite() => Ok(Some(x)),
                _ => Err(self.wrong_type(key, "a finite number", &Value::Number(n))),
            },
            Some(other) => Err(self.wrong_type(key, "a number", &other)),
        }
    }

    /// An integer; `min` is the smallest accepted value.
    pub fn i64(&mut self, key: &str, min: i64) -> Result<Option<i64>> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(x) if x >= min => Ok(Some(x)),
                Some(x) => Err(invalid(
                    format!("{} key {key:?} must be at least {min}, not {x}", self.what),
                    format!("valid keys: {}", self.valid.join(", ")),
                )),
                None => Err(self.wrong_type(key, "an integer", &Value::Number(n))),
            },
            Some(other) => Err(self.wrong_type(key, "an integer", &other)),
        }
    }

    /// A string or an array of strings.
    pub fn strings(&mut self, key: &str) -> Result<Option<Vec<String>>> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(vec![s])),
            Some(Value::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Value::String(s) => out.push(s),
                        other => {
                            return Err(self.wrong_type(
                                key,
                                "a string or an array of strings",
                                &other,
                            ))
                        }
                    }
                }
                Ok(Some(out))
            }
            Some(other) => Err(self.wrong_type(key, "a string or an array of strings", &other)),
        }
    }

    /// Errors on the first key nobody took.
    pub fn finish(self) -> Result<()> {
        match self.map.keys().next() {
            None => Ok(()),
            Some(key) => Err(invalid(
                format!("unknown {} key {key:?}", self.what),
                format!("valid keys: {}", self.valid.join(", ")),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const KEYS: &[&str] = &["a", "b", "c", "d"];

    #[test]
    fn takes_typed_keys_and_rejects_the_rest() {
        let v = json!({"a": true, "b": "x", "c": 2, "d": ["p", "q"]});
        let mut o = Options::new("test kwargs", KEYS, &v).unwrap();
        assert_eq!(o.bool("a").unwrap(), Some(true));
        assert_eq!(o.string("b").unwrap(), Some("x".into()));
        assert_eq!(o.i64("c", 1).unwrap(), Some(2));
        assert_eq!(o.strings("d").unwrap(), Some(vec!["p".into(), "q".into()]));
        o.finish().unwrap();

        let v = json!({"zzz": 1});
        let err = Options::new("test kwargs", KEYS, &v)
            .unwrap()
            .finish()
            .unwrap_err();
        assert_eq!(err.to_string(), "unknown test kwargs key \"zzz\"");
        assert_eq!(err.hint().unwrap(), "valid keys: a, b, c, d");
    }

    #[test]
    fn wrong_types_and_ranges_say_what_is_expected() {
        let v = json!({"a": 1, "c": 0, "b": 3.5});
        let mut o = Options::new("test kwargs", KEYS, &v).unwrap();
        assert!(o
            .bool("a")
            .unwrap_err()
            .to_string()
            .contains("true or false"));
        assert!(o
            .i64("c", 1)
            .unwrap_err()
            .to_string()
            .contains("at least 1"));
        assert!(o.string("b").unwrap_err().to_string().contains("a string"));
        let v = json!([1]);
        assert!(Options::new("test kwargs", KEYS, &v).is_err());
        let v = json!(null);
        Options::new("test kwargs", KEYS, &v)
            .unwrap()
            .finish()
            .unwrap();
    }
}
