//! The SMO solver of libsvm (Chang & Lin, "LIBSVM: a library for support vector machines",
//! section 4.1), which scikit-learn's `SVC` and `SVR` run. It minimises
//!
//! ```text
//! ½ αᵀQα + pᵀα   subject to   yᵀα = 0,   0 ≤ α_t ≤ C_t,
//! ```
//!
//! with `Q_ts = y_t y_s K(x_t, x_s)`, two variables at a time, chosen by the second-order
//! working-set selection of Fan, Chen & Lin (2005, "WSS 3"). Variables, tie-breaking and the
//! stopping rule follow libsvm, so the solution is libsvm's within `tol`.
//!
//! C-SVC has one variable per training row; epsilon-SVR has two (α and α*), which is why a
//! variable `t` reads kernel row `t mod rows`. Kernel rows are cached, least recently used first
//! out, within a byte budget (scikit-learn's `cache_size`).

use super::svm_kernel::Kernel;

/// libsvm's floor for a non-positive curvature `Q_ii + Q_jj - 2 Q_ij` (indefinite kernels such
/// as sigmoid): the step stays finite instead of dividing by zero.
const TAU: f64 = 1e-12;

/// A dual problem over the rows of `x`.
pub(super) struct Problem<'a> {
    /// Training rows, `width` values each.
    pub x: &'a [f64],
    pub width: usize,
    pub kernel: &'a Kernel,
    /// The sign of each variable (+1 or -1); a multiple of the number of rows long.
    pub y: Vec<f64>,
    /// The linear term `p` of the objective.
    pub linear: Vec<f64>,
    /// The upper bound `C_t` of each variable (class weights make them differ).
    pub upper: Vec<f64>,
    /// libsvm's `Solver_NU` (nu-SVC, nu-SVR): the dual also keeps `Σ α_t` fixed within
    /// each sign, so both variables of a step share a sign and `rho` comes per sign.
    pub nu: bool,
    /// The starting point (feasible for the constraints); empty: `α = 0`.
    pub start: Vec<f64>,
}

/// When to stop.
pub(super) struct Limits {
    /// Stop when the maximal violating pair violates the KKT conditions by less than this.
    pub tol: f64,
    /// Iterations at most; None for libsvm's own ceiling.
    pub max_iter: Option<usize>,
    /// Bytes of kernel rows to keep.
    pub cache_bytes: usize,
}

/// The optimum: `α`, and `rho` (the decision function is `Σ α_t y_t K(x_t, x) - rho`).
pub(super) struct Solution {
    pub alpha: Vec<f64>,
    pub rho: f64,
    /// `Solver_NU` only: libsvm's `r`, the mean of the two signs' offsets (nu-SVC scales
    /// its solution by `1 / r`; for nu-SVR `-r` is the tube's width); 0 otherwise.
    pub r: f64,
}

/// Kernel rows over the training rows, computed on demand, least recently used evicted first.
struct KernelCache<'a> {
    x: &'a [f64],
    width: usize,
    kernel: &'a Kernel,
    /// Squared norm of each row: the RBF kernel reads `|a - b|²` as `|a|² + |b|² - 2 a·b`.
    norms: Vec<f64>,
    rows: usize,
    slots: Vec<Vec<f64>>,
    slot_of_row: Vec<usize>,
    row_of_slot: Vec<usize>,
    last_use: Vec<u64>,
    clock: u64,
    capacity: usize,
}

const NONE: usize = usize::MAX;

impl<'a> KernelCache<'a> {
    fn new(x: &'a [f64], width: usize, kernel: &'a Kernel, cache_bytes: usize) -> Self {
        let rows = x.len() / width.max(1);
        let norms = x
            .chunks_exact(width.max(1))
            .map(|r| super::svm_kernel::dot(r, r))
            .collect();
        let row_bytes = rows.max(1) * std::mem::size_of::<f64>();
        KernelCache {
            x,
            width,
            kernel,
            norms,
            rows,
            slots: Vec::new(),
            slot_of_row: vec![NONE; rows],
            row_of_slot: Vec::new(),
            last_use: Vec::new(),
            clock: 0,
            // Two rows at least: an SMO step needs both of its rows at once.
            capacity: (cache_bytes / row_bytes).clamp(2, rows.max(2)),
        }
    }

    fn diagonal(&self) -> Vec<f64> {
        (0..self.rows)
            .map(|i| {
                let r = &self.x[i * self.width..(i + 1) * self.width];
                self.kernel.eval(r, r)
            })
            .collect()
    }

