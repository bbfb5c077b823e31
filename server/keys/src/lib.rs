//! The KEY catalog (SPEC 1): which KEYs exist under the key roots, their
//! manifests and their exports. Reads only through `fs::FileSystem`; knows
//! nothing of LSP.

mod catalog;
mod exports;
pub mod fs;
mod gitignore;
mod jsdoc;
mod load;
mod manifest;
mod model;
mod module_resolution;
mod similarity;
mod tsconfig;

#[cfg(test)]
mod tests;

pub use crate::catalog::KeyCatalog;
pub use crate::load::ENTRY_FILES;
pub use crate::manifest::MANIFEST;
pub use crate::model::*;
pub use crate::module_resolution::SCRIPT_EXTENSIONS;
