import { describe, expect, it } from 'vitest';
import type { MysqlNode } from '../inventory/schema.ts';
import { flavorFor, type ReplicaStatus } from './flavor.ts';
import { type GtidSet, MariadbGtidPos, MysqlGtidSet } from './gtid.ts';
import { classifySlave, describeReplica, readSlaveState, type SlaveState } from './replica-state.ts';
import type { MysqlSession } from './session.ts';

const master: MysqlNode = { name: 'db1', host: '10.0.0.1', port: 3306 };
const replUser = 'repl';

/** A slave that replicates from the master with auto-positioning, nothing wrong. */
function healthy(overrides: Partial<ReplicaStatus> = {}): ReplicaStatus {
  return {
    sourceHost: '10.0.0.1',
    sourcePort: 3306,
    sourceUser: 'repl',
    ioState: 'Yes',
    sqlRunning: true,
    ioError: '',
    sqlError: '',
    ioErrno: 0,
    sqlErrno: 0,
    secondsBehind: 0,
    autoPosition: true,
    received: '0-1-20',
    ...overrides,
  };
}

function state(overrides: Partial<SlaveState> = {}): SlaveState {
  return {
    status: healthy(),
    executed: new MariadbGtidPos('0-1-20'),
    slavePos: '0-1-20',
    masterExecuted: new MariadbGtidPos('0-1-20'),
    errant: 0,
    ...overrides,
  };
}

const classify = (s: SlaveState) => classifySlave(s, master, replUser);

