//! Dense linear algebra the estimators share: symmetric eigen decomposition (cyclic Jacobi)
//! and Cholesky factorisation, on row-major `f64` matrices. Sizes are small (features, or the
//! rows of a kernel model, which are bounded), so plain loops do.

use crate::error::{Error, Result};

/// Jacobi sweeps before giving up on further precision (convergence is quadratic: a dozen
/// sweeps is typical).
const MAX_SWEEPS: usize = 100;

/// Eigenvalues and eigenvectors (rows of the row-major p×p result) of the symmetric `a`, by
/// cyclic Jacobi rotations, each of which zeroes one off-diagonal entry.
pub fn jacobi_eigen(mut a: Vec<f64>, p: usize) -> Result<(Vec<f64>, Vec<f64>)> {
    // Eigenvectors are kept as rows so that every rotation touches contiguous memory.
    let mut v = vec![0.0f64; p * p];
    for i in 0..p {
        v[i * p + i] = 1.0;
    }
    let scale: f64 = a.iter().map(|x| x * x).sum();
    for _ in 0..MAX_SWEEPS {
        let off: f64 = (0..p)
            .flat_map(|i| (i + 1..p).map(move |j| (i, j)))
            .map(|(i, j)| a[i * p + j] * a[i * p + j])
            .sum();
        if off <= 1e-24 * scale || off == 0.0 {
            break;
        }
        for r in 0..p {
            // A sweep is O(p³): checked once per row so a cancel lands within a row's work.
            crate::interrupt::check()?;
            for q in r + 1..p {
                let apq = a[r * p + q];
                if apq == 0.0 {
                    continue;
                }
                let (arr, aqq) = (a[r * p + r], a[q * p + q]);
                let theta = (aqq - arr) / (2.0 * apq);
                // The smaller root of t² + 2θt - 1 = 0, for a rotation of at most 45°.
                let t = theta.signum() / (theta.abs() + theta.hypot(1.0));
                let c = 1.0 / t.hypot(1.0);
                let s = t * c;
                // Jᵀ A J on rows r and q only; symmetry gives the columns.
                rotate_rows(&mut a, p, r, q, c, s);
                a[r * p + r] = c * c * arr - 2.0 * c * s * apq + s * s * aqq;
                a[q * p + q] = s * s * arr + 2.0 * c * s * apq + c * c * aqq;
                a[r * p + q] = 0.0;
                a[q * p + r] = 0.0;
                for k in 0..p {
                    if k != r && k != q {
                        a[k * p + r] = a[r * p + k];
                        a[k * p + q] = a[q * p + k];
                    }
                }
                rotate_rows(&mut v, p, r, q, c, s);
            }
        }
    }
    Ok(((0..p).map(|i| a[i * p + i]).collect(), v))
}

/// Rows r and q of the row-major `m` become `c·m_r - s·m_q` and `s·m_r + c·m_q` (r < q).
fn rotate_rows(m: &mut [f64], p: usize, r: usize, q: usize, c: f64, s: f64) {
    let (head, tail) = m.split_at_mut(q * p);
    for (x, y) in head[r * p..(r + 1) * p].iter_mut().zip(&mut tail[..p]) {
        let (u, w) = (*x, *y);
        *x = c * u - s * w;
        *y = s * u + c * w;
    }
}

/// The lower-triangular Cholesky factor `L` of the symmetric positive definite `a` (n×n,
/// row-major): `a = L Lᵀ`. `what` names the matrix in the error when it is not positive
/// definite.
pub fn cholesky(a: &[f64], n: usize, what: &str, hint: &str) -> Result<Vec<f64>> {
    let mut l = vec![0.0f64; n * n];
    // Rows in blocks: each finished row j is read once per block of rows rather than once per
    // row, so large matrices are not limited by memory bandwidth. Every entry is computed by
    // the same formula as row by row.
    let mut i0 = 0;
    while i0 < n {
        let i1 = (i0 + BLOCK).min(n);
        for j in 0..i1 {
            for i in i0.max(j)..i1 {
                let (li, lj) = (&l[i * n..i * n + j], &l[j * n..j * n + j]);
                let sum = a[i * n + j] - wide_dot(li, lj);
                if i == j {
                    if sum.is_nan() || sum <= 0.0 || !sum.is_finite() {
                        return Err(Error::data(
                            format!(
                                "{what} is not positive definite (pivot {i} of {n} is {sum:e})"
                            ),
                            hint.to_owned(),
                        ));
                    }
                    l[i * n + i] = sum.sqrt();
                } else {
                    l[i * n + j] = sum / l[j * n + j];
                }
            }
        }
        crate::interrupt::check()?;
        i0 = i1;
    }
    Ok(l)
}

