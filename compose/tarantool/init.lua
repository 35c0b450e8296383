-- Tarantool side of the user table's replica: compose, the stacks and the local environment all run this
-- one file, and `scripts/tarantool.mjs` sends it again to a running server (the seed's
-- `dofile('/opt/tarantool/init.lua')`), so every step below is safe to repeat.
-- Space ids are the seed's: replicatord mapped app.user to 513 and kept its binlog position in 512.

if type(box.cfg) == 'function' then
  box.cfg({
    listen = os.getenv('TARANTOOL_LISTEN') or '3301',
    work_dir = os.getenv('TARANTOOL_WORK_DIR') or '/var/lib/tarantool',
    -- 1M users take about 400 MB with both indexes; the memtx arena is only reserved, not touched, up front.
    memtx_memory = tonumber(os.getenv('TARANTOOL_MEMTX_MEMORY') or tostring(1024 * 1024 * 1024)),
    log_level = 5,
  })
end

local schema_version = 3

-- Field order is the replicator's column order (compose/tarantool/replicator.yml, mappings[0].columns).
-- No email and no password hash: search does not need them, and a replica should not spread them.
local user = box.schema.space.create('user', { id = 513, if_not_exists = true })
user:format({
  { name = 'id', type = 'unsigned' },
  { name = 'first_name', type = 'string' },
  { name = 'second_name', type = 'string' },
  { name = 'birthdate', type = 'string', is_nullable = true },
  { name = 'gender', type = 'string', is_nullable = true },
  { name = 'biography', type = 'string', is_nullable = true },
  { name = 'city', type = 'string', is_nullable = true },
})
user:create_index('primary', { type = 'tree', parts = { { field = 1, type = 'unsigned' } }, if_not_exists = true })
-- unicode_ci compares like MariaDB's utf8mb4_unicode_ci (case and accents ignored), so the order and the
-- prefix matches of the search are MySQL's; id last makes the key unique and breaks ties as MySQL does.
user:create_index('name', {
  type = 'tree',
  unique = true,
  parts = {
    { field = 2, type = 'string', collation = 'unicode_ci' },
    { field = 3, type = 'string', collation = 'unicode_ci' },
    { field = 1, type = 'unsigned' },
  },
  if_not_exists = true,
})

-- One tuple per replication stream: where the replicator has applied the binlog up to, written in the same
-- transaction as the rows it covers.
local position = box.schema.space.create('replication_position', { id = 512, if_not_exists = true })
position:format({
  { name = 'stream', type = 'unsigned' },
  { name = 'file', type = 'string' },
  { name = 'position', type = 'unsigned' },
  { name = 'gtid', type = 'string' },
  { name = 'event_time', type = 'number' },
  { name = 'applied_at', type = 'number' },
})
position:create_index('primary', { type = 'tree', parts = { { field = 1, type = 'unsigned' } }, if_not_exists = true })

local function starts_with(value, prefix, prefix_length)
  return value ~= nil and utf8.casecmp(utf8.sub(value, 1, prefix_length), prefix) == 0
end

local key_def = require('key_def')
-- Compares a tuple's first name the way the name index does (unicode_ci: case and accents ignored).
local by_first_name = key_def.new({ { fieldno = 2, type = 'string', collation = 'unicode_ci' } })