describe('classifySlave', () => {
  it('ok: replicating from the master, as the replication user, with auto-positioning', () => {
    expect(classify(state())).toEqual({ action: 'ok', reason: '' });
  });

  it('ok while lagging or with lag unknown: lag is not this decision', () => {
    expect(classify(state({ status: healthy({ secondsBehind: 3600 }) })).action).toBe('ok');
    expect(classify(state({ status: healthy({ secondsBehind: null }) })).action).toBe('ok');
  });

  it('ok while the IO thread connects without an error yet (just started)', () => {
    expect(classify(state({ status: healthy({ ioState: 'Connecting' }) })).action).toBe('ok');
  });

  it('ok when the IO thread runs and an old IO error is still shown', () => {
    const status = healthy({ ioErrno: 2003, ioError: "error reconnecting to master 'repl@10.0.0.1:3306'" });
    expect(classify(state({ status })).action).toBe('ok');
  });

  describe('seed', () => {
    it('errant transactions, whatever the replication status says', () => {
      expect(classify(state({ errant: 3 }))).toEqual({
        action: 'seed',
        reason: 'diverged: 3 transaction(s) the master never had',
      });
      expect(classify(state({ errant: 1, status: null, slavePos: '' })).action).toBe('seed');
    });

    it('an SQL thread error', () => {
      const sqlError =
        "Could not execute Write_rows_v1 event on table app.user; Duplicate entry '42' for key 'PRIMARY'";
      const status = healthy({ sqlRunning: false, sqlErrno: 1062, sqlError });
      expect(classify(state({ status }))).toEqual({ action: 'seed', reason: `diverged: ${sqlError}` });
    });

    it('an SQL error takes precedence over the IO error in the reason', () => {
      const status = healthy({ sqlErrno: 1062, sqlError: 'duplicate', ioErrno: 1236, ioError: 'purged' });
      expect(classify(state({ status })).reason).toBe('diverged: duplicate');
    });

    it('IO error 1236: the master no longer has the binlogs the slave needs', () => {
      const ioError =
        'Got fatal error 1236 from master when reading data from binary log: ' +
        "'Could not find GTID state requested by slave in any binlog files.'";
      const status = healthy({ ioState: 'No', ioErrno: 1236, ioError });
      expect(classify(state({ status }))).toEqual({ action: 'seed', reason: `diverged: ${ioError}` });
    });

    it('cuts a long error to 160 characters in the reason', () => {
      const status = healthy({ sqlErrno: 1032, sqlError: 'x'.repeat(500) });
      expect(classify(state({ status })).reason).toBe(`diverged: ${'x'.repeat(160)}`);
    });

    it('no replication status and nothing executed or seeded: an empty slave', () => {
      expect(classify(state({ status: null, slavePos: '', executed: new MariadbGtidPos('') }))).toEqual({
        action: 'seed',
        reason: 'empty: never seeded from the master',
      });
    });
  });

  describe('repoint', () => {
    it('no replication status but a slave position (a snapshot finished loading)', () => {
      const result = classify(state({ status: null, slavePos: '0-1-20' }));
      expect(result.action).toBe('repoint');
      expect(result.reason).toContain('0-1-20');
      expect(result.reason).toContain('replication not configured');
    });

    it('no replication status, no slave position, but its own binlog history (a former master)', () => {
      const result = classify(state({ status: null, slavePos: '', executed: new MariadbGtidPos('0-1-20') }));
      expect(result.action).toBe('repoint');
      expect(result.reason).toContain('0-1-20');
    });

    it('replicating from another host', () => {
      const status = healthy({ sourceHost: '10.0.0.9' });
      expect(classify(state({ status }))).toEqual({
        action: 'repoint',
        reason: 'replicates from 10.0.0.9:3306, not db1',
      });
    });

    it('replicating from another port of the same host', () => {
      const status = healthy({ sourcePort: 3307 });
      expect(classify(state({ status }))).toEqual({
        action: 'repoint',
        reason: 'replicates from 10.0.0.1:3307, not db1',
      });
    });

    it('the wrong source wins over a stopped thread (starting it would replicate the wrong server)', () => {
      const status = healthy({ sourceHost: '10.0.0.9', ioState: 'No', sqlRunning: false });
      expect(classify(state({ status })).action).toBe('repoint');
    });

    it('file/position replication instead of GTID auto-positioning', () => {
      expect(classify(state({ status: healthy({ autoPosition: false }) }))).toEqual({
        action: 'repoint',
        reason: 'uses file/position, not GTID auto-positioning',
      });
    });

    it('connecting as another user (the seed replicated as root)', () => {
      expect(classify(state({ status: healthy({ sourceUser: 'root' }) }))).toEqual({
        action: 'repoint',
        reason: 'connects as root, not repl',
      });
    });

    it('an IO thread that keeps failing to connect', () => {
      const ioError =
        "error connecting to master 'repl@10.0.0.1:3306' - retry-time: 2  maximum-retries: 100000";
      const status = healthy({ ioState: 'Connecting', ioErrno: 1045, ioError });
      expect(classify(state({ status }))).toEqual({
        action: 'repoint',
        reason: `io thread failing: ${ioError}`,
      });
    });
  });

  describe('start', () => {
    it('both threads stopped', () => {
      expect(classify(state({ status: healthy({ ioState: 'No', sqlRunning: false }) }))).toEqual({
        action: 'start',
        reason: 'replication stopped (io No, sql No)',
      });
    });

    it('only the IO thread stopped', () => {
      expect(classify(state({ status: healthy({ ioState: 'No' }) }))).toEqual({
        action: 'start',
        reason: 'replication stopped (io No, sql Yes)',
      });
    });

    it('only the SQL thread stopped, without an error', () => {
      expect(classify(state({ status: healthy({ sqlRunning: false }) }))).toEqual({
        action: 'start',
        reason: 'replication stopped (io Yes, sql No)',
      });
    });

    it('the SQL thread stopped while the IO thread connects', () => {
      expect(classify(state({ status: healthy({ ioState: 'Connecting', sqlRunning: false }) }))).toEqual({
        action: 'start',
        reason: 'replication stopped (io Connecting, sql No)',
      });
    });
  });

  it('works on MySQL sets the same way', () => {
    const uuid = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
    const mysqlState: SlaveState = {
      status: healthy({ received: `${uuid}:1-5` }),
      executed: new MysqlGtidSet(`${uuid}:1-5`),
      slavePos: `${uuid}:1-5`,
      masterExecuted: new MysqlGtidSet(`${uuid}:1-7`),
      errant: 0,
    };
    expect(classify(mysqlState).action).toBe('ok');
    expect(classify({ ...mysqlState, status: null }).action).toBe('repoint');
    expect(
      classify({ ...mysqlState, status: null, slavePos: '', executed: new MysqlGtidSet('') }).action,
    ).toBe('seed');
  });
});

describe('describeReplica', () => {
  it('says when a server does not replicate', () => {
    expect(describeReplica(null)).toBe('not replicating');
  });

  it('names source, threads and lag', () => {
    expect(describeReplica(healthy({ secondsBehind: 3 }))).toBe(
      'from 10.0.0.1:3306, io Yes, sql Yes, lag 3 s',
    );
    expect(describeReplica(healthy({ ioState: 'Connecting', sqlRunning: false, secondsBehind: null }))).toBe(
      'from 10.0.0.1:3306, io Connecting, sql No, lag unknown',
    );
  });
});