    /// The slot holding kernel row `row`, computed on a miss; slot `keep` is never evicted.
    fn fetch(&mut self, row: usize, keep: usize) -> usize {
        self.clock += 1;
        let cached = self.slot_of_row[row];
        if cached != NONE {
            self.last_use[cached] = self.clock;
            return cached;
        }
        let slot = if self.slots.len() < self.capacity {
            self.slots.push(vec![0.0; self.rows]);
            self.row_of_slot.push(row);
            self.last_use.push(0);
            self.slots.len() - 1
        } else {
            let victim = (0..self.slots.len())
                .filter(|&s| s != keep)
                .min_by_key(|&s| self.last_use[s])
                .unwrap_or(0);
            self.slot_of_row[self.row_of_slot[victim]] = NONE;
            victim
        };
        self.slot_of_row[row] = slot;
        self.row_of_slot[slot] = row;
        self.last_use[slot] = self.clock;
        let (x, width) = (self.x, self.width);
        self.kernel.fill_row(
            x,
            width,
            &self.norms,
            &x[row * width..(row + 1) * width],
            self.norms[row],
            &mut self.slots[slot],
        );
        slot
    }

    fn row(&self, slot: usize) -> &[f64] {
        &self.slots[slot]
    }
}

struct Solver<'a> {
    y: &'a [f64],
    upper: &'a [f64],
    alpha: Vec<f64>,
    grad: Vec<f64>,
    /// `K(x_t, x_t)` per training row.
    diag: Vec<f64>,
    rows: usize,
    cache: KernelCache<'a>,
}

