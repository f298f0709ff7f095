//! Trees shared between processes.
//!
//! Each PostgreSQL backend that predicts with a model builds the model's [`Forest`] (about
//! 180 KB for 100 trees of depth 6). With a hundred backends predicting, a hundred private
//! copies no longer fit the CPU caches, and one-row prediction, a few hundred scattered node
//! reads, becomes cache-miss bound. So the forest's arrays are written once as a file image,
//! named by a hash of its bytes, and every process maps that same file: the page cache holds
//! one copy, which stays in the caches for all of them.
//!
//! Safety of the mapping rests on two rules: an image file is never changed in place (it is
//! written under a temporary name and renamed, so a mapped file stays as it was mapped), and
//! a process only uses an image whose bytes equal, byte for byte, the image of the forest it
//! has just built and checked itself. Anything that goes wrong (no directory, no space, a
//! foreign file) leaves the process with its own copy: sharing is an optimisation only.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use sha2::{Digest, Sha256};

use crate::trees::{Forest, Packed, Root};

/// Where images are shared; `None` (the default) keeps every forest private.
static DIRECTORY: RwLock<Option<PathBuf>> = RwLock::new(None);

/// Prefix of image file names. PostgreSQL removes the files of `base/pgsql_tmp` whose name
/// starts with `pgsql_tmp` when it starts, so images written there live until the next
/// restart and are left out of base backups.
const FILE_PREFIX: &str = "pgsql_tmp_pgml_forest_";

const MAGIC: &[u8; 8] = b"PGMLFOR1";
const HEADER: usize = 48;

/// Shares the trees of the models loaded from now on through image files in `dir` (created
/// if missing), or stops sharing (`None`).
pub fn share_trees_in(dir: Option<PathBuf>) {
    if let Ok(mut d) = DIRECTORY.write() {
        *d = dir;
    }
}

fn directory() -> Option<PathBuf> {
    DIRECTORY.read().ok().and_then(|d| d.clone())
}

/// A forest's image, mapped from its file.
pub(crate) struct Image {
    map: memmap2::Mmap,
    num_features: usize,
    roots: std::ops::Range<usize>,
    nodes: std::ops::Range<usize>,
    leaves: std::ops::Range<usize>,
}

impl Image {
    pub fn num_features(&self) -> usize {
        self.num_features
    }

    /// Roots, nodes and leaves (each range was checked to cast when the image was mapped).
    pub fn parts(&self) -> (&[Root], &[Packed], &[f64]) {
        let bytes = &self.map[..];
        let cast = |r: &std::ops::Range<usize>| bytes.get(r.clone()).unwrap_or_default();
        (
            bytemuck::try_cast_slice(cast(&self.roots)).unwrap_or_default(),
            bytemuck::try_cast_slice(cast(&self.nodes)).unwrap_or_default(),
            bytemuck::try_cast_slice(cast(&self.leaves)).unwrap_or_default(),
        )
    }
}

/// The byte image of a forest: a header (magic, feature count, array lengths), then roots,
/// nodes and leaves, each 8-byte aligned.
fn image_bytes(forest: &Forest) -> Vec<u8> {
    let (roots, nodes, leaves) = forest.parts();
    let mut out = Vec::with_capacity(
        HEADER + std::mem::size_of_val(roots) + std::mem::size_of_val(nodes) + leaves.len() * 8,
    );
    out.extend_from_slice(MAGIC);
    for n in [
        forest.num_features(),
        roots.len(),
        nodes.len(),
        leaves.len(),
    ] {
        out.extend_from_slice(&(n as u64).to_le_bytes());
    }
    out.resize(HEADER, 0);
    out.extend_from_slice(bytemuck::cast_slice(roots));
    out.extend_from_slice(bytemuck::cast_slice(nodes));
    out.extend_from_slice(bytemuck::cast_slice(leaves));
    out
}

