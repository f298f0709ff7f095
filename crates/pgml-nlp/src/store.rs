//! The local model store: a folder of models, referenced by their usual names.
//!
//! A model is either a Hugging Face folder (`config.json`, `tokenizer.json`, `*.safetensors`),
//! served by the embedding engine, or a GGUF file, served by the generation engine. Names are
//! paths relative to the store's root (`sentence-transformers/all-MiniLM-L6-v2`,
//! `HuggingFaceTB/SmolLM2-135M-Instruct`); an absolute path works too. Nothing is ever
//! downloaded: an unknown name is an error that lists what is installed.

use std::fs;
use std::path::{Component, Path, PathBuf};

use pgml_core::{Error, Result, SqlState};

/// What kind of model a store entry holds, which decides the engine that serves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelKind {
    /// A Hugging Face folder with safetensors weights (BERT-family encoders).
    HuggingFace,
    /// A GGUF file (llama.cpp).
    Gguf,
}

impl ModelKind {
    /// The name shown by `pgml.models_available()`.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelKind::HuggingFace => "huggingface",
            ModelKind::Gguf => "gguf",
        }
    }
}

/// One installed model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledModel {
    /// The name to pass to `pgml.embed` / `pgml.transform`.
    pub name: String,
    pub kind: ModelKind,
    /// The folder (Hugging Face) or file (GGUF) that holds it.
    pub path: PathBuf,
    /// Bytes on disk of the weights.
    pub bytes: u64,
}

/// A folder of models.
#[derive(Debug, Clone)]
pub struct ModelStore {
    root: PathBuf,
    /// Models may be named by absolute path (anywhere the server can read).
    absolute_paths: bool,
}

/// How deep below the root a model may sit (`org/name/file.gguf` is 3).
const MAX_DEPTH: usize = 3;

fn is_gguf(path: &Path) -> bool {
    path.is_file()
        && path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("gguf"))
}

pub(crate) fn files_with_extension(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case(ext)))
        .collect();
    files.sort();
    files
}

fn is_huggingface_folder(dir: &Path) -> bool {
    dir.join("config.json").is_file() && !files_with_extension(dir, "safetensors").is_empty()
}

