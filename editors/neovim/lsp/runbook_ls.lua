--- runbook-ls: language server for incident runbooks in markdown (diagnostics, KEY
--- completion and hover, code actions). Neovim 0.11+:
---
---   vim.opt.runtimepath:append('/path/to/runbook-ls/editors/neovim')
---   vim.lsp.enable('runbook_ls')
---
--- Settings mirror `runbook-ls.toml` (`runbooks`, `key-roots`, `rules`, `inlay-hints`) and override it
--- key by key; set them with
---
---   vim.lsp.config('runbook_ls', {
---     settings = { ['runbook-ls'] = { rules = { ['missing-side-effects'] = 'info' } } },
---   })
---
--- The same table is sent as `initializationOptions` (see `before_init`), is the answer
--- to `workspace/configuration` for the `runbook-ls` section, and is pushed with
--- `workspace/didChangeConfiguration` after the server starts.

--- JSON needs `{}` for an empty object, but an empty Lua table encodes as `[]`, which
--- the server would reject as a bad value for the section or for `rules`.
local function as_json_object(value)
  if type(value) ~= 'table' then
    return vim.empty_dict()
  end
  if type(value.rules) == 'table' and next(value.rules) == nil then
    value.rules = vim.empty_dict()
  end
  if next(value) == nil then
    return vim.empty_dict()
  end
  return value
end

---@type vim.lsp.Config
return {
  cmd = { 'runbook-ls' },
  filetypes = { 'markdown' },
  root_markers = { 'runbook-ls.toml', 'node-keys', 'next-keys', '.git' },
  settings = {
    ['runbook-ls'] = vim.empty_dict(),
  },
  init_options = vim.empty_dict(),
  before_init = function(params, config)
    -- Users set one table (`settings`); the server also reads it at `initialize`, before
    -- it can ask for configuration. Anything put in `init_options` directly still wins.
    config.settings = config.settings or {}
    local section = as_json_object(config.settings['runbook-ls'])
    config.settings['runbook-ls'] = section
    params.initializationOptions =
      as_json_object(vim.tbl_deep_extend('force', {}, section, config.init_options or {}))
  end,
}