/// The forest itself, or, when a sharing directory is set and everything works, the same
/// forest over the shared image.
pub(crate) fn share(forest: Forest) -> Forest {
    let Some(dir) = directory() else {
        return forest;
    };
    match map_shared(&forest, &dir) {
        Ok(image) => Forest::mapped(Arc::new(image)),
        Err(_) => forest,
    }
}

fn map_shared(forest: &Forest, dir: &Path) -> std::io::Result<Image> {
    let bytes = image_bytes(forest);
    let hash: String = Sha256::digest(&bytes)
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect();
    let path = dir.join(format!("{FILE_PREFIX}{hash}"));
    if let Ok(image) = map_if_equal(&path, forest, &bytes) {
        return Ok(image);
    }
    fs::create_dir_all(dir)?;
    let temp = dir.join(format!("{FILE_PREFIX}{hash}.{}.tmp", std::process::id()));
    let written = File::create(&temp)
        .and_then(|mut f| f.write_all(&bytes))
        .and_then(|()| fs::rename(&temp, &path));
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written?;
    map_if_equal(&path, forest, &bytes)
}

/// Maps `path` if it holds exactly `bytes`.
fn map_if_equal(path: &Path, forest: &Forest, bytes: &[u8]) -> std::io::Result<Image> {
    let file = File::open(path)?;
    // SAFETY: image files are never modified in place (written under another name, then
    // renamed over), so the mapping stays as read; it is used only if equal to `bytes`.
    let map = unsafe { memmap2::Mmap::map(&file)? };
    if map[..] != *bytes {
        return Err(std::io::Error::other("a different image under this name"));
    }
    let (roots, nodes, _) = forest.parts();
    let roots_end = HEADER + std::mem::size_of_val(roots);
    let nodes_end = roots_end + std::mem::size_of_val(nodes);
    let image = Image {
        map,
        num_features: forest.num_features(),
        roots: HEADER..roots_end,
        nodes: roots_end..nodes_end,
        leaves: nodes_end..bytes.len(),
    };
    if image.parts() != forest.parts() {
        return Err(std::io::Error::other("the image does not map back"));
    }
    Ok(image)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trees::{Missing, Node, Sum};

    fn forest() -> Forest {
        let mut f = Forest::new(3);
        let split = |feature, threshold, left, right| Node {
            threshold,
            feature,
            left,
            right,
            default_left: false,
            missing: Missing::ZeroDefault,
        };
        f.push_tree(
            &[split(0, 1.0, 1, !2), split(2, 5.0, !0, !1)],
            &[1.0, 2.0, 3.5],
            0,
        )
        .unwrap();
        f.push_tree(&[], &[0.25], 0).unwrap();
        f
    }

    #[test]
    fn a_shared_forest_predicts_as_its_own_copy_and_is_found_again() {
        let dir = std::env::temp_dir().join(format!("pgml-boost-shared-{}", std::process::id()));
        let own = forest();
        let a = map_shared(&own, &dir).map(|i| Forest::mapped(Arc::new(i)));
        let a = a.unwrap();
        assert!(a.is_shared());
        assert_eq!(a, own);
        for row in [[0.0, 0.0, 7.0], [2.0, 0.0, 0.0], [f32::NAN, 1.0, 1.0]] {
            let (mut x, mut y) = ([0.0], [0.0]);
            own.accumulate(&row, Sum::F64, &mut x);
            a.accumulate(&row, Sum::F64, &mut y);
            assert_eq!(x, y);
        }
        // A second process (here: a second call) maps the same file; no temporary is left.
        let b = map_shared(&own, &dir).unwrap();
        assert_eq!(Forest::mapped(Arc::new(b)), own);
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        assert!(names[0].starts_with(FILE_PREFIX));
        // A file of the same name with other bytes is replaced, never used.
        let path = dir.join(&names[0]);
        fs::write(&path, b"PGMLFOR1 and then something else").unwrap();
        let c = map_shared(&own, &dir).unwrap();
        assert_eq!(Forest::mapped(Arc::new(c)), own);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn without_a_directory_forests_stay_private() {
        share_trees_in(None);
        assert!(!share(forest()).is_shared());
    }
}
