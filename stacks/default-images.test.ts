import { describe, expect, it } from 'vitest';
import { readSettings } from './config.ts';
import { defaultImageKeys, defaultImages, parseDefaultImages } from './default-images.ts';
import { composeServices } from './testing/compose.ts';

const composeFiles = ['docker-compose.yml', 'docker-compose-replication.yml'];

describe('default images: compose/images.yml is the one place', () => {
  it('gives the stacks a default for each image they run beside the app', () => {
    const images = defaultImages();
    expect(Object.keys(images).sort()).toEqual([...defaultImageKeys].sort());
    expect(images).toMatchObject({
      mysql: 'mysql:8.4',
      rabbitmq: 'rabbitmq:4.3-management',
      clickhouse: 'clickhouse/clickhouse-server:26.8',
    });
  });

  it('the stacks take those defaults, and a stack config still overrides one', () => {
    const base = {
      sshPublicKeys: ['ssh-ed25519 AAAA test'],
      sshSourceRanges: ['203.0.113.0/24'],
      adminSourceRanges: ['203.0.113.0/24'],
      images: { app: 'ghcr.io/x/app:1' },
    } as Record<string, unknown>;
    const read = (project: Record<string, unknown>) =>
      readSettings({ project: (k) => project[k], gcp: (k) => ({ project: 'p', region: 'europe-west1' })[k] });
    // node_exporter is the stacks' alone (compose runs none), so not in compose/images.yml.
    expect(read(base).images).toEqual({
      app: 'ghcr.io/x/app:1',
      ...defaultImages(),
      nodeExporter: 'prom/node-exporter:v1.5.0',
    });
    const pinned = read({ ...base, images: { app: 'ghcr.io/x/app:1', mysql: 'mysql:8.4.8' } });
    expect(pinned.images.mysql).toBe('mysql:8.4.8');
    expect(pinned.images.clickhouse).toBe(defaultImages().clickhouse);
  });

  it('compose runs the same images as the stacks by default (docker-compose config)', () => {
    const services = composeServices(composeFiles);
    const images = defaultImages();
    const expected: Record<string, string> = {
      nginx: images.nginx,
      haproxy: images.haproxy,
      db: images.mysql,
      'binlog-archive': images.mysql,
      db_slave_1: images.mysql,
      db_slave_2: images.mysql,
      redis: images.redis,
      rabbitmq: images.rabbitmq,
      tarantool: images.tarantool,
      clickhouse: images.clickhouse,
      prometheus: images.prometheus,
      alertmanager: images.alertmanager,
      grafana: images.grafana,
      'mysqld-exporter-db': images.mysqldExporter,
      'mysqld-exporter-db-slave-2': images.mysqldExporter,
      'redis-exporter': images.redisExporter,
    };
    for (const [name, image] of Object.entries(expected)) expect(services[name]?.image, name).toBe(image);
  });

  it("compose's variables still override a default", () => {
    const services = composeServices(composeFiles, { MYSQL_IMAGE: 'mysql:8.4.8' });
    expect(services.db?.image).toBe('mysql:8.4.8');
    expect(services.db_slave_2?.image).toBe('mysql:8.4.8');
    expect(services.rabbitmq?.image).toBe(defaultImages().rabbitmq);
  });

  it.each([
    ['no entry', 'services: {}', 'services.nginx.image must be'],
    ['a plain tag', 'services:\n  nginx:\n    image: nginx:1.22', 'got "nginx:1.22"'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's interpolation, not a template literal
    ['no default', 'services:\n  nginx:\n    image: ${NGINX_IMAGE}', 'got "${NGINX_IMAGE}"'],
    ['an empty file', '', 'services.nginx.image must be'],
  ])('refuses %s, naming the entry', (_, text, message) => {
    expect(() => parseDefaultImages(text)).toThrow(message);
  });
});