fn size_of(paths: &[PathBuf]) -> u64 {
    paths
        .iter()
        .filter_map(|p| fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

fn hint_for(root: &Path) -> String {
    format!(
        "models are read from local files only, never downloaded: copy a Hugging Face folder \
         (config.json, tokenizer.json, *.safetensors) or a .gguf file under {} (setting \
         pgml.model_path), or pass an absolute path; pgml.models_available() lists what is installed",
        root.display()
    )
}

impl ModelStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        ModelStore {
            root: root.into(),
            absolute_paths: true,
        }
    }

    /// This store refuses models named by absolute path: the host's rule for users who may
    /// not read arbitrary server files (PostgreSQL: not superusers, not members of
    /// `pg_read_server_files`), whose models must lie below the root an administrator set.
    pub fn without_absolute_paths(self) -> Self {
        ModelStore {
            absolute_paths: false,
            ..self
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Every model under the root, sorted by name.
    pub fn list(&self) -> Vec<InstalledModel> {
        let mut found = Vec::new();
        self.walk(&self.root, 0, &mut found);
        found.sort_by(|a, b| a.name.cmp(&b.name));
        found
    }

    fn name_of(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .to_string_lossy()
            .into_owned()
    }

    fn walk(&self, dir: &Path, depth: usize, found: &mut Vec<InstalledModel>) {
        if let Some(model) = self.model_at(dir) {
            found.push(model);
            if model_is_folder_kind(found) {
                return;
            }
        }
        if depth >= MAX_DEPTH {
            return;
        }
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        let mut subdirs: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect();
        subdirs.sort();
        for sub in subdirs {
            self.walk(&sub, depth + 1, found);
        }
        // Several GGUF files in one folder: each is its own model, named by its file.
        let ggufs = files_with_extension(dir, "gguf");
        if ggufs.len() > 1 {
            for file in ggufs {
                found.push(InstalledModel {
                    name: self.name_of(&file),
                    kind: ModelKind::Gguf,
                    bytes: size_of(std::slice::from_ref(&file)),
                    path: file,
                });
            }
        }
    }

    /// The model a folder is, if it is one: a Hugging Face folder, or a folder holding exactly
    /// one GGUF file (named by the folder, as model hubs name it).
    fn model_at(&self, dir: &Path) -> Option<InstalledModel> {
        if dir != self.root && is_huggingface_folder(dir) {
            return Some(InstalledModel {
                name: self.name_of(dir),
                kind: ModelKind::HuggingFace,
                bytes: size_of(&files_with_extension(dir, "safetensors")),
                path: dir.to_path_buf(),
            });
        }
        let ggufs = files_with_extension(dir, "gguf");
        if dir != self.root && ggufs.len() == 1 {
            return Some(InstalledModel {
                name: self.name_of(dir),
                kind: ModelKind::Gguf,
                bytes: size_of(&ggufs),
                path: ggufs.into_iter().next()?,
            });
        }
        None
    }

    /// Finds `name`: an absolute path, or a path under the root. Names may not climb out of
    /// the root (`..`), so a user cannot read arbitrary files by naming them.
    pub fn resolve(&self, name: &str) -> Result<InstalledModel> {
        let trimmed = name.trim();
        if trimmed.is_empty() {
            return Err(Error::sql(
                SqlState::InvalidParameterValue,
                "the model name is empty",
                hint_for(&self.root),
            ));
        }
        let given = Path::new(trimmed);
        let path = if given.is_absolute() {
            if !self.absolute_paths {
                return Err(Error::sql(
                    SqlState::InsufficientPrivilege,
                    format!(
                        "only superusers and members of pg_read_server_files may name a model \
                         by absolute path ({trimmed})"
                    ),
                    hint_for(&self.root),
                ));
            }
            given.to_path_buf()
        } else {
            if given
                .components()
                .any(|c| !matches!(c, Component::Normal(_)))
            {
                return Err(Error::sql(
                    SqlState::InvalidParameterValue,
                    format!("model name {trimmed:?} must be a path below pgml.model_path"),
                    hint_for(&self.root),
                ));
            }
            self.root.join(given)
        };
        if is_gguf(&path) {
            return Ok(InstalledModel {
                name: trimmed.to_string(),
                kind: ModelKind::Gguf,
                bytes: size_of(std::slice::from_ref(&path)),
                path,
            });
        }
        if path.is_dir() {
            if let Some(mut model) = self.model_at(&path) {
                model.name = trimmed.to_string();
                return Ok(model);
            }
            let ggufs = files_with_extension(&path, "gguf");
            if ggufs.len() > 1 {
                let names: Vec<String> = ggufs.iter().map(|p| self.name_of(p)).collect();
                return Err(Error::sql(
                    SqlState::InvalidParameterValue,
                    format!(
                        "{trimmed:?} holds several GGUF files; name one of them: {}",
                        names.join(", ")
                    ),
                    hint_for(&self.root),
                ));
            }
            return Err(Error::sql(
                SqlState::UndefinedObject,
                format!(
                    "{} is not a model folder: it needs config.json and *.safetensors (a \
                     Hugging Face model) or a .gguf file",
                    path.display()
                ),
                hint_for(&self.root),
            ));
        }
        let installed: Vec<String> = self.list().into_iter().map(|m| m.name).collect();
        let listing = if installed.is_empty() {
            "none are installed".to_string()
        } else {
            format!("installed: {}", installed.join(", "))
        };
        Err(Error::sql(
            SqlState::UndefinedObject,
            format!(
                "model {trimmed:?} is not installed in {} ({listing})",
                self.root.display()
            ),
            hint_for(&self.root),
        ))
    }
}

/// A Hugging Face folder is a leaf: its subfolders (`1_Pooling`, `onnx`) are parts of it.
fn model_is_folder_kind(found: &[InstalledModel]) -> bool {
    found
        .last()
        .is_some_and(|m| m.kind == ModelKind::HuggingFace)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> (tempdir::Dir, ModelStore) {
        let dir = tempdir::Dir::new();
        let hf = dir.path().join("org/encoder");
        fs::create_dir_all(hf.join("1_Pooling")).unwrap();
        fs::write(hf.join("config.json"), "{}").unwrap();
        fs::write(hf.join("model.safetensors"), [0u8; 10]).unwrap();
        let one = dir.path().join("org/chat");
        fs::create_dir_all(&one).unwrap();
        fs::write(one.join("chat.Q4.gguf"), [0u8; 7]).unwrap();
        let two = dir.path().join("multi");
        fs::create_dir_all(&two).unwrap();
        fs::write(two.join("a.gguf"), [0u8; 1]).unwrap();
        fs::write(two.join("b.gguf"), [0u8; 2]).unwrap();
        let store = ModelStore::new(dir.path());
        (dir, store)
    }

    #[test]
    fn lists_folders_and_gguf_files() {
        let (_dir, store) = fixture();
        let names: Vec<(String, ModelKind, u64)> = store
            .list()
            .into_iter()
            .map(|m| (m.name, m.kind, m.bytes))
            .collect();
        assert_eq!(
            names,
            vec![
                ("multi/a.gguf".into(), ModelKind::Gguf, 1),
                ("multi/b.gguf".into(), ModelKind::Gguf, 2),
                ("org/chat".into(), ModelKind::Gguf, 7),
                ("org/encoder".into(), ModelKind::HuggingFace, 10),
            ]
        );
    }

    #[test]
    fn resolves_names_and_paths() {
        let (dir, store) = fixture();
        assert_eq!(
            store.resolve("org/encoder").unwrap().kind,
            ModelKind::HuggingFace
        );
        let chat = store.resolve("org/chat").unwrap();
        assert_eq!(chat.kind, ModelKind::Gguf);
        assert!(chat.path.ends_with("chat.Q4.gguf"));
        assert_eq!(store.resolve("multi/b.gguf").unwrap().bytes, 2);
        let absolute = dir.path().join("org/encoder");
        assert_eq!(
            store.resolve(absolute.to_str().unwrap()).unwrap().path,
            absolute
        );
        let restricted = store.without_absolute_paths();
        let err = restricted.resolve(absolute.to_str().unwrap()).unwrap_err();
        assert_eq!(err.sqlstate(), SqlState::InsufficientPrivilege);
        assert!(restricted.resolve("org/encoder").is_ok());
    }

    #[test]
    fn unknown_names_list_what_is_installed() {
        let (_dir, store) = fixture();
        let err = store.resolve("nobody/nothing").unwrap_err();
        assert_eq!(err.sqlstate(), SqlState::UndefinedObject);
        let text = err.to_string();
        assert!(
            text.contains("org/encoder") && text.contains("org/chat"),
            "{text}"
        );
        assert!(err.hint().unwrap().contains("never downloaded"));
        let err = store.resolve("multi").unwrap_err();
        assert!(err.to_string().contains("multi/a.gguf"), "{err}");
        let err = store.resolve("org").unwrap_err();
        assert!(err.to_string().contains("not a model folder"), "{err}");
    }

    #[test]
    fn names_cannot_climb_out_of_the_store() {
        let (_dir, store) = fixture();
        for name in ["../etc", "org/../../x", "./org/encoder", ""] {
            let err = store.resolve(name).unwrap_err();
            assert_eq!(err.sqlstate(), SqlState::InvalidParameterValue, "{name}");
        }
    }

    /// A temporary folder removed on drop (no extra dependency for one test helper).
    mod tempdir {
        use std::path::{Path, PathBuf};
        use std::sync::atomic::{AtomicUsize, Ordering};

        pub struct Dir(PathBuf);
        static NEXT: AtomicUsize = AtomicUsize::new(0);

        impl Dir {
            pub fn new() -> Dir {
                let n = NEXT.fetch_add(1, Ordering::SeqCst);
                let path = std::env::temp_dir()
                    .join(format!("pgml-store-test-{}-{n}", std::process::id()));
                let _ = std::fs::remove_dir_all(&path);
                std::fs::create_dir_all(&path).unwrap();
                Dir(path)
            }
            pub fn path(&self) -> &Path {
                &self.0
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }
}
