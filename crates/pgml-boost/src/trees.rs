//! A compact forest of binary decision trees, evaluated in Rust: what one-row prediction uses,
//! because a call into either library costs tens of microseconds whatever the model's size,
//! while walking a hundred small trees costs a few hundred nanoseconds.
//!
//! Both libraries' split rules are reduced to one: go left when `x < threshold`, with a per-node
//! rule for missing values (NaN) and, for LightGBM, for zeros. Leaves are summed per output
//! group in the precision the library itself uses (f32 for XGBoost, f64 for LightGBM), so the
//! margins match the library's bit for bit; the link function is applied by the caller.

/// What a node does with a missing value (NaN), and LightGBM's treatment of zeros.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Missing {
    /// NaN follows the default direction.
    NanDefault,
    /// NaN is read as 0.0, then compared (LightGBM's `missing_type=None`).
    NanAsZero,
    /// NaN is read as 0.0, and zero follows the default direction (LightGBM's `Zero`).
    ZeroDefault,
}

/// An internal node. A child is a node index, or `!leaf` (negative) for a leaf.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Node {
    pub threshold: f32,
    pub feature: u32,
    pub left: i32,
    pub right: i32,
    pub default_left: bool,
    pub missing: Missing,
}

/// How leaf values are added up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sum {
    /// In f32, tree by tree from the base margin (XGBoost's CPU predictor).
    F32,
    /// In f64 (LightGBM).
    F64,
}

/// A node as the evaluator reads it: 16 bytes of plain data, so that a whole forest is one
/// byte image that processes can share (see [`crate::shared_trees`]).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub(crate) struct Packed {
    threshold: f32,
    /// The feature in the low bits, then [`DEFAULT_LEFT`] and the [`Missing`] rule.
    meta: u32,
    left: i32,
    right: i32,
}

const FEATURE_BITS: u32 = 29;
const FEATURE_MASK: u32 = (1 << FEATURE_BITS) - 1;
const DEFAULT_LEFT: u32 = 1 << FEATURE_BITS;
const MISSING_SHIFT: u32 = FEATURE_BITS + 1;

impl Packed {
    fn pack(node: &Node, left: i32, right: i32) -> Packed {
        let missing = match node.missing {
            Missing::NanDefault => 0,
            Missing::NanAsZero => 1,
            Missing::ZeroDefault => 2,
        };
        Packed {
            threshold: node.threshold,
            meta: (node.feature & FEATURE_MASK)
                | if node.default_left { DEFAULT_LEFT } else { 0 }
                | (missing << MISSING_SHIFT),
            left,
            right,
        }
    }
}

/// A tree's root (a node index, or `!leaf` for a one-leaf tree) and its output group.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub(crate) struct Root {
    at: i32,
    group: u32,
}

/// Where a forest's arrays live: built in this process, or a file image mapped by every
/// process that uses the same trees.
#[derive(Clone)]
enum Storage {
    Owned {
        roots: Vec<Root>,
        nodes: Vec<Packed>,
        leaves: Vec<f64>,
    },
    Mapped(std::sync::Arc<crate::shared_trees::Image>),
}

/// All trees of a model, flattened.
#[derive(Clone)]
pub(crate) struct Forest {
    storage: Storage,
    num_features: usize,
}

impl std::fmt::Debug for Forest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Forest")
            .field("trees", &self.num_trees())
            .field("num_features", &self.num_features)
            .field("shared", &self.is_shared())
            .finish()
    }
}

impl PartialEq for Forest {
    fn eq(&self, other: &Self) -> bool {
        self.num_features == other.num_features && self.parts() == other.parts()
    }
}

/// LightGBM's `kZeroThreshold`: values this close to zero are zero.
const ZERO_THRESHOLD: f32 = 1e-35;

impl Forest {
    pub fn new(num_features: usize) -> Self {
        Forest {
            storage: Storage::Owned {
                roots: Vec::new(),
                nodes: Vec::new(),
                leaves: Vec::new(),
            },
            num_features,
        }
    }

    pub fn num_features(&self) -> usize {
        self.num_features
    }

    pub fn num_trees(&self) -> usize {
        self.parts().0.len()
    }

    /// Whether the arrays are a file image shared with other processes.
    pub fn is_shared(&self) -> bool {
        matches!(self.storage, Storage::Mapped(_))
    }

    /// Roots, nodes and leaves.
    pub(crate) fn parts(&self) -> (&[Root], &[Packed], &[f64]) {
        match &self.storage {
            Storage::Owned {
                roots,
                nodes,
                leaves,
            } => (roots, nodes, leaves),
            Storage::Mapped(image) => image.parts(),
        }
    }

