import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { composeDir } from './shared-files.ts';

/** The images the stacks run beside the app, by their key in `images` (stacks/config.ts). */
export const defaultImageKeys = [
  'nginx',
  'haproxy',
  'mysql',
  'redis',
  'rabbitmq',
  'tarantool',
  'clickhouse',
  'prometheus',
  'alertmanager',
  'grafana',
  'mysqldExporter',
  'redisExporter',
] as const;
export type DefaultImageKey = (typeof defaultImageKeys)[number];

/** The keys whose compose service has another name. */
const serviceOf: Partial<Record<DefaultImageKey, string>> = {
  mysqldExporter: 'mysqld-exporter',
  redisExporter: 'redis-exporter',
};

/** `${VARIABLE:-default}`: compose's override variable and the default both sides share. */
const withDefault = /^\$\{([A-Z][A-Z0-9_]*):-([^}]+)\}$/;

/**
 * The default tags of compose/images.yml, the one place they are written: compose's services extend its
 * entries, the stacks read them here. A missing entry or one of another shape is an error, not a guess.
 */
export function parseDefaultImages(text: string): Record<DefaultImageKey, string> {
  const services = (parse(text) as { services?: Record<string, { image?: unknown }> } | null)?.services ?? {};
  const entries = defaultImageKeys.map((key) => {
    const image = services[serviceOf[key] ?? key]?.image;
    const m = typeof image === 'string' ? withDefault.exec(image) : null;
    if (!m)
      throw new Error(
        `compose/images.yml: services.${serviceOf[key] ?? key}.image must be \${NAME_IMAGE:-<image>}, got ${JSON.stringify(image)}`,
      );
    return [key, m[2]!] as const;
  });
  return Object.fromEntries(entries) as Record<DefaultImageKey, string>;
}

/** compose/images.yml: read, not copied, so a version changes in one file for compose and the stacks. */
export const imagesFile = join(composeDir, 'images.yml');

export function defaultImages(): Record<DefaultImageKey, string> {
  return parseDefaultImages(readFileSync(imagesFile, 'utf8'));
}
