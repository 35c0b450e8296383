// Records an image digest in a stack's config: `node --import tsx stacks/record-image.ts --stack prod
// --service app --image europe-west1-docker.pkg.dev/<project>/images/app@sha256:<digest>`. The image
// workflow runs it for the app; for the others, resolve the digest first
// (`docker buildx imagetools inspect mysql:8.4.8 --format '{{json .Manifest.Digest}}'`).
// Rewrites one value of Pulumi.<stack>.yaml and keeps its comments.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isMap, parseDocument } from 'yaml';
import { ContainerImages } from './config.ts';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const byDigest = /^[a-z0-9./_:-]+@sha256:[0-9a-f]{64}$/;
const imagesKey = 'highload-social:images';

/** The config text with `images.<service>` set to `image`; one-line errors for what cannot be recorded. */
export function recordImage(configText: string, service: string, image: string): string {
  if (!Object.keys(ContainerImages.properties).includes(service))
    throw new Error(
      `--service ${service}: not an image of the stack (${Object.keys(ContainerImages.properties).join(', ')})`,
    );
  if (!byDigest.test(image))
    throw new Error(`--image ${image}: not a reference by digest (name@sha256:<64 hex>)`);
  const doc = parseDocument(configText);
  const config = doc.get('config');
  if (!isMap(config)) throw new Error('the stack config has no config: map');
  if (!isMap(config.get(imagesKey))) config.set(imagesKey, doc.createNode({}));
  doc.setIn(['config', imagesKey, service], image);
  // No folding: long lines (keys, image references) stay on one line as written.
  return doc.toString({ lineWidth: 0 });
}

function main(): number {
  const { values } = parseArgs({
    options: { stack: { type: 'string' }, service: { type: 'string' }, image: { type: 'string' } },
    strict: true,
  });
  if (!values.stack || !values.service || !values.image || !/^[a-z0-9-]+$/.test(values.stack)) {
    process.stderr.write(
      'usage: record-image.ts --stack <stack> --service <app|mysql|...> --image <name@sha256:...>\n',
    );
    return 2;
  }
  const file = join(repoRoot, `Pulumi.${values.stack}.yaml`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    process.stderr.write(`no stack config ${file}\n`);
    return 2;
  }
  writeFileSync(file, recordImage(text, values.service, values.image));
  process.stdout.write(`${values.stack}: images.${values.service} = ${values.image}\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  try {
    process.exitCode = main();
  } catch (error) {
    process.stderr.write(`record-image: ${(error as Error).message}\n`);
    process.exitCode = 2;
  }
}
