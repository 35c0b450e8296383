// The HAProxy health agent as a process: `node --import tsx toolkit/haproxy/agent-main.ts --config <agent.yml>`.
// The monitoring password comes from the variable the config names, never from an argument.
// Runs until SIGTERM/SIGINT; logs one line whenever a node's answers change.
import { parseArgs } from 'node:util';
import { UsageError } from '../procedure/errors.ts';
import { startHealthAgent } from './agent.ts';
import { loadAgentConfig } from './agent-config.ts';

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { config: { type: 'string' } }, strict: true });
  if (!values.config) {
    process.stderr.write('usage: agent-main.ts --config <agent.yml>\n');
    return 2;
  }
  const config = loadAgentConfig(values.config);
  const password = process.env[config.monitor.passwordEnv];
  if (!password) throw new UsageError(`the password variable ${config.monitor.passwordEnv} is not set`);
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
