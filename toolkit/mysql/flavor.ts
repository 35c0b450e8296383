import { type GtidSet, MariadbGtidPos, MysqlGtidSet } from './gtid.ts';

export type ServerKind = 'mariadb' | 'mysql';

export interface ServerVersion {
  kind: ServerKind;
  major: number;
  minor: number;
  patch: number;
  text: string;
}

/** Parses VERSION() or a handshake version; MariaDB's handshake carries MySQL's "5.5.5-" prefix. */
export function parseVersion(version: string): ServerVersion {
  const text = version.trim().replace(/^5\.5\.5-/, '');
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(text);
  if (!m) throw new Error(`cannot parse server version '${version}'`);
  return {
    kind: /mariadb/i.test(text) ? 'mariadb' : 'mysql',
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: Number(m[3]),
    text,
  };
}

function atLeast(v: ServerVersion, major: number, minor: number, patch: number): boolean {
  if (v.major !== major) return v.major > major;
  if (v.minor !== minor) return v.minor > minor;
  return v.patch >= patch;
}

/** One replica's replication state, with the column-name differences of each server folded away. */
export interface ReplicaStatus {
  sourceHost: string;
  sourcePort: number;
  sourceUser: string;
  ioState: 'Yes' | 'No' | 'Connecting';
  sqlRunning: boolean;
  ioError: string;
  sqlError: string;
  ioErrno: number;
  sqlErrno: number;
  secondsBehind: number | null;
  /** GTID auto-positioning in use (MariaDB Using_Gtid = Slave_Pos/Current_Pos, MySQL Auto_Position = 1). */
  autoPosition: boolean;
  /** What the IO thread has received (MariaDB Gtid_IO_Pos, MySQL Retrieved_Gtid_Set). */
  received: string;
}

/** Where a source's binary log ends (SHOW MASTER/BINARY LOG STATUS). */
export interface BinaryLogStatus {
  file: string;
  position: number;
  /** MySQL's Executed_Gtid_Set, whitespace (the line breaks of a long set) removed; '' on MariaDB. */
  executedGtidSet: string;
}

export interface SemisyncNames {
  /** Plugin to install, or undefined where the server has it built in (MariaDB 10.3+). */
  sourcePlugin?: { name: string; soname: string };
  replicaPlugin?: { name: string; soname: string };
  sourceEnabled: string;
  sourceTimeout: string;
  sourceWaitPoint: string;
  replicaEnabled: string;
  sourceStatus: string;
  sourceClients: string;
  sourceYesTx: string;
  sourceNoTx: string;
  replicaStatus: string;
}

export interface ChangeSourceOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  connectRetrySeconds?: number;
}

/** Everything that differs between MySQL 5.7, MySQL 8.x and MariaDB, in one place. */
export interface Flavor {
  version: ServerVersion;
  label: string;
  showReplicaStatus: string;
  startReplica: string;
  stopReplica: string;
  stopIoThread: string;
  startIoThread: string;
  resetReplicaAll: string;
  /**
   * The binary log's file, position and (MySQL) executed GTID set on a source: SHOW MASTER STATUS, which
   * MySQL 8.2 renamed SHOW BINARY LOG STATUS and 8.4 removed. Read its row with parseBinaryLogStatus.
   */
  binaryLogStatus: string;
  parseBinaryLogStatus(row: Record<string, unknown> | undefined): BinaryLogStatus;
  /** The statement that points this server at a source with GTID auto-positioning, with placeholders. */
  changeSource(options: ChangeSourceOptions): { sql: string; values: Array<string | number> };
  parseReplicaStatus(row: Record<string, unknown>): ReplicaStatus;
  /** What a server has executed, as a GTID set. */
  executedGtidSql: string;
  parseGtid(text: string): GtidSet;
  /** Variables whose values must be as given for GTID replication (name → expected, compared upper-case). */
  gtidRequirements: Record<string, string>;
  logReplicaUpdatesVar: string;
  hasServerUuid: boolean;
  semisync: SemisyncNames;
  /** MySQL 8 persists with SET PERSIST; the others need an option file. */
  canSetPersist: boolean;
  /** Statements that stop writes by ordinary and privileged users, and lift that again. */
  fenceStatements: string[];
  unfenceStatements: string[];
  /** The one privilege a monitoring account needs to read replica status (SHOW SLAVE/REPLICA STATUS). */
  monitorPrivilege: string;
  /** How a dump tool records the GTID position it was taken at. */
  dumpGtidArgs: string[];
  /**
   * Run on a slave before a snapshot is loaded into it: its own history and position are cleared,
   * so a load that dies half-way leaves a slave that is recognisably unseeded.
   */
  seedPrepare: string[];
  /** The GTID position a dump was taken at, from its text (MariaDB prints it near the end, as a comment). */
  seedPosition(dumpText: string): string | undefined;
  /** Sets the position once the load is complete. */
  seedPositionSql: string;
  /**
   * MySQL's dump sets gtid_purged itself, at its start; such a statement is held back from the
   * load and run at the end instead, for the same crash-safety.
   */
  heldBackStatement?: RegExp;
  /** The physical backup tools of this server (toolkit/backup): binaries tried in order. */
  physicalBackup: PhysicalBackupTools;
}