/// Rows handled together by the blocked loops.
const BLOCK: usize = 48;

/// A dot product with sixteen accumulators: four vectors of four lanes, enough independent
/// additions to keep fused multiply-adds busy (one accumulator vector would wait on each
/// addition's latency). For the long rows of factorisations.
fn wide_dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 16];
    let (ca, cb) = (a.chunks_exact(16), b.chunks_exact(16));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..16 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut sum = tail;
    for chunk in acc.chunks_exact(4) {
        sum += (chunk[0] + chunk[1]) + (chunk[2] + chunk[3]);
    }
    sum
}

/// Solves `L Lᵀ x = b` given the factor from [`cholesky`].
pub fn cholesky_solve(l: &[f64], n: usize, b: &[f64]) -> Vec<f64> {
    let mut y = vec![0.0f64; n];
    for i in 0..n {
        let s = super::svm_kernel::dot(&l[i * n..i * n + i], &y[..i]);
        y[i] = (b[i] - s) / l[i * n + i];
    }
    let mut x = vec![0.0f64; n];
    for i in (0..n).rev() {
        let s: f64 = (i + 1..n).map(|k| l[k * n + i] * x[k]).sum();
        x[i] = (y[i] - s) / l[i * n + i];
    }
    x
}

/// `(L Lᵀ)⁻¹` from the factor of [`cholesky`]: `M = L⁻¹` row by row (each row a
/// combination of the rows before it), then `Mᵀ M` as a sum of outer products of M's rows,
/// so every inner loop runs over contiguous memory.
pub fn inverse_from_factor(l: &[f64], n: usize) -> Result<Vec<f64>> {
    // M = L⁻¹: row i = (e_i - Σ_{k<i} L_ik m_k) / L_ii, in blocks of rows so that each row
    // m_k is read once per block.
    let mut m = vec![0.0f64; n * n];
    let mut i0 = 0;
    while i0 < n {
        let i1 = (i0 + BLOCK).min(n);
        for i in i0..i1 {
            m[i * n + i] = 1.0 / l[i * n + i];
        }
        for k in 0..i1 {
            for i in (k + 1).max(i0)..i1 {
                let factor = -l[i * n + k] / l[i * n + i];
                if factor == 0.0 {
                    continue;
                }
                let (done, rest) = m.split_at_mut(i * n);
                for (r, v) in rest[..=k].iter_mut().zip(&done[k * n..k * n + k + 1]) {
                    *r += factor * v;
                }
            }
        }
        crate::interrupt::check()?;
        i0 = i1;
    }
    // (L Lᵀ)⁻¹ = Mᵀ M: row i of the inverse (lower part) = Σ_{k>=i} m_ki m_k[..=i], for a block
    // of rows at a time.
    let mut inverse = vec![0.0f64; n * n];
    let mut i0 = 0;
    while i0 < n {
        let i1 = (i0 + BLOCK).min(n);
        for k in i0..n {
            let row = &m[k * n..k * n + k + 1];
            for i in i0..i1.min(k + 1) {
                let scaled = row[i];
                if scaled != 0.0 {
                    for (out, v) in inverse[i * n..i * n + i + 1].iter_mut().zip(&row[..=i]) {
                        *out += scaled * v;
                    }
                }
            }
        }
        crate::interrupt::check()?;
        i0 = i1;
    }
    for i in 0..n {
        for j in 0..i {
            inverse[j * n + i] = inverse[i * n + j];
        }
    }
    Ok(inverse)
}

