//! Where a generation model runs, from the task object's keys as PostgresML's users wrote them
//! for Hugging Face: `device` (the pipeline's argument: `"cpu"`, `"cuda"`, `"cuda:N"`, or a
//! GPU number, -1 meaning the CPU) and `device_map` (`"auto"` and the other accelerate
//! strategies pick a GPU when there is one; a device name means that device).

use serde_json::Value;

use crate::device::ComputeDevice;
use pgml_core::{Error, Result};

/// What the task object asks for: a device, or `None` for "a GPU if there is one" (resolved by
/// the engine, which knows what it sees; see `llama::auto_device`). Neither key: the CPU, as
/// Hugging Face's pipelines default to.
pub fn task_device(
    device: Option<&Value>,
    device_map: Option<&Value>,
) -> Result<Option<ComputeDevice>> {
    match device {
        Some(Value::String(name)) => return ComputeDevice::parse(name).map(Some),
        Some(Value::Number(n)) => {
            return match n.as_i64() {
                Some(-1) => Ok(Some(ComputeDevice::Cpu)),
                Some(i) if i >= 0 => Ok(Some(ComputeDevice::Cuda(i as usize))),
                _ => Err(bad_device(&Value::Number(n.clone()))),
            }
        }
        Some(Value::Null) | None => {}
        Some(other) => return Err(bad_device(other)),
    }
    match device_map {
        None | Some(Value::Null) => Ok(Some(ComputeDevice::Cpu)),
        Some(Value::String(name)) => match name.trim().to_ascii_lowercase().as_str() {
            "auto" | "balanced" | "balanced_low_0" | "sequential" => Ok(None),
            _ => ComputeDevice::parse(name).map(Some),
        },
        // A per-module map (`{"": 0}`, layer names) means "on the GPUs" to accelerate; a
        // GGUF model is not split by module names, so it gets one GPU if there is one.
        Some(_) => Ok(None),
    }
}

fn bad_device(value: &Value) -> Error {
    Error::invalid(
        format!("task key \"device\" must be a device name or a GPU number, not {value}"),
        "use \"cpu\", \"cuda\" (the first GPU), \"cuda:N\", a GPU number such as 0, or -1 for \
         the CPU",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pick(task: Value) -> Result<Option<ComputeDevice>> {
        task_device(task.get("device"), task.get("device_map"))
    }

    #[test]
    fn device_key_names_the_device() {
        assert_eq!(pick(json!({})).unwrap(), Some(ComputeDevice::Cpu));
        assert_eq!(
            pick(json!({"device": "cpu"})).unwrap(),
            Some(ComputeDevice::Cpu)
        );
        assert_eq!(
            pick(json!({"device": "cuda"})).unwrap(),
            Some(ComputeDevice::Cuda(0))
        );
        assert_eq!(
            pick(json!({"device": "cuda:2"})).unwrap(),
            Some(ComputeDevice::Cuda(2))
        );
        assert_eq!(
            pick(json!({"device": 1})).unwrap(),
            Some(ComputeDevice::Cuda(1))
        );
        assert_eq!(
            pick(json!({"device": -1})).unwrap(),
            Some(ComputeDevice::Cpu)
        );
        // `device` wins over `device_map`.
        assert_eq!(
            pick(json!({"device": "cpu", "device_map": "auto"})).unwrap(),
            Some(ComputeDevice::Cpu)
        );
    }

    #[test]
    fn device_map_auto_defers_to_the_engine() {
        for map in [
            json!("auto"),
            json!("Balanced"),
            json!("sequential"),
            json!({"": 0}),
        ] {
            assert_eq!(pick(json!({"device_map": map})).unwrap(), None, "{map}");
        }
        assert_eq!(
            pick(json!({"device_map": "cpu"})).unwrap(),
            Some(ComputeDevice::Cpu)
        );
        assert_eq!(
            pick(json!({"device_map": "cuda:1"})).unwrap(),
            Some(ComputeDevice::Cuda(1))
        );
    }

    #[test]
    fn bad_devices_are_errors() {
        for task in [
            json!({"device": "tpu"}),
            json!({"device": -2}),
            json!({"device": 1.5}),
            json!({"device": true}),
            json!({"device": ["cuda"]}),
            json!({"device_map": "mps"}),
        ] {
            let err = pick(task.clone()).unwrap_err();
            assert_eq!(
                err.sqlstate(),
                pgml_core::SqlState::InvalidParameterValue,
                "{task}"
            );
        }
    }
}
