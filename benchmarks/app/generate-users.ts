import { connect, value } from '../../app/src/ops.ts';
import { generateProcedure } from '../../toolkit/app/generate-procedure.ts';
import { createReporter } from '../../toolkit/procedure/reporter.ts';
import { Run } from '../../toolkit/procedure/run.ts';
import { startBenchCluster } from './cluster.ts';

/**
 * Measures the users generator on a throwaway master + 2 semi-sync slaves (real mariadbd, the local
 * environment's settings), so the figure includes binlogging and replication, then times searches.
 * Prints numbers; asserts nothing.
 */
export async function benchGenerateUsers(count: number, deferIndex: boolean): Promise<void> {
  const { cluster, inventory, target } = await startBenchCluster();
  try {
    const { master } = inventory.mysql;
    const run = new Run({ runbook: 'bench', env: 'bench', dryRun: false, reporter: createReporter('plain') });
    const started = Date.now();
    try {
      await generateProcedure(
        run,
        { master: target, chat: target, host: master.name },
        {
          target: count,
          friendsPerUser: 3,
          postsPerUser: 0.1,
          dialogsPerUser: 0.01,
          chunkRows: 100_000,
          password: 'bench',
          deferIndex,
          seed: 42,
        },
      );
    } finally {
      await run.close();
    }
    const total = (Date.now() - started) / 1000;
    for (const step of run.report().steps) process.stdout.write(`  ${step.name}: ${step.detail}\n`);
    process.stdout.write(
      `generate-users ${count.toLocaleString('en-US')} (defer index: ${deferIndex}): ${total.toFixed(1)} s in total\n`,
    );

    const conn = await connect(target);
    try {
      const plan = await value(
        conn,
        "EXPLAIN FORMAT=JSON SELECT id FROM `user` WHERE first_name LIKE 'Ал%' AND second_name LIKE 'Се%' ORDER BY first_name, second_name, id LIMIT 100",
      );
      const key = /"key": "([^"]+)"/.exec(plan ?? '')?.[1];
      const prefixes = [
        ['Ал', 'Се'],
        ['Ив', 'Ив'],
        ['Ю', 'Ф'],
        ['Мар', 'Пет'],
        ['А', 'А'],
      ];
      for (const [first, second] of prefixes) {
        const t0 = process.hrtime.bigint();
        const rows = 20;
        for (let i = 0; i < rows; i++) {
          await conn.query(
            'SELECT id, first_name, second_name, birthdate, biography, city FROM `user` WHERE first_name LIKE ? AND second_name LIKE ? ORDER BY first_name, second_name, id LIMIT 100',
            [`${first}%`, `${second}%`],
          );
        }
        const ms = Number(process.hrtime.bigint() - t0) / 1e6 / rows;
        process.stdout.write(`search ${first}%/${second}%: ${ms.toFixed(2)} ms per query (key ${key})\n`);
      }
    } finally {
      await conn.end();
    }
  } finally {
    await cluster.stop();
  }
}
