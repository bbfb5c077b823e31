//! Every tree-sitter query shipped in `grammars/` compiles against the grammar
//! it is written for (the version the server links), so a query that names a
//! node the grammar lacks fails here rather than silently in an editor.

use runbook_ls_tests::workspace_dir;
use tree_sitter::{Language, Query};

/// The grammar of a query folder: Neovim and Helix name the inline markdown
/// grammar differently.
fn language(folder: &str) -> Option<Language> {
    match folder {
        "markdown" => Some(tree_sitter_md::LANGUAGE.into()),
        "markdown_inline" | "markdown.inline" => Some(tree_sitter_md::INLINE_LANGUAGE.into()),
        _ => None,
    }
}

#[test]
fn every_query_compiles() {
    let queries = workspace_dir().join("grammars/queries");
    let mut n_checked = 0;
    for folder in std::fs::read_dir(&queries).unwrap() {
        let folder = folder.unwrap().path();
        let name = folder.file_name().unwrap().to_string_lossy().into_owned();
        let language = language(&name).unwrap_or_else(|| panic!("no grammar is known for grammars/queries/{name}"));
        for file in std::fs::read_dir(&folder).unwrap() {
            let file = file.unwrap().path();
            if file.extension().is_none_or(|extension| extension != "scm") {
                continue;
            }
            let source = std::fs::read_to_string(&file).unwrap();
            if let Err(error) = Query::new(&language, &source) {
                panic!("{}: {error}", file.display());
            }
            n_checked += 1;
        }
    }
    assert!(n_checked >= 2, "the Neovim and Helix highlight queries are there");
}
