-- End-to-end test of editors/neovim/lsp/runbook_ls.lua as shipped, against a built
-- runbook-ls binary: attach, diagnostics, hover, completion, semantic tokens, inlay hints,
-- code lenses, folding, diagnostics after an edit, go to definition, references, rename,
-- and a quick fix applied through vim.lsp.buf.code_action.
--
--   RUNBOOK_LS_BIN=target/debug/runbook-ls \
--     nvim --clean --headless -l tests/editors/neovim_e2e.lua tests/editors/neovim-e2e.json
--
-- The JSON config names the workspace, the runbook and what to expect; see
-- tests/editors/README.md. Every wait has a timeout. One line per step; the first failure
-- exits with status 1, a timeout of the whole run with status 2.

local script_dir = vim.fs.dirname(vim.fs.normalize(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p')))
local repo_root = vim.fs.normalize(script_dir .. '/../..')

local passed = 0
local client ---@type vim.lsp.Client?

local function say(line)
  io.stdout:write(line .. '\n')
  io.stdout:flush()
end

local function finish(code)
  if client and not client:is_stopped() then
    client:stop()
    vim.wait(2000, function()
      return client:is_stopped()
    end, 50)
  end
  say(string.format('%d passed, %d failed', passed, code == 0 and 0 or 1))
  os.exit(code)
end

local function fail(step, message)
  say(string.format('FAIL %s: %s', step, message))
  finish(1)
end

local function ok(step, message)
  passed = passed + 1
  say(string.format('ok   %s: %s', step, message))
end

local function absolute(path, base)
  if path:sub(1, 1) == '/' then
    return vim.fs.normalize(path)
  end
  return vim.fs.normalize(base .. '/' .. path)
end

-- Config ---------------------------------------------------------------------------------

local config_path = _G.arg[1] or (script_dir .. '/neovim-e2e.json')
config_path = absolute(config_path, vim.fn.getcwd())
local config_file = io.open(config_path, 'r')
if not config_file then
  fail('config', 'cannot read ' .. config_path)
  return
end
local decoded, config = pcall(vim.json.decode, config_file:read('*a'), { luanil = { object = true, array = true } })
config_file:close()
if not decoded then
  fail('config', config_path .. ' is not valid JSON: ' .. tostring(config))
end
local timeout = tonumber(vim.env.RUNBOOK_LS_TEST_TIMEOUT_MS) or config.timeout_ms or 20000
-- run-neovim.sh runs in a scratch copy of the workspace, since some steps
-- change files (a rename moves a KEY folder on disk).
local workspace = vim.env.RUNBOOK_LS_TEST_WORKSPACE or absolute(config.workspace, repo_root)
local file = absolute(config.file, workspace)

-- A watchdog for the whole run, on top of the per-step timeouts.
local overall = (tonumber(vim.env.RUNBOOK_LS_TEST_TOTAL_MS) or timeout * 8)
vim.defer_fn(function()
  say(string.format('FAIL timeout: the whole run took more than %d ms', overall))
  say(string.format('%d passed, 1 failed', passed))
  os.exit(2)
end, overall)

-- Step: the server binary and the shipped config ------------------------------------------

local bin = vim.env.RUNBOOK_LS_BIN
if bin and bin ~= '' then
  bin = absolute(bin, vim.fn.getcwd())
  if vim.fn.executable(bin) ~= 1 then
    fail('server', 'RUNBOOK_LS_BIN=' .. bin .. ' is not an executable file; build the server (cargo build) or fix the path')
  end
  if vim.fs.basename(bin) ~= 'runbook-ls' then
    fail('server', 'RUNBOOK_LS_BIN must point at a file named runbook-ls (the shipped config runs `runbook-ls`), got ' .. bin)
  end
  vim.env.PATH = vim.fs.dirname(bin) .. ':' .. vim.env.PATH
end
local found = vim.fn.exepath('runbook-ls')
if found == '' then
  fail('server', 'runbook-ls is not on PATH: build it (cargo build) and set RUNBOOK_LS_BIN=/path/to/target/debug/runbook-ls')
end
ok('server', found)

vim.opt.runtimepath:append(repo_root .. '/editors/neovim')
vim.cmd('filetype on')
-- Only test additions are merged on top of the shipped file, as a user's config would be:
-- the settings under test, and a note of how the server process ended.
local server_exit ---@type string?
vim.lsp.config('runbook_ls', {
  settings = config.settings,
  on_exit = function(code, signal)
    server_exit = string.format('exit code %d, signal %d', code, signal)
  end,
})
vim.lsp.enable('runbook_ls')
local shipped = vim.lsp.config.runbook_ls
if not shipped or not shipped.cmd or shipped.cmd[1] ~= 'runbook-ls' then
  fail('config', 'editors/neovim/lsp/runbook_ls.lua was not found on runtimepath or does not run `runbook-ls`')
end
ok('config', string.format('lsp/runbook_ls.lua loaded: cmd=%s filetypes=%s', shipped.cmd[1], table.concat(shipped.filetypes, ',')))

-- Step: open the runbook and attach -----------------------------------------------------

if vim.fn.filereadable(file) ~= 1 then
  fail('open', 'no runbook at ' .. file .. ' (workspace ' .. workspace .. ', set "workspace"/"file" in ' .. config_path .. ')')
end
vim.cmd.edit(vim.fn.fnameescape(file))
local buf = vim.api.nvim_get_current_buf()
if vim.bo[buf].filetype ~= 'markdown' then
  fail('open', 'filetype is "' .. vim.bo[buf].filetype .. '", expected markdown')
end

local attached = vim.wait(timeout, function()
  local clients = vim.lsp.get_clients({ bufnr = buf, name = 'runbook_ls' })
  client = clients[1]
  return server_exit ~= nil or (client ~= nil and client.initialized == true)
end, 50)
if server_exit then
  fail('attach', 'the server process ended (' .. server_exit .. ') before the tests ran; run `runbook-ls` by hand to see why')
elseif not attached then
  local why = client and 'the server never answered initialize' or 'no runbook_ls client attached (see :checkhealth vim.lsp)'
  fail('attach', string.format('%s within %d ms', why, timeout))
end
---@cast client vim.lsp.Client
local function real(path)
  return vim.uv.fs_realpath(path) or path
end
if real(client.root_dir or '') ~= real(workspace) then
  fail('attach', string.format('root_dir is %s, expected the workspace %s (root_markers)', tostring(client.root_dir), workspace))
end
-- Neovim 0.11 advertises pull diagnostics but cannot be told to pull again; the
-- server must keep pushing to it (it then offers no diagnosticProvider).
local delivery = client.server_capabilities.diagnosticProvider and 'pulled' or 'pushed'
if config.diagnostics_delivery and delivery ~= config.diagnostics_delivery then
  fail('attach', string.format('diagnostics are %s, expected %s', delivery, config.diagnostics_delivery))
end
ok('attach', string.format('client %d attached, root %s, encoding %s, diagnostics %s', client.id, client.root_dir,
  client.offset_encoding, delivery))

-- Helpers over the buffer ---------------------------------------------------------------

local function lines()
  return vim.api.nvim_buf_get_lines(buf, 0, -1, false)
end

--- 0-based line of the `nth` line containing `text` (plain), at or after line `from`.
local function line_of(text, nth, from)
  local seen = 0
  for index, line in ipairs(lines()) do
    if index - 1 >= (from or 0) and line:find(text, 1, true) then
      seen = seen + 1
      if seen == (nth or 1) then
        return index - 1
      end
    end
  end
  return nil
end

--- Resolves `{ line = n }` or `{ line_of = "text", nth?, after_line_of? }` to a 0-based line.
local function resolve_line(spec, step)
  if spec.line then
    return spec.line
  end
  local from = 0
  if spec.after_line_of then
    from = line_of(spec.after_line_of) or fail(step, 'no line contains ' .. vim.inspect(spec.after_line_of))
  end
  local text = spec.line_of or spec.text
  return line_of(text, spec.nth, from) or fail(step, 'no line contains ' .. vim.inspect(text))
end

--- Resolves a position spec to (0-based line, byte column): `{ line, character }` or
--- `{ text = "...", offset = k, ... }` (k bytes after where `text` starts).
local function resolve_position(spec, step)
  if spec.line and spec.character then
    return spec.line, spec.character
  end
  local line = resolve_line(spec, step)
  local start = lines()[line + 1]:find(spec.text, 1, true)
  return line, start - 1 + (spec.offset or 0)
end

--- Position params at (line, byte column) in the client's negotiated encoding.
local function position_params(line, column)
  vim.api.nvim_win_set_cursor(0, { line + 1, column })
  return vim.lsp.util.make_position_params(0, client.offset_encoding)
end

local function request(step, method, params)
  local response, err = client:request_sync(method, params, timeout, buf)
  if not response then
    fail(step, string.format('%s got no answer within %d ms (%s)', method, timeout, tostring(err)))
  end
  ---@cast response -nil
  if response.err then
    fail(step, string.format('%s failed: %s (code %s)', method, tostring(response.err.message), tostring(response.err.code)))
  end
  return response.result
end

local function describe(diagnostics)
  local parts = {}
  for _, d in ipairs(diagnostics) do
    table.insert(parts, string.format('%s@%d', tostring(d.code), d.lnum))
  end
  table.sort(parts)
  return #parts == 0 and '(none)' or table.concat(parts, ' ')
end

--- Expected diagnostics `{ code, line | line_of ... }` resolved against the buffer as it is now.
local function resolve_expected(list, step)
  local resolved = {}
  for _, expected in ipairs(list or {}) do
    table.insert(resolved, { code = expected.code, lnum = resolve_line(expected, step) })
  end
  return resolved
end

local function has(diagnostics, expected)
  for _, d in ipairs(diagnostics) do
    if d.code == expected.code and d.lnum == expected.lnum then
      return true
    end
  end
  return false
end

--- Waits until every `present` diagnostic is published and no `absent` one is.
local function wait_for_diagnostics(step, present, absent)
  local current = {}
  local settled = vim.wait(timeout, function()
    current = vim.diagnostic.get(buf)
    for _, expected in ipairs(present) do
      if not has(current, expected) then
        return false
      end
    end
    for _, unexpected in ipairs(absent) do
      if has(current, unexpected) then
        return false
      end
    end
    return true
  end, 50)
  if not settled then
    fail(step, string.format('after %d ms expected %s%s, have %s', timeout, describe(present),
      #absent > 0 and (' and not ' .. describe(absent)) or '', describe(current)))
  end
  return current
end

--- Flattens hover contents (MarkupContent, MarkedString or a list of them) to text.
local function hover_text(contents)
  if type(contents) == 'string' then
    return contents
  end
  if type(contents) ~= 'table' then
    return ''
  end
  if contents.value then
    return contents.value
  end
  local parts = {}
  for _, part in ipairs(contents) do
    table.insert(parts, hover_text(part))
  end
  return table.concat(parts, '\n')
end

-- Step: diagnostics ---------------------------------------------------------------------

local baseline_expected = resolve_expected(config.diagnostics and config.diagnostics.expect, 'diagnostics')
if #baseline_expected == 0 then
  fail('diagnostics', 'the config lists no expected diagnostics ("diagnostics": {"expect": [...]})')
end
local baseline = wait_for_diagnostics('diagnostics', baseline_expected, {})
ok('diagnostics', string.format('%d published, found %s', #baseline, describe(baseline_expected)))

-- Step: hover ---------------------------------------------------------------------------

if config.hover then
  local line, column = resolve_position(config.hover.at, 'hover')
  local result = request('hover', 'textDocument/hover', position_params(line, column))
  local text = result and hover_text(result.contents) or ''
  for _, wanted in ipairs(config.hover.expect_contains or {}) do
    if not text:lower():find(wanted:lower(), 1, true) then
      fail('hover', string.format('at %d:%d, no %q in %s', line, column, wanted, text == '' and '(empty hover)' or vim.inspect(text)))
    end
  end
  ok('hover', string.format('at %d:%d contains %s', line, column, table.concat(config.hover.expect_contains or {}, ', ')))
end

-- Step: completion ----------------------------------------------------------------------

if config.completion then
  local spec = config.completion
  local inserted_line
  local line, column
  if spec.insert then
    -- Types a new line (the text's `$0` marks the cursor), as a user about to complete would.
    local anchor = resolve_line({ line_of = spec.insert.after_line_of, nth = spec.insert.nth }, 'completion')
    local text = spec.insert.text
    local marker = text:find('$0', 1, true)
    if not marker then
      fail('completion', 'insert.text needs a $0 cursor marker')
    end
    inserted_line = anchor + 1
    vim.api.nvim_buf_set_lines(buf, inserted_line, inserted_line, false, { text:sub(1, marker - 1) .. text:sub(marker + 2) })
    line, column = inserted_line, marker - 1
  else
    line, column = resolve_position(spec.at, 'completion')
  end
  local result = request('completion', 'textDocument/completion', position_params(line, column))
  local items = result and (result.items or result) or {}
  local labels = {}
  for _, item in ipairs(items) do
    table.insert(labels, item.label)
  end
  if inserted_line then
    vim.api.nvim_buf_set_lines(buf, inserted_line, inserted_line + 1, false, {})
  end
  local shown = #labels == 0 and '(no items)' or table.concat(vim.list_slice(labels, 1, 10), ' ')
  if spec.expect_prefix then
    local any = vim.iter(labels):any(function(label)
      return vim.startswith(label, spec.expect_prefix)
    end)
    if not any then
      fail('completion', string.format('at %d:%d no item starts with %q; got %s', line, column, spec.expect_prefix, shown))
    end
  end
  for _, wanted in ipairs(spec.expect_labels or {}) do
    if not vim.list_contains(labels, wanted) then
      fail('completion', string.format('at %d:%d no item %q; got %s', line, column, wanted, shown))
    end
  end
  ok('completion', string.format('at %d:%d %d items, e.g. %s', line, column, #labels, labels[1] or ''))
end

-- Step: semantic tokens, as Neovim's own highlighter holds them -------------------------

--- The server's tokens at a position, as `{ type = ..., modifiers = { name = true } }`.
local function tokens_at(line, column)
  local found = {}
  for _, token in ipairs(vim.lsp.semantic_tokens.get_at_pos(buf, line, column) or {}) do
    if token.client_id == client.id then
      table.insert(found, token)
    end
  end
  return found
end

local function describe_tokens(tokens)
  local parts = {}
  for _, token in ipairs(tokens) do
    local modifiers = vim.tbl_keys(token.modifiers or {})
    table.sort(modifiers)
    table.insert(parts, token.type .. (#modifiers > 0 and ('.' .. table.concat(modifiers, '.')) or ''))
  end
  return #parts == 0 and '(no token)' or table.concat(parts, ' ')
end

if config.semantic_tokens then
  if not client.server_capabilities.semanticTokensProvider then
    fail('semantic tokens', 'the server does not advertise semanticTokensProvider')
  end
  local checked = {}
  for _, expected in ipairs(config.semantic_tokens.expect or {}) do
    local line, column = resolve_position(expected.at, 'semantic tokens')
    local wanted = expected.type .. (#(expected.modifiers or {}) > 0 and ('.' .. table.concat(expected.modifiers, '.')) or '')
    local current = {}
    -- Tokens come once the server answers, and again with the KEYs' classes
    -- once its index is ready (it asks Neovim to refresh them).
    local seen = vim.wait(timeout, function()
      current = tokens_at(line, column)
      return describe_tokens(current) == wanted
    end, 50)
    if not seen then
      fail('semantic tokens', string.format('at %d:%d expected %s, have %s', line, column, wanted, describe_tokens(current)))
    end
    table.insert(checked, string.format('%s@%d:%d', wanted, line, column))
  end
  ok('semantic tokens', table.concat(checked, ' '))
end

-- Step: inlay hints ---------------------------------------------------------------------

local function hint_label(hint)
  local label = hint.label
  if type(label) == 'table' then
    local parts = {}
    for _, part in ipairs(label) do
      table.insert(parts, part.value)
    end
    label = table.concat(parts)
  end
  return label
end

if config.inlay_hints then
  vim.lsp.inlay_hint.enable(true, { bufnr = buf })
  local shown = {}
  for _, expected in ipairs(config.inlay_hints.expect or {}) do
    local line = resolve_line(expected, 'inlay hints')
    local labels = {}
    local seen = vim.wait(timeout, function()
      labels = {}
      for _, item in ipairs(vim.lsp.inlay_hint.get({ bufnr = buf })) do
        if item.client_id == client.id and item.inlay_hint.position.line == line then
          table.insert(labels, hint_label(item.inlay_hint))
        end
      end
      return vim.deep_equal(labels, expected.labels)
    end, 50)
    if not seen then
      fail('inlay hints', string.format('on line %d expected %s, have %s', line, vim.inspect(expected.labels), vim.inspect(labels)))
    end
    table.insert(shown, string.format('%d: %s', line, table.concat(labels, ' | ')))
  end
  ok('inlay hints', table.concat(shown, '; '))
end

-- Step: code lenses ---------------------------------------------------------------------

if config.code_lens then
  local shown = {}
  for _, expected in ipairs(config.code_lens.expect or {}) do
    local line = resolve_line(expected, 'code lens')
    local titles = {}
    local seen = vim.wait(timeout, function()
      vim.lsp.codelens.refresh({ bufnr = buf })
      titles = {}
      for _, lens in ipairs(vim.lsp.codelens.get(buf)) do
        if lens.range.start.line == line and lens.command then
          table.insert(titles, lens.command.title)
        end
      end
      return vim.deep_equal(titles, expected.titles)
    end, 200)
    if not seen then
      fail('code lens', string.format('on line %d expected %s, have %s', line, vim.inspect(expected.titles), vim.inspect(titles)))
    end
    table.insert(shown, string.format('%d: %s', line, table.concat(titles, ' | ')))
  end
  local run = config.code_lens.run
  if run then
    -- Clicks a lens as `vim.lsp.codelens.run()` does, choosing in its two
    -- prompts (which lens, then which file the server offers) what the config says.
    local line = resolve_line(run, 'code lens')
    local prompts = {}
    vim.ui.select = function(items, opts, on_choice)
      -- `format_item` may return more than the text (Neovim's returns gsub's count too).
      local format = function(item)
        return ((opts.format_item or tostring)(item))
      end
      local wanted = opts.kind == 'codelens' and run.lens or run.pick
      local titles = {}
      for index, item in ipairs(items) do
        table.insert(titles, format(item))
        if format(item) == wanted then
          table.insert(prompts, opts.prompt .. ' ' .. wanted)
          return on_choice(item, index)
        end
      end
      fail('code lens', string.format('%s offers %s, not %q', opts.prompt, vim.inspect(titles), wanted))
    end
    vim.api.nvim_win_set_cursor(0, { line + 1, 0 })
    vim.lsp.codelens.run()
    local opened = vim.wait(timeout, function()
      return vim.endswith(vim.api.nvim_buf_get_name(0), run.opens)
    end, 50)
    if not opened then
      fail('code lens', string.format('running %q did not open %s (prompts: %s; current buffer %s)', run.lens, run.opens,
        vim.inspect(prompts), vim.api.nvim_buf_get_name(0)))
    end
    table.insert(shown, string.format('ran %q, picked %q, opened %s', run.lens, run.pick, run.opens))
    vim.api.nvim_set_current_buf(buf)
  end
  ok('code lens', table.concat(shown, '; '))
end

-- Step: folding, through vim.lsp.foldexpr() -------------------------------------------

if config.folding then
  vim.wo.foldmethod = 'expr'
  vim.wo.foldexpr = 'v:lua.vim.lsp.foldexpr()'
  local shown = {}
  for _, expected in ipairs(config.folding.expect or {}) do
    local line = resolve_line(expected, 'folding')
    local level = ''
    local seen = vim.wait(timeout, function()
      level = vim.lsp.foldexpr(line + 1)
      return level == expected.foldexpr
    end, 50)
    if not seen then
      fail('folding', string.format('on line %d expected foldexpr %s, have %s', line, expected.foldexpr, level))
    end
    table.insert(shown, string.format('%d: %s', line, level))
  end
  ok('folding', table.concat(shown, ' '))
end

-- Step: edit, then diagnostics change ----------------------------------------------------

if config.edit then
  local spec = config.edit
  local appear = resolve_expected(spec.expect, 'edit')
  for _, expected in ipairs(appear) do
    if has(baseline, expected) then
      fail('edit', string.format('%s@%d was already published before the edit; expect one the edit introduces', expected.code, expected.lnum))
    end
  end
  local target = resolve_line({ line_of = spec.delete_line_of, nth = spec.nth, after_line_of = spec.after_line_of }, 'edit')
  local deleted = lines()[target + 1]
  vim.api.nvim_buf_set_lines(buf, target, target + 1, false, {})
  -- Expectations name lines by their text, so they are resolved in the edited buffer.
  appear = resolve_expected(spec.expect, 'edit')
  local disappear = resolve_expected(spec.expect_absent, 'edit')
  local after = wait_for_diagnostics('edit', appear, disappear)
  ok('edit', string.format('deleted line %d %q; now %s', target, deleted, describe(after)))
end

-- Step: go to definition -----------------------------------------------------------------

--- The workspace-relative path of a location's or link's file.
local function relative_file(location)
  local uri = location.targetUri or location.uri
  local path = vim.uri_to_fname(uri)
  local root = real(workspace)
  path = real(path)
  return path:sub(1, #root) == root and path:sub(#root + 1) or path
end

if config.definition then
  local line, column = resolve_position(config.definition.at, 'definition')
  local result = request('definition', 'textDocument/definition', position_params(line, column))
  local targets = result and (result.uri and { result } or result) or {}
  local files = vim.tbl_map(relative_file, targets)
  if not vim.list_contains(files, config.definition.expect_file) then
    fail('definition', string.format('at %d:%d expected %s, got %s', line, column, config.definition.expect_file, vim.inspect(files)))
  end
  ok('definition', string.format('at %d:%d goes to %s', line, column, config.definition.expect_file))
end

-- Step: find references -----------------------------------------------------------------

if config.references then
  local line, column = resolve_position(config.references.at, 'references')
  local params = position_params(line, column)
  params.context = { includeDeclaration = true }
  local result = request('references', 'textDocument/references', params) or {}
  local files = {}
  for _, location in ipairs(result) do
    files[relative_file(location)] = (files[relative_file(location)] or 0) + 1
  end
  for file, count in pairs(config.references.expect_files or {}) do
    if files[file] ~= count then
      fail('references', string.format('expected %d in %s, got %s', count, file, vim.inspect(files)))
    end
  end
  ok('references', string.format('at %d:%d %d references in %d files', line, column, #result, vim.tbl_count(files)))
end

-- Step: rename, applied as Neovim applies it --------------------------------------------

if config.rename then
  local spec = config.rename
  local line, column = resolve_position(spec.at, 'rename')
  local params = position_params(line, column)
  local prepared = request('rename', 'textDocument/prepareRename', params)
  if not prepared then
    fail('rename', string.format('prepareRename at %d:%d found nothing to rename', line, column))
  end
  params.newName = spec.new_name
  local edit = request('rename', 'textDocument/rename', params)
  if not edit then
    fail('rename', 'rename returned no edit')
  end
  vim.lsp.util.apply_workspace_edit(edit, client.offset_encoding)
  local text = table.concat(lines(), '\n')
  if not text:find(spec.new_name, 1, true) then
    fail('rename', 'the buffer does not contain ' .. spec.new_name .. ' after applying the edit')
  end
  for _, folder in ipairs(spec.expect_folders or {}) do
    if vim.fn.isdirectory(workspace .. '/' .. folder) ~= 1 then
      fail('rename', 'the folder ' .. folder .. ' does not exist after applying the edit ' .. vim.inspect(edit):sub(1, 3000))
    end
  end
  ok('rename', string.format('%s applied, folders %s', spec.new_name, table.concat(spec.expect_folders or {}, ', ')))
end

-- Step: a quick fix, applied as a user would --------------------------------------------

if config.code_action then
  local spec = config.code_action
  local line, column = resolve_position(spec.at, 'code_action')
  vim.api.nvim_win_set_cursor(0, { line + 1, column })
  local offered = {}
  local applied = false
  -- The real client path: codeAction, then codeAction/resolve for the edit, then applying it.
  vim.lsp.buf.code_action({
    filter = function(action)
      table.insert(offered, action.title)
      return action.title == spec.title
    end,
    apply = true,
  })
  local expected = spec.expect_line
  local target = resolve_line(expected, 'code_action')
  local done = vim.wait(timeout, function()
    applied = (lines()[target + 1] or ''):find(expected.contains, 1, true) ~= nil
    return applied
  end, 50)
  if not done then
    fail('code_action', string.format('at %d:%d %q was not applied within %d ms: line %d is %q; offered %s', line, column,
      spec.title, timeout, target, lines()[target + 1] or '', #offered == 0 and '(nothing)' or table.concat(offered, ' | ')))
  end
  local gone = resolve_expected(spec.expect_absent, 'code_action')
  local after = wait_for_diagnostics('code_action', {}, gone)
  ok('code_action', string.format('applied %q at %d:%d; line %d now %q; %s', spec.title, line, column, target,
    lines()[target + 1], describe(after)))
end

finish(0)
