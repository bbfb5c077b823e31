//! runbook-ls features on plain data: byte offsets in, byte offsets out.
