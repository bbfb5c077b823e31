//! Request handlers that need more than a line or two, one file per family
//! of requests; `server.rs` dispatches to them.

pub mod code_action;
pub mod navigation;
