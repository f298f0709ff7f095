//! Where a model runs: the CPU (always there) or an NVIDIA GPU (with the `cuda` feature).
//!
//! Callers name it as PostgresML's users did, `{"device": "cuda"}` in `kwargs`: `cpu`, `cuda`
//! (the first GPU) or `cuda:N`. A build without the `cuda` feature says so instead of quietly
//! running on the CPU, so nobody benchmarks the wrong thing.

use std::fmt;

use candle_core::Device;
use pgml_core::{Error, Result, SqlState};

/// A compute device a model can be loaded on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ComputeDevice {
    #[default]
    Cpu,
    /// The GPU with this ordinal (CUDA's numbering, as `nvidia-smi` shows).
    Cuda(usize),
}

impl ComputeDevice {
    /// Parses `cpu`, `cuda`, `cuda:N` (also `gpu`, as a synonym of `cuda`).
    pub fn parse(text: &str) -> Result<Self> {
        let lower = text.trim().to_ascii_lowercase();
        let bad = || {
            Error::invalid(
                format!("unknown device {text:?}"),
                "use \"cpu\", \"cuda\" (the first GPU) or \"cuda:N\"",
            )
        };
        match lower.as_str() {
            "cpu" => Ok(ComputeDevice::Cpu),
            "cuda" | "gpu" => Ok(ComputeDevice::Cuda(0)),
            _ => {
                let ordinal = lower
                    .strip_prefix("cuda:")
                    .or_else(|| lower.strip_prefix("gpu:"))
                    .ok_or_else(bad)?;
                ordinal
                    .parse::<usize>()
                    .map(ComputeDevice::Cuda)
                    .map_err(|_| bad())
            }
        }
    }

    pub fn is_cpu(self) -> bool {
        self == ComputeDevice::Cpu
    }

    /// The candle device, opened on first use (a CUDA context per process and GPU, which
    /// candle keeps).
    pub fn candle(self) -> Result<Device> {
        match self {
            ComputeDevice::Cpu => Ok(Device::Cpu),
            ComputeDevice::Cuda(ordinal) => open_cuda(ordinal),
        }
    }
}

impl fmt::Display for ComputeDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ComputeDevice::Cpu => f.write_str("cpu"),
            ComputeDevice::Cuda(n) => write!(f, "cuda:{n}"),
        }
    }
}

#[cfg(feature = "cuda")]
fn open_cuda(ordinal: usize) -> Result<Device> {
    // Errors (no such GPU, a driver that cannot open it) come back as errors; a panic
    // inside candle or cudarc must still never reach PostgreSQL.
    let opened = std::panic::catch_unwind(|| Device::new_cuda(ordinal));
    match opened {
        Ok(Ok(device)) => Ok(device),
        Ok(Err(err)) => Err(no_gpu(ordinal, &err.to_string())),
        Err(_) => Err(no_gpu(ordinal, "the CUDA driver failed to open it")),
    }
}

/// A GPU asked for that cannot be used (not there, or its driver failed): 0A000 with the reason.
#[cfg(feature = "cuda")]
pub(crate) fn no_gpu(ordinal: usize, why: &str) -> Error {
    Error::sql(
        SqlState::FeatureNotSupported,
        format!("GPU cuda:{ordinal} cannot be used: {why}"),
        "check nvidia-smi on the database server (driver loaded, GPU visible to the postgres \
         user), or use {\"device\": \"cpu\"}",
    )
}

#[cfg(not(feature = "cuda"))]
fn open_cuda(ordinal: usize) -> Result<Device> {
    Err(built_without_gpu(ordinal))
}

/// A GPU asked of a build without the `cuda` feature: 0A000, never a silent fall-back to the
/// CPU.
#[cfg(not(feature = "cuda"))]
pub(crate) fn built_without_gpu(ordinal: usize) -> Error {
    Error::sql(
        SqlState::FeatureNotSupported,
        format!("device cuda:{ordinal} asked for, but this pgml was built without GPU support"),
        "build the extension with the cuda feature where the CUDA toolkit is installed \
         (docs/gpu.md), or use {\"device\": \"cpu\"}",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse() {
        assert_eq!(ComputeDevice::parse("cpu").unwrap(), ComputeDevice::Cpu);
        assert_eq!(
            ComputeDevice::parse(" CUDA ").unwrap(),
            ComputeDevice::Cuda(0)
        );
        assert_eq!(ComputeDevice::parse("gpu").unwrap(), ComputeDevice::Cuda(0));
        assert_eq!(
            ComputeDevice::parse("cuda:3").unwrap(),
            ComputeDevice::Cuda(3)
        );
        for bad in ["", "tpu", "cuda:", "cuda:-1", "cuda:x", "mps"] {
            let err = ComputeDevice::parse(bad).unwrap_err();
            assert_eq!(err.sqlstate(), SqlState::InvalidParameterValue, "{bad}");
        }
        assert_eq!(ComputeDevice::Cuda(1).to_string(), "cuda:1");
        assert_eq!(ComputeDevice::Cpu.to_string(), "cpu");
    }

    #[test]
    fn the_cpu_is_always_there() {
        assert!(ComputeDevice::Cpu.candle().unwrap().is_cpu());
    }

    #[cfg(not(feature = "cuda"))]
    #[test]
    fn a_cpu_build_refuses_the_gpu_clearly() {
        let err = ComputeDevice::Cuda(0).candle().unwrap_err();
        assert_eq!(err.sqlstate(), SqlState::FeatureNotSupported);
        assert!(err.to_string().contains("without GPU support"), "{err}");
    }
}
