-- Prints what a Neovim highlights.scm marks in a markdown file, one capture per line as
-- "row:col CLASS text" (KEY, SAFE, REVERSIBLE, IRREVERSIBLE), sorted.
--   nvim --clean --headless -l nvim_captures.lua QUERY.scm FILE.md
local classes = { module = 'KEY', ['diff.plus'] = 'SAFE', ['diff.delta'] = 'REVERSIBLE', ['diff.minus'] = 'IRREVERSIBLE' }
local buf = vim.api.nvim_create_buf(false, true)
vim.api.nvim_buf_set_lines(buf, 0, -1, false, vim.fn.readfile(arg[2]))
local ok, query = pcall(vim.treesitter.query.parse, 'markdown_inline', table.concat(vim.fn.readfile(arg[1]), '\n'))
if not ok then
  io.stderr:write('invalid query ' .. arg[1] .. ': ' .. tostring(query) .. '\n')
  os.exit(1)
end
local parser = vim.treesitter.get_parser(buf, 'markdown')
parser:parse(true)
local out = {}
parser:for_each_tree(function(tree, ltree)
  if ltree:lang() ~= 'markdown_inline' then
    return
  end
  for id, node in query:iter_captures(tree:root(), buf) do
    local class = classes[query.captures[id]]
    if class then
      local row, col = node:range()
      table.insert(out, { row, col, string.format('%d:%d %s %s', row, col, class, vim.treesitter.get_node_text(node, buf)) })
    end
  end
end)
table.sort(out, function(a, b)
  return a[1] < b[1] or (a[1] == b[1] and a[2] < b[2])
end)
for _, entry in ipairs(out) do
  io.stdout:write(entry[3] .. '\n')
end
