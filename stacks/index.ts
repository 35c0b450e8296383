// Entry point named in Pulumi.yaml: `pulumi up -s <env>` builds that environment.
import * as pulumi from '@pulumi/pulumi';
import { readSettings, secretKeys } from './config.ts';
import { defineStack } from './program.ts';
import type { Secrets } from './services.ts';

const config = new pulumi.Config();
const gcpConfig = new pulumi.Config('gcp');

/** Pulumi passes YAML numbers, booleans, lists and maps as JSON text and strings as they are. */
function configValue(key: string): unknown {
  const raw = config.get(key);
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

const settings = readSettings({ project: configValue, gcp: (key) => gcpConfig.get(key) });
const secrets = Object.fromEntries(secretKeys.map((key) => [key, config.requireSecret(key)])) as Secrets;
const outputs = defineStack(pulumi.getStack(), settings, secrets);

export const inventory = outputs.inventory;
export const hosts = outputs.hosts;
export const httpsAddress = outputs.httpsAddress;
export const backupBucket = outputs.backupBucket;
export const handOver = outputs.handOver;
export const imageRepository = outputs.imageRepository;
export const monitoring = outputs.monitoring;