    /// A forest over a mapped image (whose arrays [`Forest::push_tree`] checked when the
    /// image was written from an owned forest equal to it, byte for byte).
    pub(crate) fn mapped(image: std::sync::Arc<crate::shared_trees::Image>) -> Forest {
        let num_features = image.num_features();
        Forest {
            storage: Storage::Mapped(image),
            num_features,
        }
    }

    /// Adds one tree given in local indices (children `>= 0` are nodes of this tree, `< 0` are
    /// `!leaf` of this tree). Checks every index, and that the nodes form a tree from node 0.
    pub fn push_tree(&mut self, nodes: &[Node], leaves: &[f64], group: u32) -> Result<(), String> {
        let num_features = self.num_features;
        let Storage::Owned {
            roots,
            nodes: all_nodes,
            leaves: all_leaves,
        } = &mut self.storage
        else {
            return Err("a shared forest cannot grow".into());
        };
        if leaves.is_empty() {
            return Err("a tree without leaves".into());
        }
        if nodes.is_empty() {
            if leaves.len() != 1 {
                return Err("a tree without splits must have exactly one leaf".into());
            }
            roots.push(Root {
                at: !(all_leaves.len() as i32),
                group,
            });
            all_leaves.extend_from_slice(leaves);
            return Ok(());
        }
        let (node_base, leaf_base) = (all_nodes.len(), all_leaves.len());
        if node_base + nodes.len() > i32::MAX as usize / 2
            || leaf_base + leaves.len() > i32::MAX as usize / 2
        {
            return Err("model too large".into());
        }
        // Each node and leaf must be reached exactly once from the root: no cycles, no sharing.
        let mut node_seen = vec![false; nodes.len()];
        let mut leaf_seen = vec![false; leaves.len()];
        node_seen[0] = true;
        let relocate = |child: i32, node_seen: &mut [bool], leaf_seen: &mut [bool]| {
            if child >= 0 {
                let c = child as usize;
                if c >= nodes.len() || std::mem::replace(&mut node_seen[c], true) {
                    return Err(format!("bad child node {child}"));
                }
                Ok((node_base + c) as i32)
            } else {
                let l = !child as usize;
                if l >= leaves.len() || std::mem::replace(&mut leaf_seen[l], true) {
                    return Err(format!("bad leaf {l}"));
                }
                Ok(!((leaf_base + l) as i32))
            }
        };
        let mut relocated = Vec::with_capacity(nodes.len());
        for node in nodes {
            if node.feature as usize >= num_features || node.feature > FEATURE_MASK {
                return Err(format!(
                    "split on feature {} of a model with {} features",
                    node.feature, num_features
                ));
            }
            let left = relocate(node.left, &mut node_seen, &mut leaf_seen)?;
            let right = relocate(node.right, &mut node_seen, &mut leaf_seen)?;
            relocated.push(Packed::pack(node, left, right));
        }
        if node_seen.contains(&false) || leaf_seen.contains(&false) {
            return Err("a tree with unreachable nodes".into());
        }
        all_nodes.extend(relocated);
        all_leaves.extend_from_slice(leaves);
        roots.push(Root {
            at: node_base as i32,
            group,
        });
        Ok(())
    }

    /// The leaf index that `row` reaches from `at`.
    #[inline]
    fn leaf(nodes: &[Packed], mut at: i32, row: &[f32]) -> usize {
        while at >= 0 {
            let Some(node) = nodes.get(at as usize) else {
                break;
            };
            let feature = (node.meta & FEATURE_MASK) as usize;
            let mut x = row.get(feature).copied().unwrap_or(f32::NAN);
            let go_default = match node.meta >> MISSING_SHIFT {
                0 => x.is_nan(),
                1 => {
                    if x.is_nan() {
                        x = 0.0;
                    }
                    false
                }
                _ => x.is_nan() || x.abs() <= ZERO_THRESHOLD,
            };
            let left = if go_default {
                node.meta & DEFAULT_LEFT != 0
            } else {
                x < node.threshold
            };
            at = if left { node.left } else { node.right };
        }
        !at as usize
    }