/**
 * MariaDB: mariabackup streams xbstream, mbstream unpacks it, mariadb-binlog replays the archive.
 * MySQL: Percona XtraBackup and mysqlbinlog, the same shapes; they cannot run on this machine (no
 * MySQL server here), so that branch is exercised only by its unit test.
 */
export interface PhysicalBackupTools {
  backup: string[];
  extract: string[];
  binlog: string[];
  /** Where the tool writes the binlog file, position and GTID its copy is consistent with. */
  positionFile: string;
}

export function flavorFor(versionText: string): Flavor {
  const version = parseVersion(versionText);
  return version.kind === 'mariadb' ? mariadb(version) : mysql(version);
}

const str = (row: Record<string, unknown>, key: string): string => {
  const v = row[key];
  return v === null || v === undefined ? '' : String(v);
};
const num = (row: Record<string, unknown>, key: string): number => Number(row[key] ?? 0) || 0;
const lag = (row: Record<string, unknown>, key: string): number | null =>
  row[key] === null || row[key] === undefined || row[key] === '' ? null : Number(row[key]);
const ioState = (v: string): ReplicaStatus['ioState'] =>
  v === 'Yes' ? 'Yes' : v === 'Connecting' ? 'Connecting' : 'No';

const binaryLogStatusOf = (row: Record<string, unknown> | undefined): BinaryLogStatus => ({
  file: row ? str(row, 'File') : '',
  position: row ? num(row, 'Position') : 0,
  executedGtidSet: row ? str(row, 'Executed_Gtid_Set').replace(/\s/g, '') : '',
});

