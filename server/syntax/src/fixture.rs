//! Test fixtures as text: `//- /path` headers start a file, `$0` marks the
//! cursor. A fixture without a header is one runbook, `/runbook.md`.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixtureFile {
    /// Workspace-relative, starting with `/`.
    pub path: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixture {
    pub files: Vec<FixtureFile>,
    /// The file index and byte offset of `$0`, if the fixture has one.
    pub cursor: Option<(usize, usize)>,
}

pub const CURSOR_MARKER: &str = "$0";
pub const DEFAULT_PATH: &str = "/runbook.md";

impl Fixture {
    pub fn parse(fixture: &str) -> Fixture {
        let mut files: Vec<FixtureFile> = Vec::new();
        for line in fixture.split_inclusive('\n') {
            if let Some(path) = line.strip_prefix("//- ") {
                files.push(FixtureFile { path: path.trim().to_string(), text: String::new() });
                continue;
            }
            if files.is_empty() {
                files.push(FixtureFile { path: DEFAULT_PATH.to_string(), text: String::new() });
            }
            files.last_mut().expect("a file was just pushed").text.push_str(line);
        }
        let mut cursor = None;
        for (index, file) in files.iter_mut().enumerate() {
            if let Some(offset) = file.text.find(CURSOR_MARKER) {
                assert!(cursor.is_none(), "a fixture has at most one {CURSOR_MARKER}");
                file.text.replace_range(offset..offset + CURSOR_MARKER.len(), "");
                cursor = Some((index, offset));
            }
        }
        Fixture { files, cursor }
    }

    /// The file holding the cursor, else the first markdown file.
    pub fn main_file(&self) -> usize {
        self.cursor
            .map(|(file, _)| file)
            .unwrap_or_else(|| self.files.iter().position(|file| file.path.ends_with(".md")).unwrap_or(0))
    }

    pub fn cursor_offset(&self) -> usize {
        self.cursor.expect("the fixture has a $0 cursor").1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_and_cursor() {
        let fixture = Fixture::parse("//- /a.md\n# A$0\n//- /node-keys/x/src/index.ts\nexport {}\n");
        assert_eq!(fixture.files.len(), 2);
        assert_eq!(fixture.files[0].text, "# A\n");
        assert_eq!(fixture.cursor, Some((0, 3)));
        assert_eq!(fixture.files[1].path, "/node-keys/x/src/index.ts");
        let single = Fixture::parse("text");
        assert_eq!(single.files[0].path, DEFAULT_PATH);
    }
}
