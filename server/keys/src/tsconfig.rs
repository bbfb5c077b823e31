//! Where the `@/` import alias points: `compilerOptions.paths["@/*"]` of the
//! workspace's `tsconfig.json`, else the workspace root (SPEC 1).

use std::path::{Component, Path, PathBuf};

use jsonc_parser::ast::{ObjectPropName, Value};
use jsonc_parser::{CollectOptions, ParseOptions};

use crate::fs::FileSystem;

pub(crate) const TSCONFIG: &str = "tsconfig.json";

/// The folder `@/` stands for. A `tsconfig.json` that cannot be read or does
/// not map `@/*` leaves the default; `extends` is not followed.
pub(crate) fn alias_dir(fs: &dyn FileSystem, workspace_root: &Path) -> PathBuf {
    let path = workspace_root.join(TSCONFIG);
    fs.read_to_string(&path)
        .ok()
        .and_then(|text| mapped_alias_dir(&text, workspace_root))
        .unwrap_or_else(|| normalize(workspace_root))
}

fn mapped_alias_dir(text: &str, workspace_root: &Path) -> Option<PathBuf> {
    // tsconfig.json is JSONC: comments and trailing commas are allowed.
    let parsed = jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &ParseOptions::default()).ok()?;
    let Some(Value::Object(config)) = parsed.value else { return None };
    let Some(Value::Object(options)) = last_property(&config, "compilerOptions") else { return None };
    let base = match last_property(options, "baseUrl") {
        Some(Value::StringLit(base_url)) => workspace_root.join(base_url.value.as_ref()),
        _ => workspace_root.to_path_buf(),
    };
    let Some(Value::Object(paths)) = last_property(options, "paths") else { return None };
    let Some(Value::Array(targets)) = last_property(paths, "@/*") else { return None };
    let first = targets.elements.iter().find_map(|target| match target {
        Value::StringLit(target) => target.value.strip_suffix('*').map(str::to_string),
        _ => None,
    })?;
    Some(normalize(&base.join(first)))
}

/// The value of the last property named `name` (JSON.parse keeps the last).
pub(crate) fn last_property<'v, 'a>(object: &'v jsonc_parser::ast::Object<'a>, name: &str) -> Option<&'v Value<'a>> {
    object
        .properties
        .iter()
        .rev()
        .find(|property| property_name(&property.name) == name)
        .map(|property| &property.value)
}

pub(crate) fn property_name<'v>(name: &'v ObjectPropName<'_>) -> &'v str {
    match name {
        ObjectPropName::String(string) => string.value.as_ref(),
        ObjectPropName::Word(word) => word.value,
    }
}

/// Resolves `.` and `..` without touching the disk (the path may not exist,
/// and a symlink must not be followed).
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut normalized = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !normalized.pop() {
                    normalized.push(component);
                }
            }
            component => normalized.push(component),
        }
    }
    normalized
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_alias() {
        let root = Path::new("/ws");
        let with_base = r#"{
  // comments are fine in tsconfig.json
  "compilerOptions": { "baseUrl": "./app", "paths": { "@/*": ["./src/*", "./other/*"], }, },
}"#;
        assert_eq!(mapped_alias_dir(with_base, root), Some(PathBuf::from("/ws/app/src/")));
        let plain = r#"{ "compilerOptions": { "paths": { "@/*": ["./*"] } } }"#;
        assert_eq!(mapped_alias_dir(plain, root), Some(PathBuf::from("/ws")));
        assert_eq!(mapped_alias_dir(r#"{ "compilerOptions": {} }"#, root), None);
        assert_eq!(mapped_alias_dir("not json", root), None);
        assert_eq!(normalize(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
    }
}