describe('readSlaveState', () => {
  /** Only what readSlaveState asks of a session. */
  function fakeSession(options: {
    version: string;
    row?: Record<string, unknown>;
    executed: string;
    slavePos?: string | null;
  }): { session: MysqlSession; asked: string[] } {
    const flavor = flavorFor(options.version);
    const asked: string[] = [];
    const fake = {
      flavor,
      async one(sql: string) {
        asked.push(sql);
        return options.row;
      },
      async value(sql: string) {
        asked.push(sql);
        return options.slavePos ?? null;
      },
      async executedGtid(): Promise<GtidSet> {
        return flavor.parseGtid(options.executed);
      },
    };
    return { session: fake as unknown as MysqlSession, asked };
  }

  it('reads a MariaDB slave: status, slave position and errant count', async () => {
    const slave = fakeSession({
      version: '10.11.19-MariaDB-log',
      row: {
        Master_Host: '10.0.0.1',
        Master_Port: 3306,
        Master_User: 'repl',
        Slave_IO_Running: 'Yes',
        Slave_SQL_Running: 'Yes',
        Using_Gtid: 'Slave_Pos',
      },
      executed: '0-1-20,0-3-2',
      slavePos: '0-1-20',
    });
    const masterSession = fakeSession({ version: '10.11.19-MariaDB-log', executed: '0-1-25' });
    const result = await readSlaveState(slave.session, masterSession.session);
    expect(slave.asked).toEqual(['SHOW SLAVE STATUS', 'SELECT @@GLOBAL.gtid_slave_pos']);
    expect(result.status).toMatchObject({
      sourceHost: '10.0.0.1',
      sourcePort: 3306,
      ioState: 'Yes',
      autoPosition: true,
    });
    expect(result.slavePos).toBe('0-1-20');
    expect(result.errant).toBe(0);
    expect(classifySlave(result, master, replUser).action).toBe('ok');
  });

  it('counts what the slave has that the master lacks as errant', async () => {
    const slave = fakeSession({ version: '10.11.19-MariaDB-log', executed: '0-1-30', slavePos: '0-1-30' });
    const masterSession = fakeSession({ version: '10.11.19-MariaDB-log', executed: '0-1-25' });
    const result = await readSlaveState(slave.session, masterSession.session);
    expect(result.errant).toBe(5);
    expect(classifySlave(result, master, replUser).action).toBe('seed');
  });

  it('has no status when the server answers no row or a row without a source host', async () => {
    const masterSession = fakeSession({ version: '10.11.19-MariaDB-log', executed: '0-1-25' });
    const noRow = fakeSession({ version: '10.11.19-MariaDB-log', executed: '', slavePos: '' });
    expect((await readSlaveState(noRow.session, masterSession.session)).status).toBeNull();
    const reset = fakeSession({
      version: '10.11.19-MariaDB-log',
      row: { Master_Host: '', Slave_IO_Running: 'No' },
      executed: '',
      slavePos: null,
    });
    const result = await readSlaveState(reset.session, masterSession.session);
    expect(result.status).toBeNull();
    expect(result.slavePos).toBe('');
    expect(classifySlave(result, master, replUser).action).toBe('seed');
  });

  it('uses the executed set as the MySQL slave position and reads the 8.0 column names', async () => {
    const uuid = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
    const slave = fakeSession({
      version: '8.0.36',
      row: {
        Source_Host: '10.0.0.1',
        Source_Port: 3306,
        Source_User: 'repl',
        Replica_IO_Running: 'Yes',
        Replica_SQL_Running: 'Yes',
        Auto_Position: 1,
      },
      executed: `${uuid}:1-5`,
    });
    const masterSession = fakeSession({ version: '8.0.36', executed: `${uuid}:1-9` });
    const result = await readSlaveState(slave.session, masterSession.session);
    expect(slave.asked).toEqual(['SHOW REPLICA STATUS']);
    expect(result.slavePos).toBe(`${uuid}:1-5`);
    expect(result.status).toMatchObject({ sourceHost: '10.0.0.1', autoPosition: true });
    expect(result.errant).toBe(0);
  });
});
