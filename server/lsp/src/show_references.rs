//! The command behind a code lens: show a KEY's definition, or every place
//! that uses it. A client that runs `runbook-ls.showReferences` itself (it
//! lists it in `experimental.commands.commands`, the convention of
//! rust-analyzer's clients) gets that command, with the arguments of VS
//! Code's `editor.action.showReferences` (document URI, position, locations),
//! and shows them in its references view. Every other client gets
//! `runbook-ls.findReferences` with the same arguments, which it sends back
//! through `workspace/executeCommand`: the server then asks which file to
//! open (`window/showMessageRequest`) and opens it at the first use
//! (`window/showDocument`), or lists the places when the client cannot open
//! documents. The lens works in every client that runs commands.

use serde_json::{Value, json};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;

use crate::session::{Session, file_path};

/// Run by the client itself, when it says it can.
pub const CLIENT_COMMAND: &str = "runbook-ls.showReferences";
/// Run by the server, through `workspace/executeCommand`.
pub const SERVER_COMMAND: &str = "runbook-ls.findReferences";

/// How many files a `window/showMessageRequest` offers; the others are
/// counted in its message.
const MAX_CHOICES: usize = 8;

/// Whether the client runs `runbook-ls.showReferences` itself.
pub fn client_runs_it(capabilities: &ClientCapabilities) -> bool {
    let commands = capabilities.experimental.as_ref().and_then(|experimental| experimental.get("commands"));
    let listed = commands.and_then(|commands| commands.get("commands")).and_then(Value::as_array);
    listed.is_some_and(|listed| listed.iter().any(|command| command == CLIENT_COMMAND))
}

/// The lens's command: show `locations`, from `position` of `uri`.
pub fn command(title: String, uri: &Uri, position: Position, locations: Vec<Location>, client_side: bool) -> Command {
    Command {
        title,
        command: if client_side { CLIENT_COMMAND } else { SERVER_COMMAND }.to_string(),
        arguments: Some(vec![json!(uri), json!(position), json!(locations)]),
    }
}

/// `workspace/executeCommand` of `runbook-ls.findReferences`.
pub async fn execute(session: &Session, params: ExecuteCommandParams) -> Result<Option<Value>> {
    if params.command != SERVER_COMMAND {
        return Err(Error::invalid_params(format!("runbook-ls has no command `{}`", params.command)));
    }
    let locations: Vec<Location> = params
        .arguments
        .get(2)
        .and_then(|locations| serde_json::from_value(locations.clone()).ok())
        .ok_or_else(|| Error::invalid_params("expected the arguments [uri, position, locations]"))?;
    // One entry per file, in the order given, with its first place.
    let mut files: Vec<(Location, usize)> = Vec::new();
    for location in locations {
        match files.iter_mut().find(|(first, _)| first.uri == location.uri) {
            Some((_, count)) => *count += 1,
            None => files.push((location, 1)),
        }
    }
    let target = match files.as_slice() {
        [] => {
            session.client.show_message(MessageType::INFO, "runbook-ls: nothing to show").await;
            return Ok(None);
        }
        [(only, _)] => only.clone(),
        _ => {
            let names: Vec<String> =
                files.iter().map(|(location, count)| file_name(session, location, *count)).collect();
            let more = names.len().saturating_sub(MAX_CHOICES);
            let message = match more {
                0 => format!("Used in {} files: which one to open?", names.len()),
                more => format!("Used in {} files ({more} not listed): which one to open?", names.len()),
            };
            let actions = names
                .iter()
                .take(MAX_CHOICES)
                .map(|name| MessageActionItem { title: name.clone(), properties: Default::default() });
            let picked = session.client.show_message_request(MessageType::INFO, message, Some(actions.collect())).await;
            let Ok(Some(picked)) = picked else { return Ok(None) };
            let Some(index) = names.iter().position(|name| *name == picked.title) else { return Ok(None) };
            files[index].0.clone()
        }
    };
    if session.support().show_document {
        let shown = session
            .client
            .show_document(ShowDocumentParams {
                uri: target.uri.clone(),
                external: Some(false),
                take_focus: Some(true),
                selection: Some(target.range),
            })
            .await;
        if matches!(shown, Ok(true)) {
            return Ok(None);
        }
    }
    let place = format!("{}:{}", file_name(session, &target, 1), target.range.start.line + 1);
    session.client.show_message(MessageType::INFO, format!("runbook-ls: {place}")).await;
    Ok(None)
}

/// A file as the user knows it: relative to its workspace folder, with how
/// many uses it holds.
fn file_name(session: &Session, location: &Location, count: usize) -> String {
    let path = file_path(&location.uri).unwrap_or_default();
    let relative = session
        .folder_roots()
        .into_iter()
        .filter_map(|root| path.strip_prefix(&root).ok().map(|relative| relative.display().to_string()))
        .min_by_key(String::len)
        .unwrap_or_else(|| location.uri.as_str().to_string());
    if count > 1 { format!("{relative} ({count})") } else { relative }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_say_whether_they_run_the_command() {
        let mut capabilities = ClientCapabilities::default();
        assert!(!client_runs_it(&capabilities));
        capabilities.experimental = Some(json!({ "commands": { "commands": ["runbook-ls.showReferences"] } }));
        assert!(client_runs_it(&capabilities));
        capabilities.experimental = Some(json!({ "commands": { "commands": ["rust-analyzer.showReferences"] } }));
        assert!(!client_runs_it(&capabilities));
    }
}
