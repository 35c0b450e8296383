-- Tarantool side of the user table's replica: compose, the stacks and the local environment all run this
-- one file. Space ids are the seed's (replicatord mapped app.user to 513 and kept its binlog position in 512).
box.cfg({
  listen = tonumber(os.getenv('TARANTOOL_LISTEN') or '3301'),
  work_dir = os.getenv('TARANTOOL_WORK_DIR') or '/var/lib/tarantool',
})

box.once('highload-social-schema-1', function()
  local user = box.schema.space.create('user', { id = 513 })
  user:create_index('primary', { type = 'tree', parts = { { field = 1, type = 'unsigned' } } })

  -- One tuple per replication stream: {stream id, binlog file, binlog position, GTID set}.
  local position = box.schema.space.create('replication_position', { id = 512 })
  position:create_index('primary', { type = 'tree', parts = { { field = 1, type = 'unsigned' } } })
end)

-- The user the app and the replicator log in as; without a password set, nobody but admin gets in.
local name = os.getenv('TARANTOOL_USER_NAME') or 'app'
local password = os.getenv('TARANTOOL_USER_PASSWORD')
if password ~= nil and password ~= '' then
  box.schema.user.create(name, { password = password, if_not_exists = true })
  box.schema.user.passwd(name, password)
  box.schema.user.grant(name, 'read,write', 'space', 'user', { if_not_exists = true })
  box.schema.user.grant(name, 'read,write', 'space', 'replication_position', { if_not_exists = true })
end
