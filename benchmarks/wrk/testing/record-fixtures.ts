// Records the wrk outputs under benchmarks/wrk/fixtures/ that the parser's tests read:
//   node --import tsx benchmarks/wrk/testing/record-fixtures.ts
// Each fixture is wrk's real stdout (Debian's wrk 4.1.0, benchmarks/wrk/search.lua) against the tiny
// server of tiny-server.ts on this machine; the first line of each .txt says how it was made.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { searchPrefixes, writePrefixFile } from '../prefixes.ts';
import { runWrk } from '../wrk-runner.ts';
import { startTinyServer, type TinyServerOptions } from './tiny-server.ts';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '../fixtures');
const prefixFile = join(fixtures, 'prefixes.txt');
writePrefixFile(prefixFile, searchPrefixes({ count: 50, seed: 1 }), 10);

const cases: Array<{ name: string; server: TinyServerOptions; connections: number; timeoutS: number }> = [
  { name: 'ok', server: {}, connections: 10, timeoutS: 2 },
  { name: 'errors', server: { failEvery: 7, slowEvery: 50, slowMs: 1500 }, connections: 20, timeoutS: 1 },
  // Every other answer 5 s late, longer than the run: wrk counts no timeout for them at all.
  { name: 'stuck', server: { slowEvery: 2, slowMs: 5000 }, connections: 20, timeoutS: 1 },
];

for (const c of cases) {
  const server = await startTinyServer(c.server);
  try {
    const result = await runWrk({
      url: server.url,
      connections: c.connections,
      threads: 2,
      durationS: 2,
      timeoutS: c.timeoutS,
      prefixFile,
    });
    const header = `# ${result.command.join(' ')} against tiny-server ${JSON.stringify(c.server)}`;
    writeFileSync(join(fixtures, `wrk-${c.name}.txt`), `${header}\n${result.stdout}`);
  } finally {
    await server.close();
  }
}
// Nothing listens on the port of a closed server: wrk's own answer to a refused connection.
const closed = await startTinyServer();
await closed.close();
const refused = await runWrk({
  url: closed.url,
  connections: 2,
  threads: 1,
  durationS: 1,
  timeoutS: 1,
  prefixFile,
});
writeFileSync(
  join(fixtures, 'wrk-refused.txt'),
  `# ${refused.command.join(' ')} against a closed port (exit ${refused.exitCode})\n${refused.stdout}${refused.stderr}`,
);
