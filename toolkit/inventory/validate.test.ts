import { describe, expect, it } from 'vitest';
import { UsageError } from '../procedure/errors.ts';
import type { Inventory } from './schema.ts';
import { validateInventory } from './validate.ts';

const origin = 'environments/prod.yaml';

function valid(): Inventory {
  return {
    name: 'prod',
    mysql: {
      database: 'app',
      master: { name: 'db1', host: '10.0.0.1', port: 3306 },
      slaves: [
        { name: 'db2', host: '10.0.0.2', port: 3306 },
        { name: 'db3', host: 'db3.internal', port: 3306, optionsDir: '/etc/mysql/conf.d' },
      ],
      admin: { user: 'admin', password: 'env:MYSQL_ADMIN_PASSWORD' },
      replication: { user: 'repl', password: 'file:secrets/mysql-repl' },
      app: { user: 'app', password: 'local:mysql-app' },
      semisync: { timeoutMs: 10_000, waitPoint: 'AFTER_SYNC' },
      maxLagSeconds: 5,
    },
    redis: { host: '10.0.0.5', port: 6379 },
    rabbitmq: {
      host: '10.0.0.6',
      port: 5672,
      credential: { user: 'guest', password: 'env:RABBITMQ_PASSWORD' },
    },
  };
}

type Tree = Record<string, unknown>;

/**
 * A valid inventory as plain data (what a YAML file gives) with the values at the given paths
 * replaced; `undefined` removes the field.
 */
function edited(...changes: Array<[path: string, value: unknown]>): unknown {
  const value = JSON.parse(JSON.stringify(valid())) as Tree;
  for (const [path, replacement] of changes) {
    const keys = path.split('/').slice(1);
    const last = keys.pop()!;
    const parent = keys.reduce<Tree>((node, key) => node[key] as Tree, value);
    if (replacement === undefined) delete parent[last];
    else parent[last] = replacement;
  }
  return value;
}

function message(value: unknown): string {
  try {
    validateInventory(value, origin);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).message;
  }
  throw new Error('expected the inventory to be rejected');
}

