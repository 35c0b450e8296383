import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../lib/temp-dirs.ts';
import { AgentConfigError, parseAgentConfig, passwordFrom } from './config.ts';

const dir = makeTempDir('agent-config-test-');

describe("the agent's config", () => {
  const composeText = readFileSync(new URL('../../../compose/haproxy/agent.yml', import.meta.url), 'utf8');

  it("reads compose's rendered config", () => {
    const config = parseAgentConfig(composeText, 'agent.yml');
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 9300 });
    expect(config.nodes.map((n) => n.name)).toEqual(['db', 'db-slave-1', 'db-slave-2']);
  });

  it('names the first wrong field, as a usage error', () => {
    const text = composeText.replace('port: 9300', 'port: 0');
    expect(text).not.toBe(composeText);
    expect(() => parseAgentConfig(text, 'x.yml')).toThrow(/^health agent config x\.yml: \/listen\/port /);
    expect(() => parseAgentConfig(text, 'x.yml')).toThrow(AgentConfigError);
    expect(() => parseAgentConfig('a: [', 'y.yml')).toThrow(/^health agent config y\.yml: not YAML/);
  });

  it("follows the writer in compose, and refuses follow mode without openServers' admin socket", () => {
    expect(parseAgentConfig(composeText, 'agent.yml').followWriter).toBe(true);
    const without = composeText.replace(/^openServers:\n(?: .*\n)+/m, '');
    expect(without).not.toContain('openServers');
    expect(() => parseAgentConfig(without, 'z.yml')).toThrow(
      'health agent config z.yml: followWriter needs openServers (its admin socket)',
    );
  });
});

describe('the monitor password', () => {
  it('comes from NAME, or from the first line of the file NAME_FILE names (a container secret)', () => {
    const file = join(dir, 'monitor');
    writeFileSync(file, 's3cret\nignored\n');
    expect(passwordFrom('MON_PW', { MON_PW: 'plain' })).toBe('plain');
    expect(passwordFrom('MON_PW', { MON_PW_FILE: file, MON_PW: 'plain' })).toBe('s3cret');
  });

  it('is a one-line usage error when missing, unreadable or empty, and the message holds no value', () => {
    const empty = join(dir, 'empty');
    writeFileSync(empty, '\n');
    const usage = (env: NodeJS.ProcessEnv) => {
      try {
        passwordFrom('MON_PW', env);
      } catch (error) {
        expect((error as AgentConfigError).code).toBe('USAGE');
        return (error as Error).message;
      }
      throw new Error('no error');
    };
    expect(usage({})).toBe('the password variable MON_PW (or MON_PW_FILE) is not set');
    expect(usage({ MON_PW: '' })).toBe('the password variable MON_PW (or MON_PW_FILE) is not set');
    expect(usage({ MON_PW_FILE: join(dir, 'absent') })).toMatch(/^MON_PW_FILE: cannot read .*absent$/);
    expect(usage({ MON_PW_FILE: empty })).toMatch(/^MON_PW_FILE: .*empty is empty$/);
  });
});
