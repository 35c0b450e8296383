import type { Mutation } from './mutation.ts';

/**
 * A control: one small change that breaks what the named tests claim to prove, so those tests must
 * fail under it (issue #19). The code the tests exercise is mutated where the claim is about the
 * code; the test's own set-up where the claim is about the environment (semi-sync being on).
 */
export interface Control {
  name: string;
  /** The claim it puts to the test, as the tests name it. */
  claim: string;
  files: string[];
  mutations: Mutation[];
}

const failover = 'toolkit/mysql/failover.db.test.ts';
const candidateTest = 'toolkit/mysql/candidate.test.ts';
const replicator = 'toolkit/tarantool/replicator.db.test.ts';
const engine = 'toolkit/tarantool/replicator/engine.ts';
const applyWithPosition = [
  '    this.hooks.beforeApply?.(batch);',
  "    await tarantool.call('replicator_apply', [ops, positionArgs(this.streamKey, committed)]);",
  '    this.hooks.afterApply?.(batch);',
].join('\n');
// biome-ignore lint/suspicious/noTemplateCurlyInString: this is TypeScript source inserted into a test, template literal included.
const semisyncOff = 'await master.exec(`SET GLOBAL ${master.flavor.semisync.sourceEnabled} = OFF`);';

export const controls: Control[] = [
  {
    name: 'candidate-sort-reversed',
    claim:
      'failover promotes the slave that holds the most, and refuses a --candidate that lacks transactions',
    files: [candidateTest, failover],
    mutations: [
      {
        file: 'toolkit/mysql/candidate.ts',
        find: '.sort((a, b) => a.lacks - b.lacks || a.order - b.order);',
        replace: '.sort((a, b) => b.lacks - a.lacks || a.order - b.order);',
      },
    ],
  },
  {
    name: 'semisync-off',
    claim: 'no acknowledged write is lost in a failover under write load, because semi-sync is on',
    files: [failover],
    mutations: [
      {
        // Before the load, as issue #19's check did: the master keeps running, asynchronous.
        file: failover,
        find: "    'CREATE TABLE app.ledger (id BIGINT AUTO_INCREMENT PRIMARY KEY, writer INT NOT NULL, n INT NOT NULL) ENGINE=InnoDB',\n  );",
        replace: `    'CREATE TABLE app.ledger (id BIGINT AUTO_INCREMENT PRIMARY KEY, writer INT NOT NULL, n INT NOT NULL) ENGINE=InnoDB',\n  );\n  ${semisyncOff}`,
      },
    ],
  },
  {
    name: 'replicator-position-before-rows',
    claim: 'killed inside a batch, the replicator resumes at its stored position and loses nothing',
    files: [replicator],
    mutations: [
      {
        // The position is stored in a Tarantool transaction of its own, before the batch's rows.
        file: engine,
        find: applyWithPosition,
        replace: [
          "    await tarantool.call('replicator_apply', [[], positionArgs(this.streamKey, committed)]);",
          '    this.hooks.beforeApply?.(batch);',
          "    await tarantool.call('replicator_apply', [ops, null]);",
          '    this.hooks.afterApply?.(batch);',
        ].join('\n'),
      },
    ],
  },
  {
    name: 'replicator-position-after-rows',
    claim: 'killed inside a batch, the replicator resumes at its stored position and applies nothing twice',
    files: [replicator],
    mutations: [
      {
        // The batch's rows are committed without their position, which follows in a second transaction.
        file: engine,
        find: applyWithPosition,
        replace: [
          '    this.hooks.beforeApply?.(batch);',
          "    await tarantool.call('replicator_apply', [ops, null]);",
          '    this.hooks.afterApply?.(batch);',
          "    await tarantool.call('replicator_apply', [[], positionArgs(this.streamKey, committed)]);",
        ].join('\n'),
      },
    ],
  },
  {
    name: 'replicator-double-apply',
    claim: 'the replicator applies every binlog row once',
    files: [replicator],
    mutations: [
      {
        file: engine,
        find: "    await tarantool.call('replicator_apply', [ops, positionArgs(this.streamKey, committed)]);",
        replace: [
          "    await tarantool.call('replicator_apply', [ops, positionArgs(this.streamKey, committed)]);",
          "    await tarantool.call('replicator_apply', [ops, positionArgs(this.streamKey, committed)]);",
        ].join('\n'),
      },
    ],
  },
  {
    name: 'celebrity-branch-deleted',
    claim:
      "a celebrity's post is fanned out page by page on the bulk queue while ordinary posts keep flowing",
    files: ['app/src/posts/feed.db.test.ts'],
    mutations: [
      {
        file: 'app/src/posts/fanout.ts',
        find: [
          '      if (count > celebrityFollowers) {',
          "        await this.broker.publish(this.names.exchange, 'bulk', { ...event, after: '0' });",
          '        return;',
          '      }',
          '',
        ].join('\n'),
        replace: '',
      },
    ],
  },
  {
    name: 'semisync-runbook-off',
    claim: 'the cluster the failover tests start (replication and semi-sync runbooks) runs semi-sync',
    files: [failover, 'toolkit/mysql/failover-safe.db.test.ts'],
    mutations: [
      {
        file: 'toolkit/mysql/semisync.ts',
        find: "    [names.sourceEnabled]: 'ON',",
        replace: "    [names.sourceEnabled]: 'OFF',",
      },
    ],
  },
  {
    name: 'replicator-resume-from-start',
    claim: 'a restarted replicator resumes after its stored position',
    files: [replicator],
    mutations: [
      {
        // The stored position is ignored: every restart reloads from a fresh snapshot.
        file: engine,
        find: 'let start: StoredPosition | BinlogPosition | undefined = positionFromTuple(stored);',
        replace: 'let start: StoredPosition | BinlogPosition | undefined = undefined;',
      },
    ],
  },
  {
    name: 'semisync-off-during-fault',
    claim:
      'semi-sync holds every commit while no slave can acknowledge, so killing the master then loses none',
    files: [failover],
    mutations: [
      {
        file: failover,
        find: '    // The fault: no slave receives anything more, so no acknowledgement can arrive.',
        replace: `    ${semisyncOff}\n    // The fault: no slave receives anything more, so no acknowledgement can arrive.`,
      },
    ],
  },
];

/** Every test file some control names: the unmutated run, which must pass, covers them all. */
export function controlFiles(list: Control[]): string[] {
  return [...new Set(list.flatMap((control) => control.files))];
}
