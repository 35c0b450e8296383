/** One app process nginx balances over. */
export interface AppInstance {
  name: string;
  host: string;
  port: number;
  /** Out of rotation (`down`): nginx sends it nothing new while it restarts (a password rotation, say). */
  drained?: boolean;
}

/** Where one nginx runs: what differs between the local environment and a container. */
export interface NginxLayout {
  /** The inventory the config is rendered for (named in its first line). */
  inventory: string;
  listen: { host: string; port: number };
  instances: AppInstance[];
  /**
   * Files under nginx's own prefix dir (local environment); absent: the image's defaults, logs to
   * stdout/stderr (container).
   */
  files?: { pid: string; errorLog: string; accessLog: string; tempDir: string };
  /**
   * The source address nginx connects to the apps from: the apps trust X-Forwarded-For from this
   * address only (TRUST_PROXY). Locally a loopback alias, so a client on 127.0.0.1 is never trusted.
   */
  proxyBind?: string;
  workerProcesses: number | 'auto';
  /**
   * Load balancers in front of nginx whose X-Forwarded-For names the client (the realip module); a
   * connection from anywhere else is the client itself.
   */
  trustedFrontends?: string[];
}

/** Google Cloud's load balancers and health checkers (the stacks' HTTPS front end): the shared config trusts them. */
export const googleFrontEndRanges = ['130.211.0.0/22', '35.191.0.0/16'];

/** Paths the app serves WebSockets on: long-lived, so they get long read timeouts. */
export const webSocketPaths = ['/post/feed/posted', '/web/live'];

/** The contract's error body (app/src/platform/http.ts ErrorBody) for answers nginx makes itself. */
const unavailableCode = 2001;
const gatewayErrors: Record<number, string> = {
  502: 'no app instance answered, retry later',
  503: 'the app is unavailable, retry later',
  504: 'the app did not answer in time, retry later',
};

/**
 * The one nginx config for the app, rendered from the inventory; the local environment renders it
 * into its state dir, compose/nginx/nginx.conf is the same rendering for compose (kept in step by
 * compose-config.test.ts).
 *
 * - Passive health checks: an instance that fails a connection (or times out) is skipped for
 *   `fail_timeout`; a request that failed on one goes to the next only when that cannot run it
 *   twice — nginx never passes a POST (non-idempotent) on once it was sent (`non_idempotent` is
 *   left out of proxy_next_upstream on purpose), while a refused connection means nothing was sent.
 * - WebSocket upgrades pass through; X-Forwarded-For is the client's address, overwritten (never
 *   appended to a client's forged one).
 * - 502/503/504 that nginx makes itself are JSON in the contract's error shape with Retry-After;
 *   the apps' own error answers pass through untouched (proxy_intercept_errors stays off).
 */
export function renderNginxConfig(layout: NginxLayout): string {
  const { files } = layout;
  const upstream = layout.instances.map(
    (i) =>
      `        server ${i.host}:${i.port} max_fails=1 fail_timeout=5s${i.drained ? ' down' : ''};  # ${i.name}`,
  );
  const proxied = (extra: string[]) => ['proxy_pass http://app;', ...extra].map((l) => `            ${l}`);
  const errorLocation = (status: number) => [
    `    location @error_${status} {`,
    '        default_type application/json;',
    '        add_header retry-after 5 always;',
    '        add_header x-request-id $app_request_id always;',
    `        return ${status} '{"message":"${gatewayErrors[status]}","request_id":"$app_request_id","code":${unavailableCode}}\\n';`,
    '    }',
  ];
  const lines = [
    `# nginx in front of the app instances of inventory '${layout.inventory}'.`,
    '# Rendered by toolkit/nginx/config.ts: change the renderer, not this file.',
    `worker_processes ${layout.workerProcesses};`,
    ...(files ? [`pid ${files.pid};`, `error_log ${files.errorLog} warn;`] : ['error_log /dev/stderr warn;']),
    '',
    'events {',
    '    worker_connections 1024;',
    '}',
    '',
    'http {',
    '    server_tokens off;',
    '    log_format upstreams escape=json',
    `        '{"time":"$time_iso8601","request_id":"$app_request_id","method":"$request_method","uri":"$uri",'`,
    `        '"status":$status,"upstream":"$upstream_addr","upstream_status":"$upstream_status","request_time":$request_time}';`,
    `    access_log ${files ? files.accessLog : '/dev/stdout'} upstreams;`,
    ...(files
      ? ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
          (kind) => `    ${kind}_temp_path ${files.tempDir}/${kind};`,
        )
      : []),
    // Bodies stay in memory (the app refuses more than 64 KiB itself, with its own 413).
    '    client_max_body_size 1m;',
    '    client_body_buffer_size 1m;',
    '',
    ...(layout.trustedFrontends?.length
      ? [
          ...layout.trustedFrontends.map((range) => `    set_real_ip_from ${range};`),
          '    real_ip_header X-Forwarded-For;',
          '    real_ip_recursive on;',
          '',
        ]
      : []),
    '    map $http_upgrade $connection_upgrade {',
    '        default upgrade;',
    "        '' '';",
    '    }',
    // A caller's request id is kept when it looks like one (the app's own rule), else nginx makes one.
    '    map $http_x_request_id $app_request_id {',
    '        "~^[A-Za-z0-9._:-]{8,128}$" $http_x_request_id;',
    '        default $request_id;',
    '    }',
    '',
    '    upstream app {',
    ...upstream,
    '        keepalive 32;',
    // Shorter than the app's own keep-alive (72 s): nginx, not the app, closes an idle connection.
    '        keepalive_timeout 60s;',
    '    }',
    '',
    '    server {',
    `        listen ${layout.listen.host}:${layout.listen.port};`,
    '        proxy_http_version 1.1;',
    '        proxy_set_header Host $http_host;',
    '        proxy_set_header X-Forwarded-For $remote_addr;',
    '        proxy_set_header X-Forwarded-Proto $scheme;',
    '        proxy_set_header X-Request-Id $app_request_id;',
    '        proxy_set_header Upgrade $http_upgrade;',
    '        proxy_set_header Connection $connection_upgrade;',
    ...(layout.proxyBind ? [`        proxy_bind ${layout.proxyBind};`] : []),
    '        proxy_connect_timeout 2s;',
    '        proxy_read_timeout 60s;',
    '        proxy_next_upstream error timeout;',
    '        proxy_next_upstream_tries 2;',
    '        proxy_next_upstream_timeout 10s;',
    '        error_page 502 @error_502;',
    '        error_page 503 @error_503;',
    '        error_page 504 @error_504;',
    '',
    '        location / {',
    ...proxied([]),
    '        }',
    ...webSocketPaths.flatMap((path) => [
      `        location = ${path} {`,
      ...proxied(['proxy_read_timeout 1h;', 'proxy_send_timeout 1h;']),
      '        }',
    ]),
    '',
    ...[502, 503, 504].flatMap(errorLocation).map((l) => `    ${l}`),
    '    }',
    '}',
    '',
  ];
  return lines.join('\n');
}
