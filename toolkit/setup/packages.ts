/** A Debian package the project needs, and the binary whose presence proves it is installed. */
export interface PackageNeed {
  binary: string;
  package: string;
  /** What uses it; shown nowhere but here, so a reader knows why the line exists. */
  usedBy: string;
  /** Install without recommended packages (docker-compose would otherwise pull in a Docker engine). */
  noRecommends?: boolean;
}

/** Every package the local environment and the tests use. A new need is one more line. */
export const debianPackages: readonly PackageNeed[] = [
  { binary: 'mariadbd', package: 'mariadb-server', usedBy: 'local MySQL master and slaves' },
  { binary: 'mariadb', package: 'mariadb-client', usedBy: 'dumps, seeding, the runbooks' },
  { binary: 'redis-server', package: 'redis-server', usedBy: 'local Redis' },
  { binary: 'rabbitmq-server', package: 'rabbitmq-server', usedBy: 'local RabbitMQ' },
  { binary: 'tarantool', package: 'tarantool', usedBy: 'user search replica' },
  { binary: 'clickhouse-server', package: 'clickhouse-server', usedBy: 'local ClickHouse' },
  { binary: 'clickhouse-client', package: 'clickhouse-client', usedBy: 'ClickHouse load and report' },
  { binary: 'wrk', package: 'wrk', usedBy: 'the WRK report' },
  { binary: 'chromium', package: 'chromium', usedBy: 'browser tests of the web pages' },
  {
    binary: 'docker-compose',
    package: 'docker-compose',
    usedBy: 'compose file validation',
    noRecommends: true,
  },
  { binary: 'haproxy', package: 'haproxy', usedBy: 'MySQL writer/reader endpoints' },
  { binary: 'nginx', package: 'nginx', usedBy: 'front of the app instances' },
  { binary: 'prometheus', package: 'prometheus', usedBy: 'monitoring' },
  { binary: 'promtool', package: 'prometheus', usedBy: 'rule and config checks' },
  { binary: 'prometheus-mysqld-exporter', package: 'prometheus-mysqld-exporter', usedBy: 'monitoring' },
  { binary: 'prometheus-node-exporter', package: 'prometheus-node-exporter', usedBy: 'monitoring' },
  { binary: 'prometheus-redis-exporter', package: 'prometheus-redis-exporter', usedBy: 'monitoring' },
  { binary: 'prometheus-alertmanager', package: 'prometheus-alertmanager', usedBy: 'alert routing' },
  { binary: 'amtool', package: 'prometheus-alertmanager', usedBy: 'Alertmanager config checks' },
  { binary: 'mariadb-backup', package: 'mariadb-backup', usedBy: 'physical backups and slave clones' },
  { binary: 'podman', package: 'podman', usedBy: 'app image' },
  { binary: 'buildah', package: 'buildah', usedBy: 'app image build' },
  { binary: 'debootstrap', package: 'debootstrap', usedBy: 'app base image' },
];