    /// Adds each tree's leaf for `row` to `out[group]` (which holds the base margins).
    pub fn accumulate(&self, row: &[f32], sum: Sum, out: &mut [f64]) {
        let (roots, nodes, leaves) = self.parts();
        let value = |root: i32| {
            leaves
                .get(Self::leaf(nodes, root, row))
                .copied()
                .unwrap_or(f64::NAN)
        };
        match sum {
            Sum::F64 => {
                for root in roots {
                    if let Some(o) = out.get_mut(root.group as usize) {
                        *o += value(root.at);
                    }
                }
            }
            Sum::F32 => {
                let mut acc: [f32; 16] = [0.0; 16];
                if out.len() <= acc.len() {
                    for (a, o) in acc.iter_mut().zip(out.iter()) {
                        *a = *o as f32;
                    }
                    for root in roots {
                        if let Some(a) = acc.get_mut(root.group as usize) {
                            *a += value(root.at) as f32;
                        }
                    }
                    for (o, a) in out.iter_mut().zip(acc.iter()) {
                        *o = *a as f64;
                    }
                } else {
                    let mut acc: Vec<f32> = out.iter().map(|&o| o as f32).collect();
                    for root in roots {
                        if let Some(a) = acc.get_mut(root.group as usize) {
                            *a += value(root.at) as f32;
                        }
                    }
                    for (o, a) in out.iter_mut().zip(acc) {
                        *o = a as f64;
                    }
                }
            }
        }
    }
}

/// The smallest f32 `t` with `x as f64 <= threshold  <=>  x < t` for every f32 `x`: turns
/// LightGBM's `x <= threshold` (in f64) into this forest's `x < t` (in f32).
pub(crate) fn below_or_equal(threshold: f64) -> f32 {
    if threshold.is_nan() {
        return f32::NAN;
    }
    // The largest f32 not above the threshold, then the next f32 up.
    let mut t = threshold as f32;
    if (t as f64) > threshold {
        t = next_down(t);
    }
    next_up(t)
}

fn next_up(x: f32) -> f32 {
    if x.is_nan() || x == f32::INFINITY {
        return x;
    }
    if x == 0.0 {
        return f32::from_bits(1);
    }
    let bits = x.to_bits();
    f32::from_bits(if x > 0.0 { bits + 1 } else { bits - 1 })
}

fn next_down(x: f32) -> f32 {
    -next_up(-x)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(feature: u32, threshold: f32, left: i32, right: i32) -> Node {
        Node {
            threshold,
            feature,
            left,
            right,
            default_left: true,
            missing: Missing::NanDefault,
        }
    }

    #[test]
    fn walks_trees_and_sums_by_group() {
        let mut f = Forest::new(2);
        // x0 < 1 ? (x1 < 5 ? 1 : 2) : 3
        f.push_tree(
            &[split(0, 1.0, 1, !2), split(1, 5.0, !0, !1)],
            &[1.0, 2.0, 3.0],
            0,
        )
        .unwrap();
        f.push_tree(&[], &[10.0], 1).unwrap();
        let mut out = [0.5, 0.0];
        f.accumulate(&[0.0, 7.0], Sum::F64, &mut out);
        assert_eq!(out, [2.5, 10.0]);
        let mut out = [0.0, 0.0];
        f.accumulate(&[f32::NAN, 1.0], Sum::F32, &mut out);
        assert_eq!(out, [1.0, 10.0], "NaN goes the default way (left)");
        let mut out = [0.0, 0.0];
        f.accumulate(&[2.0, 1.0], Sum::F32, &mut out);
        assert_eq!(out[0], 3.0);
    }

    #[test]
    fn malformed_trees_are_refused() {
        let mut f = Forest::new(2);
        assert!(f
            .push_tree(&[split(2, 1.0, !0, !1)], &[1.0, 2.0], 0)
            .is_err());
        assert!(f
            .push_tree(&[split(0, 1.0, !0, !0)], &[1.0, 2.0], 0)
            .is_err());
        assert!(f
            .push_tree(&[split(0, 1.0, 0, !1)], &[1.0, 2.0], 0)
            .is_err());
        assert!(f
            .push_tree(&[split(0, 1.0, !0, !1)], &[1.0, 2.0, 3.0], 0)
            .is_err());
        assert!(f.push_tree(&[], &[1.0, 2.0], 0).is_err());
        assert_eq!(f.num_trees(), 0);
    }

    #[test]
    fn less_or_equal_becomes_less_than() {
        for t in [
            0.5f64,
            1.0 / 3.0,
            -2.75,
            0.0,
            1e-40,
            -1e-40,
            1e300,
            -1e300,
            3.4e38,
        ] {
            let s = below_or_equal(t);
            for x in [
                t as f32,
                next_up(t as f32),
                next_down(t as f32),
                0.0,
                -0.0,
                1.0,
                f32::MAX,
                f32::MIN,
            ] {
                assert_eq!((x as f64) <= t, x < s, "x={x} t={t} s={s}");
            }
        }
    }
}
