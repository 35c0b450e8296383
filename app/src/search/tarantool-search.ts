import { TarantoolClient, TarantoolConnectionError } from '../../../lib/tarantool/iproto.ts';
import type { MsgValue } from '../../../lib/tarantool/msgpack.ts';
import type { TarantoolTarget } from '../platform/config.ts';
import type { User } from '../users/schemas.ts';

/**
 * The user search served by the Tarantool replica (space `user`, filled by the replicator): the same
 * shape and results as SearchService over MySQL, through the Lua function user_search of
 * compose/tarantool/init.lua, which walks a unicode_ci index in MySQL's order.
 */
export class TarantoolSearchService {
  private client: Promise<TarantoolClient> | undefined;

  constructor(private readonly target: TarantoolTarget) {}

  async byNamePrefix(firstName: string, lastName: string, limit: number): Promise<User[]> {
    const [tuples] = await this.call('user_search', [firstName, lastName, limit]);
    return ((tuples ?? []) as MsgValue[][]).map(toUser);
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    (await client?.catch(() => undefined))?.close();
  }

  /** One connection, opened on first use and again after it breaks (one retry per call). */
  private async call(name: string, args: MsgValue[]): Promise<MsgValue[]> {
    for (let attempt = 0; ; attempt++) {
      this.client ??= TarantoolClient.connect(this.target);
      const pending = this.client;
      try {
        return await (await pending).call(name, args);
      } catch (error) {
        if (this.client === pending) this.client = undefined;
        if (!(error instanceof TarantoolConnectionError) || attempt > 0) throw error;
      }
    }
  }
}

/** Tuple fields in init.lua's order: id, first_name, second_name, birthdate, gender, biography, city. */
function toUser(t: MsgValue[]): User {
  const text = (v: MsgValue) => (v === null || v === undefined ? '' : String(v));
  return {
    id: String(t[0]),
    first_name: text(t[1]),
    second_name: text(t[2]),
    birthdate: text(t[3]),
    biography: text(t[5]),
    city: text(t[6]),
  };
}