impl Solver<'_> {
    fn row(&self, t: usize) -> usize {
        if t >= self.rows {
            t % self.rows
        } else {
            t
        }
    }

    fn in_up(&self, t: usize) -> bool {
        if self.y[t] > 0.0 {
            self.alpha[t] < self.upper[t]
        } else {
            self.alpha[t] > 0.0
        }
    }

    fn in_low(&self, t: usize) -> bool {
        if self.y[t] > 0.0 {
            self.alpha[t] > 0.0
        } else {
            self.alpha[t] < self.upper[t]
        }
    }

    /// libsvm's `select_working_set`: `i` maximises `-y_t ∇_t` over the variables that can move
    /// up, `j` the second-order gain against `i`; None once the maximal violation is below
    /// `tol`. Returns `(i, j, slot of i's kernel row)`.
    fn select(&mut self, tol: f64) -> Option<(usize, usize, usize)> {
        let m = self.y.len();
        let mut gmax = f64::NEG_INFINITY;
        let mut gmax_idx = NONE;
        for t in 0..m {
            if self.in_up(t) {
                let v = -self.y[t] * self.grad[t];
                // `>=`: among equals the last one wins, as in libsvm.
                if v >= gmax {
                    gmax = v;
                    gmax_idx = t;
                }
            }
        }
        if gmax_idx == NONE {
            return None;
        }
        let i = gmax_idx;
        let slot_i = self.cache.fetch(self.row(i), NONE);
        let k_i = self.cache.row(slot_i);
        let qd_i = self.diag[self.row(i)];
        let mut gmax2 = f64::NEG_INFINITY;
        let mut best = NONE;
        let mut best_obj = f64::INFINITY;
        for t in 0..m {
            if !self.in_low(t) {
                continue;
            }
            let yg = self.y[t] * self.grad[t];
            if yg >= gmax2 {
                gmax2 = yg;
            }
            let grad_diff = gmax + yg;
            if grad_diff > 0.0 {
                let r = self.row(t);
                let quad = qd_i + self.diag[r] - 2.0 * self.y[i] * self.y[t] * k_i[r];
                let obj = -(grad_diff * grad_diff) / if quad > 0.0 { quad } else { TAU };
                if obj <= best_obj {
                    best = t;
                    best_obj = obj;
                }
            }
        }
        if gmax + gmax2 < tol || best == NONE {
            return None;
        }
        Some((i, best, slot_i))
    }

    /// One SMO step on (i, j): the analytic two-variable optimum, clipped to the box (libsvm's
    /// clipping, case by case), then the gradient update.
    fn step(&mut self, i: usize, j: usize, slot_i: usize) {
        let (ri, rj) = (self.row(i), self.row(j));
        let slot_j = self.cache.fetch(rj, slot_i);
        let k_i = self.cache.row(slot_i);
        let k_j = self.cache.row(slot_j);
        let (c_i, c_j) = (self.upper[i], self.upper[j]);
        let (old_i, old_j) = (self.alpha[i], self.alpha[j]);
        let (mut a_i, mut a_j) = (old_i, old_j);
        let q_ij = self.y[i] * self.y[j] * k_i[rj];
        let (g_i, g_j) = (self.grad[i], self.grad[j]);
        if self.y[i] != self.y[j] {
            let quad = positive_or_tau(self.diag[ri] + self.diag[rj] + 2.0 * q_ij);
            let delta = (-g_i - g_j) / quad;
            let diff = a_i - a_j;
            a_i += delta;
            a_j += delta;
            if diff > 0.0 {
                if a_j < 0.0 {
                    a_j = 0.0;
                    a_i = diff;
                }
            } else if a_i < 0.0 {
                a_i = 0.0;
                a_j = -diff;
            }
            if diff > c_i - c_j {
                if a_i > c_i {
                    a_i = c_i;
                    a_j = c_i - diff;
                }
            } else if a_j > c_j {
                a_j = c_j;
                a_i = c_j + diff;
            }
        } else {
            let quad = positive_or_tau(self.diag[ri] + self.diag[rj] - 2.0 * q_ij);
            let delta = (g_i - g_j) / quad;
            let sum = a_i + a_j;
            a_i -= delta;
            a_j += delta;
            if sum > c_i {
                if a_i > c_i {
                    a_i = c_i;
                    a_j = sum - c_i;
                }
            } else if a_j < 0.0 {
                a_j = 0.0;
                a_i = sum;
            }
            if sum > c_j {
                if a_j > c_j {
                    a_j = c_j;
                    a_i = sum - c_j;
                }
            } else if a_i < 0.0 {
                a_i = 0.0;
                a_j = sum;
            }
        }
        self.alpha[i] = a_i;
        self.alpha[j] = a_j;
        // ∇_t += Q_ti Δα_i + Q_tj Δα_j, with Q_ts = y_t y_s K_ts.
        let w_i = self.y[i] * (a_i - old_i);
        let w_j = self.y[j] * (a_j - old_j);
        for (grad, y) in self
            .grad
            .chunks_exact_mut(self.rows)
            .zip(self.y.chunks_exact(self.rows))
        {
            for (((g, &yt), &ki), &kj) in grad.iter_mut().zip(y).zip(k_i).zip(k_j) {
                *g += yt * (ki * w_i + kj * w_j);
            }
        }
    }

    /// libsvm's `Solver_NU::select_working_set`: as [`Solver::select`], but each sign on its
    /// own (a step moves two variables of one sign), stopping once neither sign's maximal
    /// violation reaches `tol`.
    fn select_nu(&mut self, tol: f64) -> Option<(usize, usize, usize)> {
        let m = self.y.len();
        // Index 0: sign +1, index 1: sign -1.
        let mut gmax = [f64::NEG_INFINITY; 2];
        let mut gmax_idx = [NONE; 2];
        for t in 0..m {
            if self.in_up(t) {
                let s = usize::from(self.y[t] < 0.0);
                let v = -self.y[t] * self.grad[t];
                if v >= gmax[s] {
                    gmax[s] = v;
                    gmax_idx[s] = t;
                }
            }
        }
        let rows: [Option<usize>; 2] = [0, 1].map(|s| {
            let i = gmax_idx[s];
            (i != NONE).then(|| self.row(i))
        });
        // Both candidates' kernel rows at once: a step needs the chosen one only, so the
        // other may be evicted later.
        let slots: [usize; 2] = [rows[0].map_or(NONE, |r| self.cache.fetch(r, NONE)), NONE];
        let slots = [
            slots[0],
            rows[1].map_or(NONE, |r| self.cache.fetch(r, slots[0])),
        ];
        let mut gmax2 = [f64::NEG_INFINITY; 2];
        let mut best = NONE;
        let mut best_obj = f64::INFINITY;
        for t in 0..m {
            if !self.in_low(t) {
                continue;
            }
            let s = usize::from(self.y[t] < 0.0);
            let yg = self.y[t] * self.grad[t];
            if yg >= gmax2[s] {
                gmax2[s] = yg;
            }
            let grad_diff = gmax[s] + yg;
            if grad_diff > 0.0 {
                let (Some(ri), r) = (rows[s], self.row(t)) else {
                    continue;
                };
                // Same sign: Q_it = K_it.
                let k_i = self.cache.row(slots[s]);
                let quad = self.diag[ri] + self.diag[r] - 2.0 * k_i[r];
                let obj = -(grad_diff * grad_diff) / if quad > 0.0 { quad } else { TAU };
                if obj <= best_obj {
                    best = t;
                    best_obj = obj;
                }
            }
        }
        let violation = (gmax[0] + gmax2[0]).max(gmax[1] + gmax2[1]);
        if violation < tol || best == NONE {
            return None;
        }
        let s = usize::from(self.y[best] < 0.0);
        Some((gmax_idx[s], best, slots[s]))
    }

    /// libsvm's `Solver_NU::calculate_rho`: per sign, the mean gradient over free
    /// variables (or the middle of the feasible interval); returns `(rho, r)`.
    fn rho_nu(&self) -> (f64, f64) {
        let mut upper_bound = [f64::INFINITY; 2];
        let mut lower_bound = [f64::NEG_INFINITY; 2];
        let mut free = [0usize; 2];
        let mut sum_free = [0.0; 2];
        for t in 0..self.y.len() {
            let s = usize::from(self.y[t] < 0.0);
            let g = self.grad[t];
            if self.alpha[t] >= self.upper[t] {
                lower_bound[s] = lower_bound[s].max(g);
            } else if self.alpha[t] <= 0.0 {
                upper_bound[s] = upper_bound[s].min(g);
            } else {
                free[s] += 1;
                sum_free[s] += g;
            }
        }
        let r = |s: usize| {
            if free[s] > 0 {
                sum_free[s] / free[s] as f64
            } else {
                (upper_bound[s] + lower_bound[s]) / 2.0
            }
        };
        let (r1, r2) = (r(0), r(1));
        ((r1 - r2) / 2.0, (r1 + r2) / 2.0)
    }

    /// libsvm's `calculate_rho`: the mean of `y_t ∇_t` over free variables, or the middle of
    /// the feasible interval when none is free.
    fn rho(&self) -> f64 {
        let (mut upper_bound, mut lower_bound) = (f64::INFINITY, f64::NEG_INFINITY);
        let (mut free, mut sum_free) = (0usize, 0.0);
        for t in 0..self.y.len() {
            let yg = self.y[t] * self.grad[t];
            let at_upper = self.alpha[t] >= self.upper[t];
            let at_lower = self.alpha[t] <= 0.0;
            if at_upper {
                if self.y[t] < 0.0 {
                    upper_bound = upper_bound.min(yg);
                } else {
                    lower_bound = lower_bound.max(yg);
                }
            } else if at_lower {
                if self.y[t] > 0.0 {
                    upper_bound = upper_bound.min(yg);
                } else {
                    lower_bound = lower_bound.max(yg);
                }
            } else {
                free += 1;
                sum_free += yg;
            }
        }
        if free > 0 {
            sum_free / free as f64
        } else {
            (upper_bound + lower_bound) / 2.0
        }
    }
}

