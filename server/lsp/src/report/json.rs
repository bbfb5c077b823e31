//! `report --format json`: the inventory as one JSON object, for other tools.

use runbook_ide::Inventory;
use serde::Serialize;

use crate::report::Report;

/// The inventory's fields at the top level, after what made it.
#[derive(Serialize)]
struct JsonReport<'a> {
    runbook_ls_version: &'static str,
    workspace: &'a str,
    #[serde(flatten)]
    inventory: &'a Inventory,
}

pub fn render(report: &Report) -> String {
    let json = JsonReport {
        runbook_ls_version: env!("CARGO_PKG_VERSION"),
        workspace: &report.workspace,
        inventory: &report.inventory,
    };
    // Serialising plain data with string keys cannot fail.
    let mut text = serde_json::to_string_pretty(&json).unwrap_or_default();
    text.push('\n');
    text
}
