// The alert sink as a process: `node toolkit/alerts/sink/main.js --listen <host:port> --file <alerts.jsonl>`
// from the app image (compiled; this folder imports only itself), `node --import tsx .../main.ts` locally.
// Runs until SIGTERM/SIGINT.
import { parseArgs } from 'node:util';
import { startAlertSink } from './sink.ts';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { listen: { type: 'string' }, file: { type: 'string' } },
    strict: true,
  });
  const listen = /^(.+):(\d+)$/.exec(values.listen ?? '');
  if (!listen || !values.file) {
    process.stderr.write('usage: alerts/sink/main --listen <host:port> --file <alerts.jsonl>\n');
    return 2;
  }
  const server = await startAlertSink({ host: listen[1]!, port: Number(listen[2]), file: values.file });
  process.stdout.write(
    `${new Date().toISOString()} alert sink on ${values.listen}, appending to ${values.file}\n`,
  );
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve());
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`alert sink: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
