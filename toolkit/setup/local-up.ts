import type { Run } from '../procedure/run.ts';
import { installMissingPackages, missingPackages } from './install.ts';
import { machineHost } from './machine.ts';
import { debianPackages } from './packages.ts';

/**
 * The first thing `npm run up` does: install what is missing, so every component starts; with
 * --no-install, only a note of what is absent (those components then skip themselves with their own note).
 */
export async function packagesForLocalUp(run: Run, install: boolean): Promise<void> {
  const host = machineHost();
  if (install) {
    const alternative = 'or start without them: npm run up -- --no-install';
    await installMissingPackages(host, { dryRun: run.dryRun, alternative });
    return;
  }
  const missing = missingPackages(debianPackages, (binary) => host.isPresent(binary));
  if (missing.length) {
    run.note(`--no-install: not installing ${[...new Set(missing.map((need) => need.package))].join(' ')}`);
  }
}