/// The pseudo-inverse of the symmetric `a` (k×k) as SciPy's `pinvh`: eigenvalues at most
/// `k · ε · max|λ|` in magnitude count as zero.
pub fn pinvh(a: &[f64], k: usize) -> Result<Vec<f64>> {
    let (values, vectors) = jacobi_eigen(a.to_vec(), k)?;
    let largest = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let cutoff = largest * k as f64 * f64::EPSILON;
    let mut inverse = vec![0.0f64; k * k];
    for (e, &value) in values.iter().enumerate() {
        if value.abs() <= cutoff {
            continue;
        }
        let v = &vectors[e * k..(e + 1) * k];
        for i in 0..k {
            let scaled = v[i] / value;
            for j in 0..k {
                inverse[i * k + j] += scaled * v[j];
            }
        }
    }
    Ok(inverse)
}

/// The inverse of the symmetric `a` (k×k): by Cholesky when it is positive definite (O(k³/3)),
/// else SciPy's `pinvh` (Jacobi sweeps, many times slower).
pub fn symmetric_inverse(a: &[f64], k: usize) -> Result<Vec<f64>> {
    match cholesky(a, k, "", "") {
        Ok(l) => inverse_from_factor(&l, k),
        Err(crate::error::Error::Interrupted) => Err(crate::error::Error::Interrupted),
        Err(_) => pinvh(a, k),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_solves_and_refuses_indefinite_matrices() {
        // [[4, 2], [2, 3]] x = [2, 1]  ->  x = [0.5, 0]
        let a = [4.0, 2.0, 2.0, 3.0];
        let l = cholesky(&a, 2, "m", "h").unwrap();
        let x = cholesky_solve(&l, 2, &[2.0, 1.0]);
        assert!((x[0] - 0.5).abs() < 1e-12 && x[1].abs() < 1e-12, "{x:?}");
        let err =
            cholesky(&[1.0, 2.0, 2.0, 1.0], 2, "the kernel matrix", "raise alpha").unwrap_err();
        assert!(
            err.to_string()
                .contains("the kernel matrix is not positive definite"),
            "{err}"
        );
    }

    #[test]
    fn inverse_from_factor_inverts() {
        // A random-ish 4x4 symmetric positive definite matrix: B Bᵀ + I.
        let b = [
            1.0, 2.0, 0.5, -1.0, 0.0, 1.5, 2.0, 1.0, -0.5, 0.3, 1.0, 2.0, 1.0, -1.0, 0.2, 0.7,
        ];
        let n = 4;
        let mut a = vec![0.0; 16];
        for i in 0..n {
            for j in 0..n {
                a[i * n + j] = (0..n).map(|k| b[i * n + k] * b[j * n + k]).sum::<f64>()
                    + if i == j { 1.0 } else { 0.0 };
            }
        }
        let inv = inverse_from_factor(&cholesky(&a, n, "a", "").unwrap(), n).unwrap();
        for i in 0..n {
            for j in 0..n {
                let v: f64 = (0..n).map(|k| a[i * n + k] * inv[k * n + j]).sum();
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((v - want).abs() < 1e-10, "({i}, {j}): {v}");
            }
        }
    }

    #[test]
    fn pinvh_inverts_and_drops_null_directions() {
        let inv = pinvh(&[4.0, 2.0, 2.0, 3.0], 2).unwrap();
        // [[4, 2], [2, 3]]⁻¹ = [[3, -2], [-2, 4]] / 8
        for (g, w) in inv.iter().zip([0.375, -0.25, -0.25, 0.5]) {
            assert!((g - w).abs() < 1e-12, "{inv:?}");
        }
        // [[1, 1], [1, 1]] has eigenvalues 2 and 0: its pseudo-inverse is itself / 4.
        for g in pinvh(&[1.0, 1.0, 1.0, 1.0], 2).unwrap() {
            assert!((g - 0.25).abs() < 1e-12);
        }
    }

    #[test]
    fn jacobi_diagonalises() {
        let (values, vectors) = jacobi_eigen(vec![2.0, 1.0, 1.0, 2.0], 2).unwrap();
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        assert!((sorted[0] - 1.0).abs() < 1e-12 && (sorted[1] - 3.0).abs() < 1e-12);
        // Each row is a unit eigenvector.
        for (k, &value) in values.iter().enumerate() {
            let v = &vectors[k * 2..k * 2 + 2];
            let av = [2.0 * v[0] + v[1], v[0] + 2.0 * v[1]];
            assert!((av[0] - value * v[0]).abs() < 1e-12 && (av[1] - value * v[1]).abs() < 1e-12);
        }
    }
}
