import { createConnection } from 'node:net';
import { ToolkitError } from '../procedure/errors.ts';

export interface AgentAddress {
  host: string;
  port: number;
}

/** One request line to the health agent, its whole answer back (it closes after answering). */
export function agentRequest(agent: AgentAddress, line: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: agent.host, port: agent.port });
    let text = '';
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new ToolkitError(`health agent ${agent.host}:${agent.port}: no answer to '${line}'`));
    });
    socket.on('connect', () => socket.write(`${line}\n`));
    socket.on('data', (chunk) => {
      text += chunk.toString('utf8');
    });
    socket.on('error', (error) =>
      reject(new ToolkitError(`health agent ${agent.host}:${agent.port}: ${error.message}`)),
    );
    socket.on('end', () => resolve(text));
  });
}