function mariadb(version: ServerVersion): Flavor {
  return {
    version,
    label: `MariaDB ${version.major}.${version.minor}.${version.patch}`,
    showReplicaStatus: 'SHOW SLAVE STATUS',
    startReplica: 'START SLAVE',
    stopReplica: 'STOP SLAVE',
    stopIoThread: 'STOP SLAVE IO_THREAD',
    startIoThread: 'START SLAVE IO_THREAD',
    resetReplicaAll: 'RESET SLAVE ALL',
    binaryLogStatus: 'SHOW MASTER STATUS',
    parseBinaryLogStatus: binaryLogStatusOf,
    changeSource: (o) => ({
      sql:
        'CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, ' +
        'MASTER_CONNECT_RETRY = ?, MASTER_USE_GTID = slave_pos',
      values: [o.host, o.port, o.user, o.password, o.connectRetrySeconds ?? 2],
    }),
    // SHOW REPLICA STATUS works on MariaDB too, but it keeps the Slave_* column names.
    parseReplicaStatus: (row) => ({
      sourceHost: str(row, 'Master_Host'),
      sourcePort: num(row, 'Master_Port'),
      sourceUser: str(row, 'Master_User'),
      ioState: ioState(str(row, 'Slave_IO_Running')),
      sqlRunning: str(row, 'Slave_SQL_Running') === 'Yes',
      ioError: str(row, 'Last_IO_Error'),
      sqlError: str(row, 'Last_SQL_Error'),
      ioErrno: num(row, 'Last_IO_Errno'),
      sqlErrno: num(row, 'Last_SQL_Errno'),
      secondsBehind: lag(row, 'Seconds_Behind_Master'),
      autoPosition: /^(Slave_Pos|Current_Pos)$/i.test(str(row, 'Using_Gtid')),
      received: str(row, 'Gtid_IO_Pos'),
    }),
    // gtid_current_pos is what this server has applied or logged itself, whichever is newer.
    executedGtidSql: 'SELECT @@GLOBAL.gtid_current_pos AS gtid',
    parseGtid: (t) => new MariadbGtidPos(t),
    // MariaDB always has GTIDs; strict mode makes an out-of-order or duplicate GTID an error, not a silent fork.
    gtidRequirements: {
      log_bin: 'ON',
      binlog_format: 'ROW',
      log_slave_updates: 'ON',
      gtid_strict_mode: 'ON',
    },
    logReplicaUpdatesVar: 'log_slave_updates',
    hasServerUuid: false,
    semisync: {
      sourceEnabled: 'rpl_semi_sync_master_enabled',
      sourceTimeout: 'rpl_semi_sync_master_timeout',
      sourceWaitPoint: 'rpl_semi_sync_master_wait_point',
      replicaEnabled: 'rpl_semi_sync_slave_enabled',
      sourceStatus: 'Rpl_semi_sync_master_status',
      sourceClients: 'Rpl_semi_sync_master_clients',
      sourceYesTx: 'Rpl_semi_sync_master_yes_tx',
      sourceNoTx: 'Rpl_semi_sync_master_no_tx',
      replicaStatus: 'Rpl_semi_sync_slave_status',
    },
    canSetPersist: false,
    fenceStatements: ['SET GLOBAL read_only = ON'],
    unfenceStatements: ['SET GLOBAL read_only = OFF'],
    // MariaDB 10.5 split REPLICATION CLIENT; SHOW SLAVE STATUS needs SLAVE MONITOR since then.
    monitorPrivilege: atLeast(version, 10, 5, 9) ? 'SLAVE MONITOR' : 'REPLICATION CLIENT',
    dumpGtidArgs: ['--master-data=2', '--gtid'],
    seedPrepare: ['RESET MASTER', "SET GLOBAL gtid_slave_pos = ''"],
    seedPosition: (text) => /^-- SET GLOBAL gtid_slave_pos\s*=\s*'([^']*)'/m.exec(text)?.[1],
    seedPositionSql: 'SET GLOBAL gtid_slave_pos = ?',
    physicalBackup: {
      backup: ['mariadb-backup', 'mariabackup'],
      extract: ['mbstream'],
      binlog: ['mariadb-binlog', 'mysqlbinlog'],
      positionFile: 'xtrabackup_binlog_info',
    },
  };
}

