//! Shared helpers of the end-to-end tests: a JSON-RPC client over the binary's stdio.
