import { appComponent } from './app-component.ts';
import { clickhouseComponent } from './clickhouse-component.ts';
import type { LocalComponent } from './component.ts';
import { mysqlComponent } from './mysql-component.ts';
import { rabbitmqComponent, redisComponent } from './services.ts';
import { tarantoolComponent } from './tarantool-component.ts';

/** In start order; `down` goes through them backwards. The replicator needs the app's user table, so Tarantool follows the app. */
export const localComponents: LocalComponent[] = [
  mysqlComponent,
  redisComponent,
  rabbitmqComponent,
  appComponent,
  tarantoolComponent,
  clickhouseComponent,
];
