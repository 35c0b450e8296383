import { alertmanagerComponent } from './alertmanager-component.ts';
import { appComponents } from './app-component.ts';
import { binlogArchiveComponent } from './binlog-archive-component.ts';
import { clickhouseComponent } from './clickhouse-component.ts';
import type { LocalComponent } from './component.ts';
import { haproxyComponent } from './haproxy-component.ts';
import { mysqlComponent } from './mysql-component.ts';
import { nginxComponent } from './nginx-component.ts';
import { prometheusComponent } from './prometheus-component.ts';
import { rabbitmqComponent, redisComponent } from './services.ts';
import { tarantoolComponent } from './tarantool-component.ts';

/**
 * In start order; `down` goes through them backwards. The replicator needs the app's user table, so
 * Tarantool follows the app; the binlog archive starts right after MySQL, so it misses nothing after `up`;
 * HAProxy follows MySQL (it needs the monitor account) and precedes every client of the endpoints; nginx
 * follows the instances it balances over; Prometheus comes last, when everything it scrapes runs, right
 * after Alertmanager, where it sends its alerts.
 */
export const localComponents: LocalComponent[] = [
  mysqlComponent,
  binlogArchiveComponent,
  haproxyComponent,
  redisComponent,
  rabbitmqComponent,
  ...appComponents,
  nginxComponent,
  tarantoolComponent,
  clickhouseComponent,
  alertmanagerComponent,
  prometheusComponent,
];
