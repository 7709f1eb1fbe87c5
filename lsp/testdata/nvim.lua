-- TestNeovim runs this in a headless Neovim (0.7, Debian 12's) whose only
-- configuration is README.md's snippet, which starts "zmqgen lsp" with the
-- editor's built-in client; on a copy of a shipped topology this types a
-- mistake, puts it right,
-- jumps from a connect to its bind, renames a socket and formats the
-- buffer, recording the buffer and cursor after each step in a JSON file
-- for the test to check. Every wait is vim.wait on a condition of the
-- editor's state, bounded only so that a broken server fails the test.
local file = os.getenv('ZTOPO_FILE')
local out = os.getenv('RESULT_FILE')
local patience = 120000 -- ms; a bound for failure, not a pace
local result = {}

local function finish(err)
  result.error = err
  local f = assert(io.open(out, 'w'))
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd(err and 'cquit!' or 'qall!')
end

local function wait(what, cond)
  if not vim.wait(patience, cond, 10) then
    error('timed out waiting for ' .. what)
  end
end

local function lines()
  return vim.api.nvim_buf_get_lines(0, 0, -1, false)
end

-- find returns the 0-based line and byte column of the n-th occurrence
-- of text in the buffer, plus shift.
local function find(text, n, shift)
  local seen = 0
  for i, l in ipairs(lines()) do
    local s = l:find(text, 1, true)
    if s then
      seen = seen + 1
      if seen == n then
        return i - 1, s - 1 + (shift or 0)
      end
    end
  end
  error('no occurrence ' .. n .. ' of ' .. text)
end

local ok, err = pcall(function()
  -- The client is the one README.md's snippet (the init file) starts.
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  local id
  wait('the README snippet to start the client', function()
    for _, c in pairs(vim.lsp.buf_get_clients(buf)) do
      if c.name == 'zmqgen' then id = c.id end
    end
    return id ~= nil
  end)
  wait('the server to initialize', function()
    local c = vim.lsp.get_client_by_id(id)
    return c ~= nil and c.initialized == true
  end)
  vim.lsp.get_client_by_id(id).config.flags.debounce_text_changes = 20

  -- 1. A mistake typed into the buffer: "recv Order" becomes "recv Ordr".
  local l, c = find('recv Order', 1, 5)
  vim.api.nvim_buf_set_text(buf, l, c, l, c + 5, { 'Ordr' })
  wait('the diagnostics of the mistake', function() return #vim.diagnostic.get(buf) > 0 end)
  result.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(result.diagnostics, {
      lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
      severity = d.severity, message = d.message,
    })
  end

  -- 2. Put right: the diagnostics go away.
  vim.api.nvim_buf_set_text(buf, l, c, l, c + 4, { 'Order' })
  wait('the diagnostics to clear', function() return #vim.diagnostic.get(buf) == 0 end)

  -- 3. Go to definition on the socket of "connect server2.rep".
  local cl, cc = find('connect server2.rep', 1, #'connect server2.')
  vim.api.nvim_win_set_cursor(0, { cl + 1, cc })
  vim.lsp.buf.definition()
  wait('the jump to the bind', function() return vim.api.nvim_win_get_cursor(0)[1] ~= cl + 1 end)
  local to = vim.api.nvim_win_get_cursor(0)
  result.definition = { from = { cl, cc }, to = { to[1] - 1, to[2] }, line = vim.api.nvim_get_current_line() }

  -- 4. Rename server2's socket rep to reply, from its declaration.
  local rl, rc = find('socket rep REP', 2, #'socket ')
  vim.api.nvim_win_set_cursor(0, { rl + 1, rc })
  vim.lsp.buf.rename('reply')
  wait('the rename', function()
    return vim.api.nvim_buf_get_lines(buf, rl, rl + 1, false)[1]:find('socket reply REP', 1, true) ~= nil
      and table.concat(lines(), '\n'):find('connect server2.reply', 1, true) ~= nil
  end)
  result.renamed = lines()

  -- 5. Indent with tabs and blank lines, then format.
  local messy = {}
  for _, line in ipairs(lines()) do
    local indent, rest = line:match('^( *)(.*)$')
    table.insert(messy, string.rep('\t', #indent / 4) .. rest)
    if rest:match('{$') then table.insert(messy, '') end
  end
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, messy)
  result.messy = lines()
  vim.lsp.buf.formatting_sync(nil, patience)
  result.formatted = lines()

  vim.lsp.stop_client(id)
  wait('the server to stop', function() return vim.lsp.get_client_by_id(id) == nil end)
end)
finish(not ok and tostring(err) or nil)
