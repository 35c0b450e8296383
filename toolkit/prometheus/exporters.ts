/** A process of the monitoring stack: which binary, with which arguments; never a secret among them. */
export interface ExporterCommand {
  /** Binaries to look for (Debian's names), and the package that has them. */
  binaries: string[];
  debianPackage: string;
  args: string[];
  /** Where it answers once started. */
  listen: { host: string; port: number };
  /** The path that answers 200 when it is up. */
  readyPath: string;
}

/** The collectors the exporter account may feed: compose's exporters run the same list (tested). */
export const mysqldExporterCollectors = [
  '--collect.global_status',
  '--collect.global_variables',
  '--collect.slave_status',
  '--no-collect.info_schema.innodb_cmp',
  '--no-collect.info_schema.innodb_cmpmem',
  '--no-collect.info_schema.query_response_time',
];

/**
 * prometheus-mysqld-exporter for one node: only the collectors its account's privilege allows (global
 * status and variables, replica status). Its login is in an option file of mode 0600 (`cnf`), never
 * on the command line.
 */
export function mysqldExporterCommand(cnf: string, host: string, port: number): ExporterCommand {
  return {
    binaries: ['prometheus-mysqld-exporter'],
    debianPackage: 'prometheus-mysqld-exporter',
    args: [`--config.my-cnf=${cnf}`, `--web.listen-address=${host}:${port}`, ...mysqldExporterCollectors],
    listen: { host, port },
    readyPath: '/metrics',
  };
}

/** The exporter's option file: the [client] section mysqld_exporter reads (user, password, host, port). */
export function mysqldExporterCnf(login: {
  user: string;
  password: string;
  host: string;
  port: number;
}): string {
  const quote = (v: string) => `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  return [
    '[client]',
    `user=${quote(login.user)}`,
    `password=${quote(login.password)}`,
    `host=${login.host}`,
    `port=${login.port}`,
    '',
  ].join('\n');
}

/** prometheus-redis-exporter for one Redis (a password would come from REDIS_PASSWORD in its environment). */
export function redisExporterCommand(redis: { host: string; port: number }, host: string, port: number) {
  return {
    binaries: ['prometheus-redis-exporter'],
    debianPackage: 'prometheus-redis-exporter',
    args: [`-redis.addr=redis://${redis.host}:${redis.port}`, `-web.listen-address=${host}:${port}`],
    listen: { host, port },
    readyPath: '/metrics',
  } satisfies ExporterCommand;
}

/**
 * node_exporter with its textfile collector alone: it serves the *.prom files in `dir` (the ClickHouse
 * load's last run), and none of the host's metrics, which nobody asked for here.
 */
export function textfileExporterCommand(dir: string, host: string, port: number): ExporterCommand {
  return {
    binaries: ['prometheus-node-exporter'],
    debianPackage: 'prometheus-node-exporter',
    args: [
      '--collector.disable-defaults',
      '--collector.textfile',
      `--collector.textfile.directory=${dir}`,
      `--web.listen-address=${host}:${port}`,
    ],
    listen: { host, port },
    readyPath: '/metrics',
  };
}

/** Prometheus itself, its data under `dataDir`, kept 7 days (a local environment, not an archive). */
export function prometheusCommand(
  configFile: string,
  dataDir: string,
  host: string,
  port: number,
): ExporterCommand {
  return {
    binaries: ['prometheus'],
    debianPackage: 'prometheus',
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${dataDir}`,
      '--storage.tsdb.retention.time=7d',
      `--web.listen-address=${host}:${port}`,
    ],
    listen: { host, port },
    readyPath: '/-/ready',
  };
}