function mysql(version: ServerVersion): Flavor {
  const replicaWords = atLeast(version, 8, 0, 22);
  const sourceSyntax = atLeast(version, 8, 0, 23);
  const newSemisync = atLeast(version, 8, 0, 26);
  // 8.2 added SHOW BINARY LOG STATUS for SHOW MASTER STATUS, which 8.4 removed (as it removed RESET MASTER).
  const binaryLogWords = atLeast(version, 8, 2, 0);
  const is8 = version.major >= 8;
  const col = (oldName: string, newName: string) => (replicaWords ? newName : oldName);
  const semiSource = newSemisync ? 'source' : 'master';
  const semiReplica = newSemisync ? 'replica' : 'slave';
  return {
    version,
    label: `MySQL ${version.major}.${version.minor}.${version.patch}`,
    showReplicaStatus: replicaWords ? 'SHOW REPLICA STATUS' : 'SHOW SLAVE STATUS',
    startReplica: replicaWords ? 'START REPLICA' : 'START SLAVE',
    stopReplica: replicaWords ? 'STOP REPLICA' : 'STOP SLAVE',
    stopIoThread: replicaWords ? 'STOP REPLICA IO_THREAD' : 'STOP SLAVE IO_THREAD',
    startIoThread: replicaWords ? 'START REPLICA IO_THREAD' : 'START SLAVE IO_THREAD',
    resetReplicaAll: replicaWords ? 'RESET REPLICA ALL' : 'RESET SLAVE ALL',
    binaryLogStatus: binaryLogWords ? 'SHOW BINARY LOG STATUS' : 'SHOW MASTER STATUS',
    parseBinaryLogStatus: binaryLogStatusOf,
    changeSource: (o) => {
      const values = [o.host, o.port, o.user, o.password, o.connectRetrySeconds ?? 2];
      if (sourceSyntax) {
        return {
          sql:
            'CHANGE REPLICATION SOURCE TO SOURCE_HOST = ?, SOURCE_PORT = ?, SOURCE_USER = ?, SOURCE_PASSWORD = ?, ' +
            'SOURCE_CONNECT_RETRY = ?, SOURCE_AUTO_POSITION = 1, GET_SOURCE_PUBLIC_KEY = 1',
          values,
        };
      }
      return {
        sql:
          'CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, ' +
          `MASTER_CONNECT_RETRY = ?, MASTER_AUTO_POSITION = 1${is8 ? ', GET_MASTER_PUBLIC_KEY = 1' : ''}`,
        values,
      };
    },
    parseReplicaStatus: (row) => ({
      sourceHost: str(row, col('Master_Host', 'Source_Host')),
      sourcePort: num(row, col('Master_Port', 'Source_Port')),
      sourceUser: str(row, col('Master_User', 'Source_User')),
      ioState: ioState(str(row, col('Slave_IO_Running', 'Replica_IO_Running'))),
      sqlRunning: str(row, col('Slave_SQL_Running', 'Replica_SQL_Running')) === 'Yes',
      ioError: str(row, 'Last_IO_Error'),
      sqlError: str(row, 'Last_SQL_Error'),
      ioErrno: num(row, 'Last_IO_Errno'),
      sqlErrno: num(row, 'Last_SQL_Errno'),
      secondsBehind: lag(row, col('Seconds_Behind_Master', 'Seconds_Behind_Source')),
      autoPosition: str(row, 'Auto_Position') === '1',
      received: str(row, 'Retrieved_Gtid_Set'),
    }),
    executedGtidSql: 'SELECT @@GLOBAL.gtid_executed AS gtid',
    parseGtid: (t) => new MysqlGtidSet(t),
    gtidRequirements: {
      log_bin: 'ON',
      binlog_format: 'ROW',
      gtid_mode: 'ON',
      enforce_gtid_consistency: 'ON',
      [newSemisync ? 'log_replica_updates' : 'log_slave_updates']: 'ON',
    },
    logReplicaUpdatesVar: newSemisync ? 'log_replica_updates' : 'log_slave_updates',
    hasServerUuid: true,
    semisync: {
      sourcePlugin: { name: `rpl_semi_sync_${semiSource}`, soname: `semisync_${semiSource}.so` },
      replicaPlugin: { name: `rpl_semi_sync_${semiReplica}`, soname: `semisync_${semiReplica}.so` },
      sourceEnabled: `rpl_semi_sync_${semiSource}_enabled`,
      sourceTimeout: `rpl_semi_sync_${semiSource}_timeout`,
      sourceWaitPoint: `rpl_semi_sync_${semiSource}_wait_point`,
      replicaEnabled: `rpl_semi_sync_${semiReplica}_enabled`,
      sourceStatus: `Rpl_semi_sync_${semiSource}_status`,
      sourceClients: `Rpl_semi_sync_${semiSource}_clients`,
      sourceYesTx: `Rpl_semi_sync_${semiSource}_yes_tx`,
      sourceNoTx: `Rpl_semi_sync_${semiSource}_no_tx`,
      replicaStatus: `Rpl_semi_sync_${semiReplica}_status`,
    },
    canSetPersist: is8,
    // super_read_only also stops users with SUPER, which read_only alone lets through.
    fenceStatements: ['SET GLOBAL super_read_only = ON'],
    unfenceStatements: ['SET GLOBAL super_read_only = OFF', 'SET GLOBAL read_only = OFF'],
    monitorPrivilege: 'REPLICATION CLIENT',
    dumpGtidArgs: [
      atLeast(version, 8, 0, 26) ? '--source-data=2' : '--master-data=2',
      '--set-gtid-purged=ON',
    ],
    // gtid_purged can only be set on a server whose GTID history is empty.
    seedPrepare: [atLeast(version, 8, 4, 0) ? 'RESET BINARY LOGS AND GTIDS' : 'RESET MASTER'],
    seedPosition: (text) => {
      const m = /SET @@GLOBAL\.GTID_PURGED\s*=\s*(?:\/\*!80000 '\+'\*\/\s*)?'([^']*)'/i.exec(text);
      return m ? m[1]!.replace(/\s+/g, '') : undefined;
    },
    seedPositionSql: 'SET @@GLOBAL.gtid_purged = ?',
    heldBackStatement: /^SET @@GLOBAL\.GTID_PURGED/i,
    // Percona XtraBackup (or MySQL Shell's util.dumpInstance for a logical copy): not installable here.
    physicalBackup: {
      backup: ['xtrabackup'],
      extract: ['xbstream'],
      binlog: ['mysqlbinlog'],
      positionFile: 'xtrabackup_binlog_info',
    },
  };
}
