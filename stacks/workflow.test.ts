import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from './testing/run-stack.ts';

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, { needs?: string; strategy?: { matrix?: { stack?: string[] } }; steps: Step[] }>;
}

const workflow = parse(
  readFileSync(join(repoRoot, '.github', 'workflows', 'infra-preview.yml'), 'utf8'),
) as Workflow;
const stacks = readdirSync(repoRoot)
  .map((f) => /^Pulumi\.([a-z0-9-]+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined);

describe('CI preview workflow', () => {
  it('runs on pull requests and tests before it previews', () => {
    expect(Object.keys(workflow.on)).toEqual(['pull_request']);
    expect(workflow.jobs.test?.steps.some((s) => s.run?.includes('.ci/run'))).toBe(true);
    expect(workflow.jobs.preview?.needs).toBe('test');
  });

  it('previews every stack that has a Pulumi.<stack>.yaml', () => {
    expect(stacks.sort()).toEqual(['dev', 'prod']);
    expect(workflow.jobs.preview?.strategy?.matrix?.stack?.slice().sort()).toEqual(stacks);
  });

  it('shows the diff with the policy pack and comments it on the PR', () => {
    const pulumi = workflow.jobs.preview?.steps.find((s) => s.uses?.startsWith('pulumi/actions@'));
    expect(pulumi?.with).toMatchObject({
      command: 'preview',
      diff: true,
      policyPacks: 'stacks/policy',
      'comment-on-pr': true,
    });
    expect(String(pulumi?.with?.['stack-name'])).toMatch(/\$\{\{ matrix\.stack \}\}/);
  });
});
