import { existsSync, readFileSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { dirname } from 'node:path';

/** Alertmanager's webhook payload (version 4), the fields an operator reads. */
export interface WebhookNotification {
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  alerts: Array<{
    status: 'firing' | 'resolved';
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    endsAt: string;
  }>;
}

/** One line of the sink's file: when it arrived, and the notification as Alertmanager sent it. */
export interface SinkLine extends WebhookNotification {
  receivedAt: string;
}

/** The notifications in a sink's file, oldest first; none while the file is empty or missing. */
export function readSinkFile(file: string): SinkLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as SinkLine);
}

export interface AlertSinkOptions {
  host: string;
  port: number;
  /** The JSON-lines file each notification is appended to (its folder is made if missing). */
  file: string;
}

/** A notification is a few kilobytes; anything far larger is not Alertmanager's. */
const maxBodyBytes = 1024 * 1024;

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function isNotification(body: unknown): body is WebhookNotification {
  const b = body as Partial<WebhookNotification> | null;
  return typeof b === 'object' && b !== null && typeof b.status === 'string' && Array.isArray(b.alerts);
}

/**
 * The webhook receiver an operator can read without a paging service: each notification Alertmanager
 * POSTs becomes one JSON line in `file` (appended, so the file is the history; `scripts/alerts.mjs`
 * reads it). GET /-/ready answers 200 once it listens, which it does only after it could open the file
 * for appending: an unwritable volume stops it at the start instead of losing every notification. Nothing
 * is sent anywhere else.
 */
export async function startAlertSink(options: AlertSinkOptions): Promise<Server & { port: number }> {
  await mkdir(dirname(options.file), { recursive: true });
  await appendFile(options.file, '', { mode: 0o600 });
  const server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/-/ready') {
      response.writeHead(200).end('ready\n');
      return;
    }
    if (request.method !== 'POST') {
      response.writeHead(405).end();
      return;
    }
    readBody(request)
      .then(async (text) => {
        const body: unknown = JSON.parse(text);
        if (!isNotification(body)) throw new Error('not an Alertmanager notification');
        const line: SinkLine = { receivedAt: new Date().toISOString(), ...body };
        await appendFile(options.file, `${JSON.stringify(line)}\n`, { mode: 0o600 });
        response.writeHead(200).end();
      })
      .catch((error: Error) => {
        response.writeHead(400).end(`${error.message}\n`);
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  return Object.assign(server, {
    port: typeof address === 'object' && address ? address.port : options.port,
  });
}
