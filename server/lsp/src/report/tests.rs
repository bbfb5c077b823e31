//! The report of the demo workspace as snapshots (refresh with
//! `UPDATE_EXPECT=1`), and workspace text that tries to become markup.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use expect_test::expect_file;
use runbook_ide::{AnalysisHost, IndexScope};
use runbook_keys::fs::MemoryFs;
use runbook_syntax::fixture::Fixture;

use super::{Report, html, json, report};

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/demo")
}

#[test]
fn demo_workspace_html() {
    let report = report(&[demo()], None).unwrap();
    expect_file!["../../../../tests/report/demo.html"].assert_eq(&html::render(&report));
}

#[test]
fn demo_workspace_json() {
    let report = report(&[demo()], None).unwrap();
    expect_file!["../../../../tests/report/demo.json"].assert_eq(&json::render(&report));
}

/// A report of a fixture workspace held in memory under `/ws`.
fn fixture_report(fixture: &str) -> Report {
    let fixture = Fixture::parse(fixture);
    let root = PathBuf::from("/ws");
    let fs = Arc::new(MemoryFs::from_fixture(&fixture, &root));
    let mut host = AnalysisHost::new(root, fs);
    let config_file = host.analysis().read_config_file();
    host.set_settings(config_file, Vec::new());
    let index = host.analysis().build_index(&IndexScope::Workspace);
    host.set_index(index);
    Report { workspace: "<ws name=\"x\">".to_string(), inventory: host.analysis().inventory() }
}

/// The names of the elements a page opens, in order.
fn tag_names(html: &str) -> Vec<String> {
    html.match_indices('<')
        .filter_map(|(at, _)| {
            let name: String = html[at + 1..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '!').collect();
            (!name.is_empty()).then_some(name.to_ascii_lowercase())
        })
        .collect()
}

#[test]
fn workspace_text_is_escaped_everywhere() {
    let report = fixture_report(
        r#"
//- /runbooks/<b>evil</b>.md
# Title <script>alert("title")</script>

### Action 1: Drop <img src=x onerror=alert(1)> (IRREVERSIBLE)

**Precondition**: [click](javascript:alert(document.cookie)) and `</code><script>`

- **KEY**: `node-evil`
- **Side Effects**: "><script>alert('attr')</script>

**Rollback**: <iframe src="javascript:alert(2)"></iframe>

```typescript
import { go } from '@/node-keys/evil/src';
await go();
```
//- /node-keys/evil/key.json
{ "slug": "evil", "title": "<script>alert('title')</script>", "description": "See <a href=\"javascript:alert(1)\">docs</a> & <script src=https://evil.example/x.js></script>", "side_effects": ["Sets \" onmouseover=\"alert(3)"] }
//- /node-keys/evil/src/index.ts
/** @sideEffect <style>body{display:none}</style> */
export function go() {}
"#,
    );
    let page = html::render(&report);
    let mut allowed = vec![
        "!doctype", "html", "head", "meta", "title", "style", "body", "header", "h1", "p", "code", "nav", "label",
        "select", "option", "span", "section", "h2", "div", "h3", "ul", "li", "table", "tr", "th", "td", "main",
        "article", "dl", "dt", "dd", "br", "script",
    ];
    allowed.sort_unstable();
    let unexpected: Vec<String> =
        tag_names(&page).into_iter().filter(|name| allowed.binary_search(&name.as_str()).is_err()).collect();
    assert_eq!(unexpected, Vec::<String>::new(), "{page}");
    // Exactly one script (ours), one style (ours), no link or source anywhere.
    assert_eq!(page.matches("<script").count(), 1, "{page}");
    assert_eq!(page.matches("<style").count(), 1, "{page}");
    // No element has a link, a source or an event handler: workspace text
    // reaches attributes only as escaped values of `data-` and `value`.
    for tag in page.split('<').skip(1).map(|rest| rest.split('>').next().unwrap_or_default()) {
        let attributes = tag.split_whitespace().filter_map(|part| Some(part.split_once('=')?.0));
        for name in attributes {
            let forbidden = ["href", "src", "style", "action", "formaction"].contains(&name) || name.starts_with("on");
            assert!(!forbidden, "<{tag}> has {name}");
        }
    }
    // The text is all there, as text.
    for shown in [
        "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;",
        "See &lt;a href=&quot;javascript:alert(1)&quot;&gt;docs&lt;/a&gt; &amp; &lt;script src=https://evil.example/x.js&gt;&lt;/script&gt;",
        "[click](javascript:alert(document.cookie))",
        "<code>&lt;/code&gt;&lt;script&gt;</code>",
        "&lt;img src=x onerror=alert(1)&gt;",
        "Sets &quot; onmouseover=&quot;alert(3)",
        "&lt;style&gt;body{display:none}&lt;/style&gt;",
        "<code>runbooks/&lt;b&gt;evil&lt;/b&gt;.md</code>",
        "<title>Runbook audit report: &lt;ws name=&quot;x&quot;&gt;</title>",
    ] {
        assert!(page.contains(shown), "{shown} not in {page}");
    }
    // JSON carries the same text unescaped for HTML: it is data, not a page.
    let data = json::render(&report);
    assert!(data.contains(r#""title": "<script>alert('title')</script>""#), "{data}");
}

#[test]
fn a_page_without_scripts_shows_no_dead_filters() {
    let page = html::render(&fixture_report("//- /runbooks/a.md\n### Action 1: Look (SAFE)\n"));
    assert!(page.contains(r#"<nav id="filters" class="filters" aria-label="Filters" hidden>"#), "{page}");
    assert!(page.contains(r#"data-class="SAFE" data-keys="""#), "{page}");
}
