//! Limited-memory BFGS with a backtracking (Armijo) line search, for smooth convex objectives.

/// Minimises `f` from `x0`. `f(x, grad)` returns the value and writes the gradient. Stops after
/// `max_iter` iterations, or when the largest gradient component is below `tol`.
pub fn minimize<F>(f: F, x0: Vec<f64>, max_iter: usize, tol: f64) -> crate::Result<Vec<f64>>
where
    F: FnMut(&[f64], &mut [f64]) -> f64,
{
    minimize_with_steps(f, x0, max_iter, tol, f64::INFINITY)
}

/// [`minimize`] with no step moving any coordinate by more than `max_step`: for objectives
/// with several minima (a kernel's hyperparameters), so that a long quasi-Newton step cannot
/// jump out of the basin it is descending into.
pub fn minimize_with_steps<F>(
    mut f: F,
    x0: Vec<f64>,
    max_iter: usize,
    tol: f64,
    max_step: f64,
) -> crate::Result<Vec<f64>>
where
    F: FnMut(&[f64], &mut [f64]) -> f64,
{
    const MEMORY: usize = 10;
    let n = x0.len();
    let mut x = x0;
    let mut g = vec![0.0; n];
    let mut fx = f(&x, &mut g);
    let mut history: Vec<(Vec<f64>, Vec<f64>, f64)> = Vec::with_capacity(MEMORY); // (s, y, 1/(y·s))
    let mut x_new = vec![0.0; n];
    let mut g_new = vec![0.0; n];
    for _ in 0..max_iter {
        // Each iteration evaluates the objective over every row at least once.
        crate::interrupt::check()?;
        if g.iter().fold(0.0f64, |m, v| m.max(v.abs())) < tol {
            break;
        }
        // Two-loop recursion: d = -H g.
        let mut d: Vec<f64> = g.iter().map(|v| -v).collect();
        let mut alphas = Vec::with_capacity(history.len());
        for (s, y, rho) in history.iter().rev() {
            let a = rho * dot(s, &d);
            axpy(&mut d, -a, y);
            alphas.push(a);
        }
        if let Some((s, y, _)) = history.last() {
            let gamma = dot(s, y) / dot(y, y);
            d.iter_mut().for_each(|v| *v *= gamma);
        }
        for ((s, y, rho), a) in history.iter().zip(alphas.iter().rev()) {
            let b = rho * dot(y, &d);
            axpy(&mut d, a - b, s);
        }
        let mut slope = dot(&g, &d);
        if slope >= 0.0 {
            // Not a descent direction (numerical trouble): restart from steepest descent.
            history.clear();
            d = g.iter().map(|v| -v).collect();
            slope = dot(&g, &d);
        }
        let mut step = if history.is_empty() {
            1.0 / g.iter().map(|v| v * v).sum::<f64>().sqrt().max(1.0)
        } else {
            1.0
        };
        let longest = d.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        if step * longest > max_step {
            step = max_step / longest;
        }
        let mut accepted = false;
        for _ in 0..40 {
            for i in 0..n {
                x_new[i] = x[i] + step * d[i];
            }
            let f_new = f(&x_new, &mut g_new);
            if f_new.is_finite() && f_new <= fx + 1e-4 * step * slope {
                let s: Vec<f64> = (0..n).map(|i| x_new[i] - x[i]).collect();
                let y: Vec<f64> = (0..n).map(|i| g_new[i] - g[i]).collect();
                let ys = dot(&y, &s);
                if ys > 1e-12 {
                    if history.len() == MEMORY {
                        history.remove(0);
                    }
                    history.push((s, y, 1.0 / ys));
                }
                std::mem::swap(&mut x, &mut x_new);
                std::mem::swap(&mut g, &mut g_new);
                let improvement = fx - f_new;
                fx = f_new;
                accepted = true;
                if improvement.abs() <= 1e-12 * fx.abs().max(1.0) {
                    return Ok(x);
                }
                break;
            }
            step *= 0.5;
        }
        if !accepted {
            break;
        }
    }
    Ok(x)
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn axpy(y: &mut [f64], a: f64, x: &[f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_the_minimum_of_the_rosenbrock_function() {
        let f = |x: &[f64], g: &mut [f64]| {
            let (a, b) = (x[0], x[1]);
            g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
            g[1] = 200.0 * (b - a * a);
            (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
        };
        let x = super::minimize(f, vec![-1.2, 1.0], 500, 1e-10).unwrap();
        assert!(
            (x[0] - 1.0).abs() < 1e-4 && (x[1] - 1.0).abs() < 1e-4,
            "{x:?}"
        );
    }
}
