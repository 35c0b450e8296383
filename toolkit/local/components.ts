import { appComponent } from './app-component.ts';
import type { LocalComponent } from './component.ts';
import { mysqlComponent } from './mysql-component.ts';
import { rabbitmqComponent, redisComponent } from './services.ts';

/** In start order; `down` goes through them backwards. */
export const localComponents: LocalComponent[] = [mysqlComponent, redisComponent, rabbitmqComponent, appComponent];
