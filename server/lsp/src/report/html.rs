//! `report --format html`: the inventory as one self-contained page. Inline
//! styles (print-friendly), a small inline script that filters Actions by
//! safety class and KEY, nothing loaded from elsewhere (a Content Security
//! Policy says so too). Every text from the workspace goes through `escape`
//! (or `inline`, which escapes); none becomes a link, a script or a style.

use std::fmt::Write;

use runbook_ide::inventory::{
    ActionInventory, ActionRef, Finding, KeyInventory, RunbookInventory, SideEffect, SideEffectSource, Summary,
};
use runbook_syntax::SafetyClass;

use crate::report::Report;

/// `&`, `<`, `>`, `"` and `'` as character references: safe in text and in
/// quoted attribute values alike.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// Escaped text with its markdown code spans (`` `x` ``) as `<code>`: the
/// one piece of markdown a runbook statement commonly carries. Anything else
/// (links, emphasis, HTML) stays literal text.
fn inline(text: &str) -> String {
    let pieces: Vec<&str> = text.split('`').collect();
    if pieces.len().is_multiple_of(2) {
        // An unpaired backtick: no code spans to speak of.
        return escape(text);
    }
    let mut html = String::new();
    for (index, piece) in pieces.iter().enumerate() {
        if index % 2 == 1 && !piece.is_empty() {
            let _ = write!(html, "<code>{}</code>", escape(piece));
        } else {
            html.push_str(&escape(piece));
        }
    }
    html
}

fn class_name(class: Option<SafetyClass>) -> &'static str {
    class.map_or("unclassified", SafetyClass::as_str)
}

/// The CSS class of a safety badge.
fn class_css(class: Option<SafetyClass>) -> &'static str {
    match class {
        Some(SafetyClass::Safe) => "safe",
        Some(SafetyClass::Reversible) => "reversible",
        Some(SafetyClass::Irreversible) => "irreversible",
        None => "unclassified",
    }
}

fn badge(class: Option<SafetyClass>) -> String {
    format!(r#"<span class="badge {}">{}</span>"#, class_css(class), class_name(class))
}

const STYLE: &str = r#"
:root { --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg-soft: #f6f8fa;
  --safe: #1a7f37; --reversible: #9a6700; --irreversible: #cf222e; --unclassified: #6e7781; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
  margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 28px; margin: 0 0 4px; }
h2 { font-size: 21px; margin: 32px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 16px; margin: 20px 0 6px; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--bg-soft);
  padding: 1px 4px; border-radius: 4px; }
.meta, .muted, .none { color: var(--muted); }
.filters { position: sticky; top: 0; background: #fff; border-bottom: 1px solid var(--line);
  padding: 8px 0; display: flex; gap: 16px; align-items: center; flex-wrap: wrap; z-index: 1; }
.filters select { font: inherit; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin: 12px 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 130px; }
.card .n { font-size: 24px; font-weight: 600; display: block; }
table { border-collapse: collapse; margin: 6px 0; }
td code { white-space: nowrap; }
th, td { text-align: left; padding: 3px 12px 3px 0; border-bottom: 1px solid var(--line); vertical-align: top; }
.badge { display: inline-block; font-size: 12px; font-weight: 700; letter-spacing: .03em; color: #fff;
  border-radius: 10px; padding: 0 8px; vertical-align: 2px; }
.badge.safe { background: var(--safe); } .badge.reversible { background: var(--reversible); }
.badge.irreversible { background: var(--irreversible); } .badge.unclassified { background: var(--unclassified); }
.action { border: 1px solid var(--line); border-left: 5px solid var(--unclassified); border-radius: 6px;
  padding: 4px 16px 10px; margin: 12px 0; }
.action.safe { border-left-color: var(--safe); } .action.reversible { border-left-color: var(--reversible); }
.action.irreversible { border-left-color: var(--irreversible); }
.action h3 { margin-top: 10px; }
.line { color: var(--muted); font-weight: normal; font-size: 13px; }
dl { display: grid; grid-template-columns: 170px 1fr; gap: 4px 12px; margin: 8px 0; }
dt { color: var(--muted); } dd { margin: 0; }
dd ul, .list { margin: 0; padding-left: 18px; }
.source { font-size: 11px; border: 1px solid var(--line); border-radius: 8px; padding: 0 6px; margin-left: 4px;
  color: var(--muted); white-space: nowrap; }
