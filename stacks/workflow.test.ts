// The infra workflows as GitHub would run them, checked for what makes a preview safe: no deploy key or
// prod credential in any pull-request job, prod only through its protected environment, job-level
// permissions, a fork guard, supported action versions and a pinned Pulumi CLI.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from './testing/run-stack.ts';

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  outputs?: Record<string, string>;
  needs?: string;
  if?: string;
  environment?: string;
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const dir = join(repoRoot, '.github', 'workflows');
const read = (file: string) => parse(readFileSync(join(dir, file), 'utf8')) as Workflow;
const workflows = Object.fromEntries(readdirSync(dir).map((f) => [f, read(f)]));
const preview = read('infra-preview.yml');
const prod = read('infra-prod.yml');
const image = read('image.yml');

/** Oldest major version accepted per action: the first that runs on a supported Node (24). */
const minimumMajor: Record<string, number> = {
  'actions/checkout': 5,
  'actions/setup-node': 5,
  'google-github-actions/auth': 3,
  'pulumi/actions': 6,
  'webfactory/ssh-agent': 0,
  // Node 24 from these majors on (docker/build-push-action#1470, the 2026-03 docker action train).
  'docker/login-action': 4,
  'docker/setup-buildx-action': 4,
  'docker/build-push-action': 7,
};

describe('infra workflows', () => {
  it('grant no permission at the top and only what each job declares', () => {
    for (const [file, workflow] of Object.entries(workflows)) {
      expect(workflow.permissions, file).toEqual({});
      for (const [name, job] of Object.entries(workflow.jobs)) {
        expect(job.permissions, `${file} ${name}`).toBeDefined();
        expect(Object.values(job.permissions ?? {}).every((p) => p === 'read' || p === 'write')).toBe(true);
      }
    }
    expect(preview.jobs.test?.permissions).toEqual({ contents: 'read' });
  });

  it('let no pull-request job touch a deploy key, SSH or prod', () => {
    expect(Object.keys(preview.on)).toEqual(['pull_request']);
    const text = JSON.stringify(preview);
    expect(text).not.toMatch(/DEPLOY_SSH_KEY|ssh-agent|\/prod\b|environment/);
    for (const job of Object.values(preview.jobs)) {
      for (const step of job.steps) expect(String(step.with?.['stack-name'] ?? '')).not.toContain('prod');
    }
  });

  it('tests first, then previews dev with the policy pack for same-repository pull requests only', () => {
    expect(preview.jobs.test?.steps.some((s) => s.run?.includes('.ci/run'))).toBe(true);
    const job = preview.jobs['preview-dev'];
    expect(job?.needs).toBe('test');
    expect(job?.if).toBe('github.event.pull_request.head.repo.full_name == github.repository');
    const pulumi = job?.steps.find((s) => s.uses?.startsWith('pulumi/actions@'));
    expect(pulumi?.with).toMatchObject({
      command: 'preview',
      diff: true,
      policyPacks: 'stacks/policy',
      'comment-on-pr': true,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a template literal
      'stack-name': '${{ vars.PULUMI_ORG }}/highload-social/dev',
    });
  });

  it('run prod only from main or by hand, inside the protected prod environment, the key only for up', () => {
    expect(Object.keys(prod.on).sort()).toEqual(['push', 'workflow_dispatch']);
    expect((prod.on.push as { branches: string[] }).branches).toEqual(['main']);
    for (const job of Object.values(prod.jobs)) expect(job.environment).toBe('prod');
    const steps = prod.jobs.prod?.steps ?? [];
    const keyStep = steps.find((s) => s.uses?.startsWith('webfactory/ssh-agent@'));
    expect(keyStep?.if).toBe("github.event_name == 'workflow_dispatch' && inputs.up");
    const up = steps.find((s) => s.with?.command === 'up');
    expect(up?.if).toBe(keyStep?.if);
    expect(steps.indexOf(keyStep!)).toBeGreaterThan(steps.findIndex((s) => s.with?.command === 'preview'));
  });

  it('use supported action versions, Node 24 and one pinned Pulumi CLI', () => {
    for (const [file, workflow] of Object.entries(workflows)) {
      for (const job of Object.values(workflow.jobs)) {
        for (const step of job.steps) {
          if (step.uses) {
            const [action = '', version = ''] = step.uses.split('@');
            expect(minimumMajor[action], `${file}: ${action} is not a known action`).toBeDefined();
            expect(Number(/^v(\d+)/.exec(version)?.[1]), `${file}: ${step.uses}`).toBeGreaterThanOrEqual(
              minimumMajor[action]!,
            );
          }
          if (step.uses?.startsWith('actions/setup-node@')) expect(step.with?.['node-version']).toBe(24);
          if (step.uses?.startsWith('pulumi/actions@')) expect(step.with?.['pulumi-version']).toBe('3.248.0');
          if (step.uses?.startsWith('actions/checkout@'))
            expect(step.with?.['persist-credentials']).toBe(false);
        }
      }
    }
  });

  it('pin the CLI to the SDK the program is built with', () => {
    const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version: string }>;
    };
    expect(lock.packages['node_modules/@pulumi/pulumi']?.version).toBe('3.248.0');
  });
});

describe('image workflow', () => {
  const build = image.jobs.build!;
  const record = image.jobs.record!;

  it('runs from main or by hand, never for a pull request', () => {
    expect(Object.keys(image.on).sort()).toEqual(['push', 'workflow_dispatch']);
    expect((image.on.push as { branches: string[] }).branches).toEqual(['main']);
  });

  it('builds linux/amd64 from app/Dockerfile once and pushes it to both stacks registries', () => {
    const push = build.steps.find((s) => s.uses?.startsWith('docker/build-push-action@'));
    expect(push?.with).toMatchObject({
      file: 'app/Dockerfile',
      platforms: 'linux/amd64',
      push: true,
      context: '.',
    });
    const tags = String(push?.with?.tags).trim().split('\n');
    expect(tags.map((t) => t.split('/app:')[0])).toEqual([
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a template literal
      '${{ vars.DEV_IMAGE_REPOSITORY }}',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a template literal
      '${{ vars.PROD_IMAGE_REPOSITORY }}',
    ]);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a template literal
    expect(build.outputs?.digest).toBe('${{ steps.push.outputs.digest }}');
    // Pushes with a short-lived token of its own service account: no key, no write on the repository.
    expect(build.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    expect(build.steps.find((s) => s.uses?.startsWith('google-github-actions/auth@'))?.with).toMatchObject({
      token_format: 'access_token',
    });
  });

  it('records the digest in both stack configs through a pull request, no secret in any command line', () => {
    expect(record.needs).toBe('build');
    expect(record.permissions).toEqual({ contents: 'write', 'pull-requests': 'write' });
    const commands = record.steps.map((s) => s.run ?? '').join('\n');
    for (const stack of ['dev', 'prod'])
      expect(commands).toContain(`stacks/record-image.ts --stack ${stack} --service app --image`);
    expect(commands).toContain('gh pr create --base main');
    expect(commands).not.toMatch(/git push .*main\b/);
    for (const [file, workflow] of Object.entries(workflows))
      for (const job of Object.values(workflow.jobs))
        for (const step of job.steps)
          expect(step.run ?? '', file).not.toMatch(/\$\{\{\s*(secrets|github\.token)/);
  });
});
