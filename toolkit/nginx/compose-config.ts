import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../inventory/paths.ts';
import { googleFrontEndRanges, renderNginxConfig } from './config.ts';

/** compose/nginx/nginx.conf: the committed rendering for compose's topology (compose-config.test.ts keeps it in step). */
export const composeNginxFile = join(repoRoot, 'compose', 'nginx', 'nginx.conf');

/** The app containers' port inside compose's network, where nginx reaches them by service name. */
export const composeAppPort = 5000;

/**
 * Compose's topology (and the stacks', which upload the same file): nginx listens on 5000 in its container (published on BIND_ADDRESS) over the
 * services `app` and `app-2`; logs to the container's stdout/stderr, the image's own pid path.
 */
export function composeNginxConfig(): string {
  return renderNginxConfig({
    inventory: 'compose',
    listen: { host: '0.0.0.0', port: composeAppPort },
    instances: ['app', 'app-2'].map((name) => ({ name, host: name, port: composeAppPort })),
    workerProcesses: 'auto',
    // The stacks upload this file too; behind their HTTPS load balancer the client is in X-Forwarded-For.
    trustedFrontends: googleFrontEndRanges,
  });
}

export function committedComposeNginxConfig(): string {
  return readFileSync(composeNginxFile, 'utf8');
}
