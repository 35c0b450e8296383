import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** A recorded vtctldclient output, byte for byte (see fixtures/PROVENANCE.md). */
export function fixture(name: string): string {
  return readFileSync(join(dir, name), 'utf8');
}

/** Fills a `*.template.*` fixture the way the Go test's fmt.Sprintf did (%s %d %t, %% for a percent sign). */
export function goFormat(template: string, ...args: Array<string | number | boolean>): string {
  let next = 0;
  return template.replace(/%([sdt%])/g, (_, verb: string) => {
    if (verb === '%') return '%';
    if (next >= args.length) throw new Error(`template needs more than ${args.length} arguments`);
    return String(args[next++]);
  });
}
