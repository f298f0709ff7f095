//! Buffers whose size comes from the user's data (features squared, rows times one-hot
//! columns). Rust aborts the process when an allocation fails, and inside PostgreSQL that
//! restarts every session; these ask first, and a request the system refuses is an error.

use std::sync::OnceLock;

use crate::{Error, Result, SqlState};

/// The machine's memory (Linux: `MemTotal`), if known. With overcommit on, the system
/// grants a request larger than it has and kills the process when the pages are touched,
/// so such requests are refused here before they are made.
fn physical_memory() -> Option<u64> {
    static TOTAL: OnceLock<Option<u64>> = OnceLock::new();
    *TOTAL.get_or_init(|| {
        let info = std::fs::read_to_string("/proc/meminfo").ok()?;
        let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        kb.checked_mul(1024)
    })
}

/// `rows * cols` zeros.
pub fn zeros(rows: usize, cols: usize, what: &str) -> Result<Vec<f64>> {
    let mut v = with_capacity(rows, cols, what)?;
    v.resize(rows * cols, 0.0);
    Ok(v)
}

/// An empty vector with room for `rows * cols` values.
pub fn with_capacity<T>(rows: usize, cols: usize, what: &str) -> Result<Vec<T>> {
    let refused = || {
        let bytes = (rows as f64) * (cols as f64) * std::mem::size_of::<T>() as f64;
        Error::sql(
            SqlState::OutOfMemory,
            format!(
                "{what} needs {:.1} GB ({rows} x {cols} values), more memory than can be had",
                bytes / 1e9
            ),
            "train on fewer features (drop wide array columns, encode text with 'ordinal' \
             instead of 'one_hot'), or on fewer rows",
        )
    };
    let len = rows.checked_mul(cols).ok_or_else(refused)?;
    let bytes = (len as u64).saturating_mul(std::mem::size_of::<T>() as u64);
    if physical_memory().is_some_and(|total| bytes > total) {
        return Err(refused());
    }
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| refused())?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_the_system_cannot_give_are_errors() {
        let err = zeros(1 << 40, 1 << 30, "the Gram matrix").unwrap_err();
        assert_eq!(err.sqlstate(), SqlState::OutOfMemory);
        let err = zeros(1 << 22, 1 << 22, "the Gram matrix").unwrap_err();
        assert_eq!(err.sqlstate(), SqlState::OutOfMemory);
        assert!(err.to_string().contains("the Gram matrix"), "{err}");
        assert_eq!(zeros(3, 4, "x").unwrap(), vec![0.0; 12]);
    }
}