.source.action-source { border-color: var(--safe); color: var(--safe); }
.undeclared { color: var(--irreversible); font-size: 12px; margin-left: 4px; }
.findings { list-style: none; padding: 0; margin: 6px 0 0; }
.findings li { padding: 2px 0; }
.sev { font-size: 12px; font-weight: 700; text-transform: uppercase; margin-right: 6px; }
.sev.error { color: var(--irreversible); } .sev.warning { color: var(--reversible); }
.sev.info, .sev.hint { color: var(--muted); }
.unknown { color: var(--irreversible); font-size: 12px; }
[hidden] { display: none !important; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  .filters { display: none !important; }
  .action, .card, tr { break-inside: avoid; }
  h2 { break-after: avoid; }
  .badge { color: #000; border: 1px solid #000; background: none !important; }
  code { background: none; }
}
"#;

/// Hides the Actions that do not match the chosen class and KEY, and the
/// runbooks left without one. It reads only `data-` attributes, never text.
/// The choice lives in the address (`#class=SAFE&key=node-x`), so that a
/// filtered view can be shared; a value that is not an option selects all.
const SCRIPT: &str = r#"
(function () {
  var filters = document.getElementById('filters');
  var byClass = document.getElementById('filter-class');
  var byKey = document.getElementById('filter-key');
  var shown = document.getElementById('filter-count');
  var actions = document.querySelectorAll('article.action');
  var wanted = new URLSearchParams(location.hash.slice(1));
  byClass.value = wanted.get('class') || '';
  byKey.value = wanted.get('key') || '';
  if (byClass.selectedIndex < 0) byClass.value = '';
  if (byKey.selectedIndex < 0) byKey.value = '';
  function remember() {
    var chosen = new URLSearchParams();
    if (byClass.value) chosen.set('class', byClass.value);
    if (byKey.value) chosen.set('key', byKey.value);
    try { history.replaceState(null, '', '#' + chosen.toString()); } catch (e) { /* some file:// pages */ }
  }
  function apply() {
    var n = 0;
    actions.forEach(function (action) {
      var keep = (!byClass.value || action.dataset.class === byClass.value) &&
        (!byKey.value || action.dataset.keys.split(' ').indexOf(byKey.value) >= 0);
      action.hidden = !keep;
      if (keep) n += 1;
    });
    document.querySelectorAll('section.runbook').forEach(function (runbook) {
      runbook.hidden = (byClass.value || byKey.value) && !runbook.querySelector('article.action:not([hidden])');
    });
    shown.textContent = n + ' of ' + actions.length + ' Actions shown';
  }
  byClass.addEventListener('change', function () { remember(); apply(); });
  byKey.addEventListener('change', function () { remember(); apply(); });
  filters.hidden = false;
  apply();
})();
"#;

/// The whole page.
pub fn render(report: &Report) -> String {
    let inventory = &report.inventory;
    let summary = &inventory.summary;
    let mut out = String::new();
    let workspace = escape(&report.workspace);
    let _ = write!(
        out,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Runbook audit report: {workspace}</title>
<style>{STYLE}</style>
</head>
<body>
<header>
<h1>Runbook audit report</h1>
<p class="meta">Workspace <code>{workspace}</code> · {} runbooks · {} Actions · written by runbook-ls {}</p>
</header>
"#,
        summary.n_runbooks,
        summary.n_actions,
        env!("CARGO_PKG_VERSION"),
    );
    filters(&mut out, inventory);
    summary_section(&mut out, summary);
    out.push_str("<main>\n");
    for runbook in &inventory.runbooks {
        runbook_section(&mut out, runbook);
    }
    out.push_str("</main>\n");
    keys_section(&mut out, &inventory.keys);
    if !inventory.other_findings.is_empty() {
        out.push_str("<section class=\"other\">\n<h2>Other findings</h2>\n");
        findings(&mut out, &inventory.other_findings);
        out.push_str("</section>\n");
    }
    let _ = write!(out, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
    out
}

/// The filter bar: hidden until the script runs, so that a page without
/// scripts (or on paper) shows no controls that do nothing.
fn filters(out: &mut String, inventory: &runbook_ide::Inventory) {
    out.push_str(
        "<nav id=\"filters\" class=\"filters\" aria-label=\"Filters\" hidden>\n<label>Safety class \
         <select id=\"filter-class\"><option value=\"\">all</option>",
    );
    for class in SafetyClass::ALL.into_iter().map(Some).chain([None]) {
        let name = class_name(class);
        let _ = write!(out, "<option value=\"{name}\">{name}</option>");
    }
    out.push_str("</select></label>\n<label>KEY <select id=\"filter-key\"><option value=\"\">all</option>");
    let mut slugs: Vec<&str> = inventory
        .runbooks
        .iter()
        .flat_map(|runbook| &runbook.actions)
        .flat_map(|action| &action.keys)
        .map(|key| key.slug.as_str())
        .collect();
    slugs.sort_unstable();
    slugs.dedup();
    for slug in slugs {
        let slug = escape(slug);
        let _ = write!(out, "<option value=\"{slug}\">{slug}</option>");
    }
    out.push_str("</select></label>\n<span id=\"filter-count\" class=\"muted\"></span>\n</nav>\n");
}

fn summary_section(out: &mut String, summary: &Summary) {
    out.push_str("<section class=\"summary\">\n<h2>Summary</h2>\n<div class=\"cards\">\n");
    let _ = writeln!(out, "<div class=\"card\"><span class=\"n\">{}</span>runbooks</div>", summary.n_runbooks);
    let _ = writeln!(out, "<div class=\"card\"><span class=\"n\">{}</span>Actions</div>", summary.n_actions);
    for count in &summary.actions_by_class {
        let _ =
            writeln!(out, "<div class=\"card\"><span class=\"n\">{}</span>{}</div>", count.count, badge(count.class));
    }
    out.push_str("</div>\n");

    out.push_str("<h3>IRREVERSIBLE Actions without a Warning</h3>\n");
    if summary.irreversible_without_warning.is_empty() {
        out.push_str("<p class=\"none\">None.</p>\n");
    } else {
        out.push_str("<ul class=\"list\">\n");
        for action in &summary.irreversible_without_warning {
            let _ = writeln!(out, "<li>{}</li>", action_ref(action));
        }
        out.push_str("</ul>\n");
    }

    out.push_str("<h3>KEY uses with undeclared side effects</h3>\n");
    if summary.undeclared_side_effects.is_empty() {
        out.push_str("<p class=\"none\">None: every Action states the side effects its KEYs declare.</p>\n");
    } else {
        out.push_str(
            "<table>\n<tr><th>Action</th><th>KEY</th><th>declared by the KEY, not stated by the Action</th></tr>\n",
        );
        for undeclared in &summary.undeclared_side_effects {
            let effects: Vec<String> = undeclared.side_effects.iter().map(|effect| inline(effect)).collect();
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td><code>{}</code></td><td><ul class=\"list\"><li>{}</li></ul></td></tr>",
                action_ref(&undeclared.action),
                escape(&undeclared.key),
                effects.join("</li><li>")
            );
        }
        out.push_str("</table>\n");
    }

    out.push_str("<h3>Findings by code</h3>\n");
    if summary.findings_by_code.is_empty() {
        out.push_str("<p class=\"none\">None.</p>\n");
    } else {
        out.push_str("<table>\n<tr><th>code</th><th>severity</th><th>count</th></tr>\n");
        for count in &summary.findings_by_code {
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code></td><td><span class=\"sev {}\">{}</span></td><td>{}</td></tr>",
                count.code, count.severity, count.severity, count.count
            );
        }
        out.push_str("</table>\n");
    }

    out.push_str("<h3>KEYs no runbook uses</h3>\n");
    if summary.unused_keys.is_empty() {
        out.push_str("<p class=\"none\">None.</p>\n");
    } else {
        out.push_str("<ul class=\"list\">\n");
        for key in &summary.unused_keys {
            let _ = write!(out, "<li><code>{}</code>", escape(&key.slug));
            if let Some(title) = &key.title {
                let _ = write!(out, " {}", escape(title));
            }
            out.push_str("</li>\n");
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}

fn action_ref(action: &ActionRef) -> String {
    format!("<code>{}</code> Action {}: {}", escape(&action.path), action.number, escape(&action.title))
}

fn runbook_section(out: &mut String, runbook: &RunbookInventory) {
    let title = runbook.title.as_deref().map_or_else(|| escape(&runbook.path), inline);
    let _ = writeln!(
        out,
        "<section class=\"runbook\">\n<h2>{title}</h2>\n<p class=\"muted\"><code>{}</code></p>",
        escape(&runbook.path)
    );
    if runbook.actions.is_empty() {
        out.push_str("<p class=\"none\">No Actions.</p>\n");
    }
    for action in &runbook.actions {
        action_article(out, action);
    }
    if !runbook.findings.is_empty() {
        out.push_str("<h3>Findings outside the Actions</h3>\n");
        findings(out, &runbook.findings);
    }
    out.push_str("</section>\n");
}

fn action_article(out: &mut String, action: &ActionInventory) {
    let slugs: Vec<String> = action.keys.iter().map(|key| escape(&key.slug)).collect();
    let _ = writeln!(
        out,
        "<article class=\"action {}\" data-class=\"{}\" data-keys=\"{}\">",
        class_css(action.safety),
        class_name(action.safety),
        slugs.join(" ")
    );
    let _ = writeln!(
        out,
        "<h3>{} Action {}: {} <span class=\"line\">line {}</span></h3>",
        badge(action.safety),
        action.number,
        inline(&action.title),
        action.line
    );
    out.push_str("<dl>\n");
    if let Some(declared) = &action.declared_safety {
        let _ = writeln!(
            out,
            "<dt>KEY's class</dt><dd>{} declared by <code>{}</code></dd>",
            badge(declared.class),
            escape(&declared.key)
        );
    }
    out.push_str("<dt>KEYs run</dt><dd>");
    if action.keys.is_empty() {
        out.push_str("<span class=\"none\">none</span>");
    } else {
        out.push_str("<ul>");
        for key in &action.keys {
            let _ = write!(out, "<li><code>{}</code>", escape(&key.slug));
            if !key.known {
                out.push_str(" <span class=\"unknown\">unknown KEY</span>");
            }
            if let Some(title) = &key.title {
                let _ = write!(out, " {}", escape(title));
            }
            if !key.exports.is_empty() {
                let exports: Vec<String> = key
                    .exports
                    .iter()
                    .map(|export| {
                        let call = if export.called { "()" } else { "" };
                        let unknown = if export.known { "" } else { " <span class=\"unknown\">not exported</span>" };
                        format!("<code>{}{call}</code>{unknown}", escape(&export.name))
                    })
                    .collect();
                let _ = write!(out, " — runs {}", exports.join(", "));
            }
            out.push_str("</li>");
        }
        out.push_str("</ul>");
    }
    out.push_str("</dd>\n<dt>Side effects</dt><dd>");
    side_effects(out, &action.side_effects);
    out.push_str("</dd>\n<dt>Preconditions</dt><dd>");
    list_or_none(out, &action.preconditions, "none stated");
    out.push_str("</dd>\n<dt>Rollback</dt><dd>");
    match &action.rollback {
        Some(rollback) => out.push_str(&inline(rollback)),
        None => out.push_str("<span class=\"none\">none stated</span>"),
    }
    let yes_no = |yes: bool| if yes { "yes" } else { "no" };
    let _ = writeln!(out, "</dd>\n<dt>Manual alternative</dt><dd>{}</dd>", yes_no(action.has_manual_alternative));
    let _ = writeln!(out, "<dt>Warning</dt><dd>{}</dd>", yes_no(action.has_warning));
    out.push_str("</dl>\n");
    if !action.findings.is_empty() {
        findings(out, &action.findings);
    }
    out.push_str("</article>\n");
}

fn side_effects(out: &mut String, effects: &[SideEffect]) {
    if effects.is_empty() {
        out.push_str("<span class=\"none\">none stated or declared</span>");
        return;
    }
    out.push_str("<ul>");
    for effect in effects {
        let _ = write!(out, "<li>{}", inline(&effect.text));
        for source in &effect.sources {
            let _ = match source {
                SideEffectSource::Action => write!(out, "<span class=\"source action-source\">Action</span>"),
                SideEffectSource::Manifest { key } => {
                    write!(out, "<span class=\"source\">key.json of {}</span>", escape(key))
                }
                SideEffectSource::Jsdoc { key, export } => {
                    write!(out, "<span class=\"source\">@sideEffect of {}.{}</span>", escape(key), escape(export))
                }
            };
        }
        if !effect.stated_by_action() {
            out.push_str("<span class=\"undeclared\">not stated by the Action</span>");
        }
        out.push_str("</li>");
    }
    out.push_str("</ul>");
}

fn list_or_none(out: &mut String, items: &[String], none: &str) {
    if items.is_empty() {
        let _ = write!(out, "<span class=\"none\">{none}</span>");
        return;
    }
    out.push_str("<ul>");
    for item in items {
        let _ = write!(out, "<li>{}</li>", inline(item));
    }
    out.push_str("</ul>");
}

fn findings(out: &mut String, findings: &[Finding]) {
    out.push_str("<ul class=\"findings\">\n");
    for finding in findings {
        let _ = writeln!(
            out,
            "<li><span class=\"sev {}\">{}</span><code>{}</code> {} <span class=\"muted\">{}:{}:{}</span></li>",
            finding.severity,
            finding.severity,
            finding.code,
            inline(&finding.message),
            escape(&finding.path),
            finding.line,
            finding.column
        );
    }
    out.push_str("</ul>\n");
}

fn keys_section(out: &mut String, keys: &[KeyInventory]) {
    out.push_str("<section class=\"keys\">\n<h2>KEYs</h2>\n");
    if keys.is_empty() {
        out.push_str("<p class=\"none\">No KEYs in the workspace.</p>\n</section>\n");
        return;
    }
    out.push_str("<table>\n<tr><th>KEY</th><th>declared class</th><th>Actions</th><th>description</th></tr>\n");
    for key in keys {
        let title = key.title.as_deref().map(|title| format!("<br>{}", escape(title))).unwrap_or_default();
        let description = key.description.as_deref().map(escape).unwrap_or_default();
        let class = match key.safety {
            Some(class) => badge(Some(class)),
            None => "<span class=\"none\">none</span>".to_string(),
        };
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code>{title}</td><td>{class}</td><td>{}</td><td>{description}</td></tr>",
            escape(&key.slug),
            key.n_actions
        );
    }
    out.push_str("</table>\n</section>\n");
}