-- Users whose first name starts with `first` and last name with `second`, in (first_name, second_name, id)
-- order: the app's MySQL search (`LIKE 'x%' AND LIKE 'y%' ORDER BY first_name, second_name, id`).
-- A skip scan of the name index: for each first name in the prefix's range, jump straight to
-- (that name, `second`) and read only the tuples that match, then jump past that first name. It reads
-- about one tuple per result plus two seeks per distinct first name, instead of every user whose first
-- name has the prefix (thousands per search on a million users): Tarantool runs requests on one thread,
-- so what a search reads is what bounds its throughput.
function user_search(first, second, limit)
  limit = math.min(tonumber(limit) or 100, 1000)
  local first_length, second_length = utf8.len(first), utf8.len(second)
  local name = box.space.user.index.name
  local found = {}
  local group = name:select({ first }, { iterator = 'GE', limit = 1 })[1]
  while group ~= nil and starts_with(group[2], first, first_length) do
    local first_name = group[2]
    for _, t in name:pairs({ first_name, second }, { iterator = 'GE' }) do
      if by_first_name:compare_with_key(t, { first_name }) ~= 0 then break end
      if not starts_with(t[3], second, second_length) then break end
      found[#found + 1] = t
      if #found >= limit then return found end
    end
    group = name:select({ first_name }, { iterator = 'GT', limit = 1 })[1]
  end
  return found
end

function user_count()
  return box.space.user:len()
end

-- Applies one batch of row changes and, when given, the binlog position after them, as one transaction:
-- a replicator killed at any point resumes from a position that matches exactly the rows applied.
-- ops: { {space_id, 'r', tuple} | {space_id, 'd', key} | {space_id, 't'} }.
-- pos: { stream, file, position, gtid, event_time } or nil.
function replicator_apply(ops, pos)
  box.begin()
  local ok, err = pcall(function()
    for _, op in ipairs(ops) do
      local space = box.space[op[1]]
      if op[2] == 'r' then
        space:replace(op[3])
      elseif op[2] == 'd' then
        space:delete(op[3])
      elseif op[2] == 't' then
        -- truncate() cannot run inside a transaction: delete row by row instead.
        local keys = {}
        for _, t in space.index[0]:pairs() do keys[#keys + 1] = t[1] end
        for _, key in ipairs(keys) do space:delete(key) end
      else
        error('unknown replicator op ' .. tostring(op[2]))
      end
    end
    if pos ~= nil then
      box.space.replication_position:replace({ pos[1], pos[2], pos[3], pos[4], pos[5], require('fiber').time() })
    end
  end)
  if not ok then
    box.rollback()
    error(err)
  end
  box.commit()
  return #ops
end

function replicator_position(stream)
  return box.space.replication_position:get(stream)
end

-- Before an initial load: forget the position and every row of the mapped spaces.
function replicator_reset(stream, space_ids)
  box.space.replication_position:delete(stream)
  for _, id in ipairs(space_ids) do box.space[id]:truncate() end
  return true
end

function tarantool_schema_version()
  return schema_version
end

local functions = {
  'user_search',
  'user_count',
  'replicator_apply',
  'replicator_position',
  'replicator_reset',
  'tarantool_schema_version',
}
for _, name in ipairs(functions) do
  box.schema.func.create(name, { if_not_exists = true })
end

-- The user the app and the replicator log in as; without a password set, nobody but admin gets in.
local name = os.getenv('TARANTOOL_USER_NAME') or 'app'
-- A container secret: the first line of the file TARANTOOL_USER_PASSWORD_FILE names, else the variable.
local function secret(name)
  local path = os.getenv(name .. '_FILE')
  if path == nil or path == '' then
    return os.getenv(name)
  end
  local file = assert(io.open(path, 'r'))
  local value = file:read('*l')
  file:close()
  return value
end
local password = secret('TARANTOOL_USER_PASSWORD')
if password ~= nil and password ~= '' then
  box.schema.user.create(name, { password = password, if_not_exists = true })
  box.schema.user.passwd(name, password)
  box.schema.user.grant(name, 'read,write', 'space', 'user', { if_not_exists = true })
  box.schema.user.grant(name, 'read,write', 'space', 'replication_position', { if_not_exists = true })
  for _, fn in ipairs(functions) do
    box.schema.user.grant(name, 'execute', 'function', fn, { if_not_exists = true })
  end
end

-- The operator (scripts/tarantool.mjs) logs in as admin to apply this file again; admin has no password,
-- and so no network login, unless one is given (TARANTOOL_ADMIN_PASSWORD_FILE's first line, or the variable).
local admin_password = secret('TARANTOOL_ADMIN_PASSWORD')
if admin_password ~= nil and admin_password ~= '' then
  box.schema.user.passwd('admin', admin_password)
end

return schema_version
