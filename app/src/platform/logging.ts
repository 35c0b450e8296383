import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { basename, dirname } from 'node:path';
import type { Writable } from 'node:stream';
import type { FastifyServerOptions } from 'fastify';
import { createStream } from 'rotating-file-stream';

/** Keeps a caller's x-request-id when it looks like one, so a request can be followed across services. */
export function requestId(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && /^[A-Za-z0-9._:-]{8,128}$/.test(given) ? given : randomUUID();
}

const verbose = new Set(['debug', 'trace']);

/**
 * The logged URL: the path only, unless the level is debug or trace. Query strings carry search terms
 * (names) and other personal data; the WebSocket's ?token= is masked even then.
 */
export function loggedUrl(url: string, level: string): string {
  if (!verbose.has(level)) return url.split('?')[0] ?? '';
  return url.replace(/([?&]token=)[^&]*/g, '$1***');
}

/**
 * JSON lines (pino), one per request and per event, each with the request id; no secrets, and no
 * personal data above debug. On stdout, or in LOG_FILE (see openLogFile).
 */
export function loggerOptions(level: string, stream?: Writable): FastifyServerOptions['logger'] {
  return {
    level,
    ...(stream ? { stream } : {}),
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        '*.password',
        '*.current_password',
        '*.token',
      ],
      censor: '***',
    },
    serializers: {
      req: (request: { method: string; url: string; ip?: string }) => ({
        method: request.method,
        url: loggedUrl(request.url, level),
        remoteAddress: request.ip,
      }),
    },
  };
}

export interface LogFile {
  path: string;
  /** Rotated when it grows past this. */
  maxBytes: number;
  /** Rotated files kept (`app.log.1` the newest … `app.log.<keep>`); older ones are deleted. */
  keep: number;
}

/** Owner read-write, group read, others nothing: logs hold addresses and request ids. */
export const logFileMode = 0o640;

/**
 * The log file, rotated by size like logrotate (`app.log` → `app.log.1` → …, `keep` of them), each
 * created 0640; a file left by an older run with a wider mode is narrowed first.
 */
export function openLogFile(file: LogFile): Writable {
  mkdirSync(dirname(file.path), { recursive: true, mode: 0o750 });
  if (existsSync(file.path)) chmodSync(file.path, logFileMode);
  return createStream(basename(file.path), {
    path: dirname(file.path),
    size: `${file.maxBytes}B`,
    rotate: file.keep,
    mode: logFileMode,
  });
}
