// The HAProxy health agent as a process: `node toolkit/haproxy/agent/main.js --config <agent.yml>` from the
// app image (compiled; this folder imports only lib/ and itself), `node --import tsx .../main.ts` locally.
// The monitoring password comes from the variable the config names (or NAME_FILE), never from an argument.
// Runs until SIGTERM/SIGINT; logs one line whenever a node's answers change.
import { parseArgs } from 'node:util';
import { startHealthAgent } from './agent.ts';
import { loadAgentConfig, passwordFrom } from './config.ts';

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { config: { type: 'string' } }, strict: true });
  if (!values.config) {
    process.stderr.write('usage: haproxy/agent/main --config <agent.yml>\n');
    return 2;
  }
  const config = loadAgentConfig(values.config);
  const password = passwordFrom(config.monitor.passwordEnv, process.env);
  const agent = await startHealthAgent(config, password, log);
  log(
    `${new Date().toISOString()} health agent on ${config.listen.host}:${agent.port}: ${config.nodes.length} node(s) every ${config.pollIntervalMs} ms`,
  );
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve());
  });
  await agent.close();
  log(`${new Date().toISOString()} stopped`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`health agent: ${(error as Error).message}\n`);
    process.exitCode = (error as { code?: string }).code === 'USAGE' ? 2 : 1;
  },
);