describe('validateInventory', () => {
  it('passes a valid inventory and returns it', () => {
    const inventory = valid();
    expect(validateInventory(inventory, origin)).toBe(inventory);
  });

  it('passes the optional parts', () => {
    const value = edited(
      ['/mysql/fenced', [{ name: 'db0', host: '10.0.0.9', port: 3306 }]],
      [
        '/chatMysql',
        { host: '10.0.0.7', port: 15306, database: 'chat', credential: { user: 'app', password: 'env:X' } },
      ],
      ['/vtctld', { host: '10.0.0.7', grpcPort: 15999, webPort: 15000 }],
      ['/vtgate', { host: '10.0.0.7', mysqlPort: 15306 }],
      ['/tarantool', { host: '10.0.0.8', port: 3301 }],
      ['/clickhouse', { host: '10.0.0.8', httpPort: 8123 }],
      ['/app', { url: 'https://social.example.com' }],
    );
    expect(() => validateInventory(value, origin)).not.toThrow();
  });

  it('names an unknown field and its path', () => {
    expect(message(edited(['/mysql/master/prot', 3306]))).toBe(
      `inventory ${origin}: /mysql/master/prot: unknown field 'prot' (a typo?)`,
    );
    expect(message(edited(['/redsi', {}]))).toBe(
      `inventory ${origin}: /redsi: unknown field 'redsi' (a typo?)`,
    );
  });

  it("a typo'd field name ('prot' for 'port') is reported as the typo, not as the missing field", () => {
    const value = edited(['/mysql/master/prot', 3306], ['/mysql/master/port', undefined]);
    expect(message(value)).toBe(`inventory ${origin}: /mysql/master/prot: unknown field 'prot' (a typo?)`);
  });

  it('says a missing field is required', () => {
    expect(message(edited(['/redis', undefined]))).toBe(`inventory ${origin}: /redis: is required`);
    expect(message(edited(['/mysql/slaves/1/host', undefined]))).toBe(
      `inventory ${origin}: /mysql/slaves/1/host: is required`,
    );
  });

  it('names a wrong type with the value found', () => {
    expect(message(edited(['/mysql/master/port', '3306']))).toBe(
      `inventory ${origin}: /mysql/master/port: expected integer, got "3306"`,
    );
    expect(message(edited(['/mysql/slaves', 'db2']))).toBe(
      `inventory ${origin}: /mysql/slaves: expected array, got "db2"`,
    );
    expect(message(edited(['/mysql/maxLagSeconds', -1]))).toMatch(
      /^inventory environments\/prod\.yaml: \/mysql\/maxLagSeconds: .*, got -1$/,
    );
  });

  it('rejects ports out of range', () => {
    expect(message(edited(['/mysql/slaves/0/port', 0]))).toMatch(
      /^inventory .*: \/mysql\/slaves\/0\/port: .*got 0$/,
    );
    expect(message(edited(['/redis/port', 65536]))).toMatch(/: \/redis\/port: .*got 65536$/);
  });

  it('rejects names that are not lower-case identifiers', () => {
    expect(message(edited(['/name', 'Prod']))).toMatch(/: \/name: .*got "Prod"$/);
    expect(message(edited(['/mysql/slaves/0/name', 'db 2']))).toMatch(/: \/mysql\/slaves\/0\/name: /);
  });

  it('rejects a semi-sync wait point it does not know', () => {
    expect(message(edited(['/mysql/semisync/waitPoint', 'AFTER_FLUSH']))).toMatch(
      /: \/mysql\/semisync\/waitPoint: /,
    );
  });

  it('rejects something that is not an object at all', () => {
    expect(message(null)).toBe('inventory environments/prod.yaml: /: expected object, got null');
    expect(message('name: prod')).toMatch(/^inventory environments\/prod\.yaml: \/: expected object/);
  });

  describe('secret references', () => {
    it.each([
      'env:MYSQL_ADMIN_PASSWORD',
      'file:secrets/admin',
      'file:/etc/toolkit/admin',
      'local:mysql-admin',
    ])('accepts %j', (ref) => {
      expect(() => validateInventory(edited(['/mysql/admin/password', ref]), origin)).not.toThrow();
    });

    it.each(['hunter2', 'vault:secret/mysql', 'env:', 'env:WITH SPACE', 'ENV:X', ''])('rejects %j', (ref) => {
      const text = message(edited(['/mysql/admin/password', ref]));
      expect(text).toBe(
        'inventory environments/prod.yaml: /mysql/admin/password: must be a secret reference (env:NAME, file:path or local:key), not the secret itself',
      );
      if (ref && !'(env:NAME, file:path or local:key)'.includes(ref)) expect(text).not.toContain(ref);
    });

    it('checks every credential, including the nested ones', () => {
      expect(message(edited(['/rabbitmq/credential/password', 'guest']))).toMatch(
        /: \/rabbitmq\/credential\/password: /,
      );
      expect(message(edited(['/mysql/replication/password', 'repl']))).toMatch(
        /: \/mysql\/replication\/password: /,
      );
    });
  });

  describe('topology', () => {
    it('rejects a node name used twice, whatever the roles', () => {
      expect(message(edited(['/mysql/slaves/0/name', 'db1']))).toBe(
        `inventory ${origin}: mysql node name 'db1' is used twice`,
      );
      expect(message(edited(['/mysql/slaves/1/name', 'db2']))).toBe(
        `inventory ${origin}: mysql node name 'db2' is used twice`,
      );
      expect(message(edited(['/mysql/fenced', [{ name: 'db3', host: '10.0.0.9', port: 3306 }]]))).toBe(
        `inventory ${origin}: mysql node name 'db3' is used twice`,
      );
    });

    it('rejects a slave at the master address', () => {
      expect(message(edited(['/mysql/slaves/0/host', '10.0.0.1']))).toBe(
        `inventory ${origin}: slave db2 points at 10.0.0.1:3306, which is master db1 already (a slave cannot replicate from itself)`,
      );
    });

    it('rejects two slaves at one address', () => {
      expect(message(edited(['/mysql/slaves/1/host', '10.0.0.2']))).toBe(
        `inventory ${origin}: slave db3 points at 10.0.0.2:3306, which is slave db2 already (a slave cannot replicate from itself)`,
      );
    });

    it('rejects a fenced node at a live address', () => {
      expect(message(edited(['/mysql/fenced', [{ name: 'db0', host: '10.0.0.1', port: 3306 }]]))).toMatch(
        /fenced db0 points at 10\.0\.0\.1:3306, which is master db1 already/,
      );
    });

    it('allows several nodes on one host at different ports (the local environment)', () => {
      const value = edited(
        ['/mysql/master', { name: 'db1', host: '127.0.0.1', port: 10100 }],
        [
          '/mysql/slaves',
          [
            { name: 'db2', host: '127.0.0.1', port: 10101 },
            { name: 'db3', host: '127.0.0.1', port: 10102 },
          ],
        ],
      );
      expect(() => validateInventory(value, 'local')).not.toThrow();
    });

    it('allows no slaves at all', () => {
      expect(() => validateInventory(edited(['/mysql/slaves', []]), origin)).not.toThrow();
    });
  });
});
