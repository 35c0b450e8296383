import { request } from 'node:http';

export interface ClickHouseEndpoint {
  host: string;
  port: number;
  user?: string;
  password?: string;
  /** How long a request may go unanswered (a load's INSERT takes minutes; a status check must not). */
  timeoutMs?: number;
}

export class ClickHouseError extends Error {
  override name = 'ClickHouseError';
}

/**
 * ClickHouse over its HTTP interface, which every server version has (18.16 included, which the
 * official client no longer speaks to). Credentials go in a Basic auth header, never in the URL.
 */
export class ClickHouseHttp {
  constructor(private readonly endpoint: ClickHouseEndpoint) {}

  get address(): string {
    return `${this.endpoint.host}:${this.endpoint.port}`;
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.send('GET', '/ping')).trim() === 'Ok.';
    } catch {
      return false;
    }
  }

  /** Runs one statement; the answer is the response body (TabSeparated unless the SQL says otherwise). */
  query(sql: string, settings: Record<string, string> = {}): Promise<string> {
    return this.send('POST', `/?${new URLSearchParams(settings)}`, sql);
  }

  /** Rows of a SELECT as arrays of column texts (TabSeparated, unescaped). */
  async rows(sql: string): Promise<string[][]> {
    const text = await this.query(`${sql} FORMAT TabSeparated`);
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.split('\t').map(unescapeTsv));
  }

  /** The first row of a SELECT (empty when there is none). */
  async row(sql: string): Promise<string[]> {
    return (await this.rows(sql))[0] ?? [];
  }

  /**
   * Streams `body` as the data of an INSERT (the query goes in the URL, the rows in the body);
   * waits for each chunk to be taken before reading the next, so memory stays flat.
   */
  insert(
    sql: string,
    body: AsyncIterable<Buffer | string>,
    settings: Record<string, string> = {},
  ): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.endpoint.host,
          port: this.endpoint.port,
          method: 'POST',
          path: `/?${new URLSearchParams({ ...settings, query: sql })}`,
          headers: { ...this.authHeader(), 'Transfer-Encoding': 'chunked' },
        },
        (res) => collect(res, resolve, reject),
      );
      req.on('error', (error) => reject(new ClickHouseError(`${this.address}: ${error.message}`)));
      (async () => {
        for await (const chunk of body) {
          if (!req.write(chunk)) await new Promise<void>((r) => req.once('drain', () => r()));
        }
        req.end();
      })().catch((error: unknown) => {
        req.destroy(error as Error);
        reject(error);
      });
    });
  }

  private authHeader(): Record<string, string> {
    if (!this.endpoint.user) return {};
    const token = Buffer.from(`${this.endpoint.user}:${this.endpoint.password ?? ''}`).toString('base64');
    return { Authorization: `Basic ${token}` };
  }

  private send(method: string, path: string, body?: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = request(
        { host: this.endpoint.host, port: this.endpoint.port, method, path, headers: this.authHeader() },
        (res) => collect(res, resolve, reject),
      );
      const timeoutMs = this.endpoint.timeoutMs ?? 600_000;
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
      req.on('error', (error) => reject(new ClickHouseError(`${this.address}: ${error.message}`)));
      req.end(body);
    });
  }
}

function collect(
  res: import('node:http').IncomingMessage,
  resolve: (text: string) => void,
  reject: (error: Error) => void,
): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('error', reject);
  res.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    if (res.statusCode === 200) resolve(text);
    else reject(new ClickHouseError(text.trim().split('\n')[0]?.slice(0, 500) || `HTTP ${res.statusCode}`));
  });
}

const escapes: Record<string, string> = {
  t: '\t',
  n: '\n',
  r: '\r',
  '0': '\0',
  b: '\b',
  f: '\f',
  '\\': '\\',
  "'": "'",
};

export function unescapeTsv(field: string): string {
  return field.replace(/\\(.)/g, (_, c: string) => escapes[c] ?? c);
}
