//! How a module path names a file of a KEY: TypeScript's extension and
//! `index` rules applied to the KEY's file list, never leaving the KEY folder.

/// The extensions tried after a module path without one, in TypeScript's
/// order (sources before declarations before JavaScript).
const EXTENSIONS: [&str; 9] = [".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".mts", ".cjs", ".cts"];

/// The extensions a module path may already end with: the files a KEY's
/// exports can be read from.
pub const SCRIPT_EXTENSIONS: [&str; 8] = [".ts", ".tsx", ".js", ".jsx", ".mjs", ".mts", ".cjs", ".cts"];

/// Normalises `path` (a `/`-separated path relative to the KEY folder, after
/// `base`'s folder), resolving `.` and `..`. `None` when it climbs out of the
/// KEY folder: such imports are ignored, the KEY is read on its own.
pub(crate) fn join_relative(base_dir: &str, path: &str) -> Option<String> {
    let mut parts: Vec<&str> = base_dir.split('/').filter(|part| !part.is_empty()).collect();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// The folder part of a `/`-separated relative path (`src` for `src/index.ts`).
pub(crate) fn parent_dir(path: &str) -> &str {
    path.rfind('/').map_or("", |slash| &path[..slash])
}

/// The file of `files` (sorted, relative to the KEY folder) that the module
/// path `module` (normalised, relative to the KEY folder; empty for the folder
/// itself) names, the way TypeScript's bundler resolution finds it.
pub(crate) fn resolve_module<'a>(files: &'a [String], module: &str) -> Option<&'a str> {
    // Candidates are looked up as `prefix + suffix` without building them:
    // this runs for every import on every keystroke.
    let find = |prefix: &str, suffix: &str| -> Option<&'a str> {
        files
            .binary_search_by(|file| compare_concatenation(file, prefix, suffix))
            .ok()
            .map(|index| files[index].as_str())
    };
    // `./x.js` in TypeScript source names `x.ts`: ESM imports spell the
    // extension of the emitted file.
    for (written, sources) in
        [(".js", &[".ts", ".tsx"][..]), (".jsx", &[".tsx"]), (".mjs", &[".mts"]), (".cjs", &[".cts"])]
    {
        if let Some(stem) = module.strip_suffix(written) {
            for source in sources {
                if let Some(file) = find(stem, source) {
                    return Some(file);
                }
            }
        }
    }
    if SCRIPT_EXTENSIONS.iter().any(|extension| module.ends_with(extension))
        && let Some(file) = find(module, "")
    {
        return Some(file);
    }
    if !module.is_empty() {
        for extension in EXTENSIONS {
            if let Some(file) = find(module, extension) {
                return Some(file);
            }
        }
    }
    let index = if module.is_empty() { String::from("index") } else { format!("{module}/index") };
    EXTENSIONS.iter().find_map(|extension| find(&index, extension))
}

/// How `file` orders against the string `prefix + suffix`.
fn compare_concatenation(file: &str, prefix: &str, suffix: &str) -> std::cmp::Ordering {
    let file = file.as_bytes();
    let split = prefix.len().min(file.len());
    file[..split].cmp(prefix.as_bytes()).then_with(|| {
        if file.len() < prefix.len() { std::cmp::Ordering::Less } else { file[split..].cmp(suffix.as_bytes()) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_like_typescript() {
        let mut files: Vec<String> =
            ["src/a.ts", "src/b.tsx", "src/c/index.ts", "src/d.js", "src/e.ts", "src/e.js", "src/index.ts"]
                .into_iter()
                .map(String::from)
                .collect();
        files.sort();
        assert_eq!(resolve_module(&files, "src/a"), Some("src/a.ts"));
        assert_eq!(resolve_module(&files, "src/a.js"), Some("src/a.ts"));
        assert_eq!(resolve_module(&files, "src/b"), Some("src/b.tsx"));
        assert_eq!(resolve_module(&files, "src/c"), Some("src/c/index.ts"));
        assert_eq!(resolve_module(&files, "src/d"), Some("src/d.js"));
        assert_eq!(resolve_module(&files, "src/d.js"), Some("src/d.js"));
        assert_eq!(resolve_module(&files, "src/e.js"), Some("src/e.ts"));
        assert_eq!(resolve_module(&files, "src"), Some("src/index.ts"));
        assert_eq!(resolve_module(&files, "src/missing"), None);
        assert_eq!(resolve_module(&files, ""), None);
        assert_eq!(join_relative("src/handlers", "../types"), Some("src/types".to_string()));
        assert_eq!(join_relative("src", "./a/./b"), Some("src/a/b".to_string()));
        assert_eq!(join_relative("src", "../../outside"), None);
        assert_eq!(parent_dir("src/index.ts"), "src");
        assert_eq!(parent_dir("index.ts"), "");
    }
}