fn positive_or_tau(quad: f64) -> f64 {
    if quad > 0.0 {
        quad
    } else {
        TAU
    }
}

/// Solves `problem` from its start (`α = 0` by default: feasible, since `yᵀ0 = 0`).
pub(super) fn solve(problem: &Problem<'_>, limits: &Limits) -> Solution {
    let cache = KernelCache::new(problem.x, problem.width, problem.kernel, limits.cache_bytes);
    let m = problem.y.len();
    let alpha = if problem.start.len() == m {
        problem.start.clone()
    } else {
        vec![0.0; m]
    };
    let mut solver = Solver {
        y: &problem.y,
        upper: &problem.upper,
        alpha,
        grad: problem.linear.clone(),
        diag: cache.diagonal(),
        rows: cache.rows,
        cache,
    };
    // ∇ = p + Qα: each non-zero start value adds its column (libsvm's initial gradient).
    for j in 0..m {
        let a_j = solver.alpha[j];
        if a_j == 0.0 {
            continue;
        }
        // A kernel row each: a cancel ends it (the caller sees it pending).
        if j % 64 == 0 && crate::interrupt::pending() {
            break;
        }
        let slot = solver.cache.fetch(solver.row(j), NONE);
        let w = a_j * solver.y[j];
        for (grad, y) in solver
            .grad
            .chunks_exact_mut(solver.rows)
            .zip(solver.y.chunks_exact(solver.rows))
        {
            let k_j = solver.cache.row(slot);
            for ((g, &yt), &k) in grad.iter_mut().zip(y).zip(k_j) {
                *g += yt * k * w;
            }
        }
    }
    // libsvm's own ceiling, so an ill-conditioned problem cannot spin forever.
    let max_iter = limits
        .max_iter
        .unwrap_or_else(|| 10_000_000usize.max(m.saturating_mul(100)));
    // Like libsvm, running out of iterations keeps the current (feasible) point.
    let mut iterations = 0;
    while iterations < max_iter && solver.rows > 0 {
        // A cancel ends the loop; the caller sees it pending and gives up the result.
        if iterations % 4096 == 0 && crate::interrupt::pending() {
            break;
        }
        let selected = if problem.nu {
            solver.select_nu(limits.tol)
        } else {
            solver.select(limits.tol)
        };
        let Some((i, j, slot_i)) = selected else {
            break;
        };
        solver.step(i, j, slot_i);
        iterations += 1;
    }
    let (rho, r) = if problem.nu {
        solver.rho_nu()
    } else {
        (solver.rho(), 0.0)
    };
    Solution {
        rho,
        r,
        alpha: solver.alpha,
    }
}
