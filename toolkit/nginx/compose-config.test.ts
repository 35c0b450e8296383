import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { committedComposeNginxConfig, composeNginxConfig, composeNginxFile } from './compose-config.ts';
import { webSocketPaths } from './config.ts';

describe('compose/nginx/nginx.conf', () => {
  it('is the renderer output for compose (rewrite with UPDATE_COMPOSE_CONFIG=1)', () => {
    if (process.env.UPDATE_COMPOSE_CONFIG === '1') writeFileSync(composeNginxFile, composeNginxConfig());
    expect(committedComposeNginxConfig()).toBe(composeNginxConfig());
  });

  it('balances over both app services, passes WebSocket upgrades, never re-sends a POST', () => {
    const config = composeNginxConfig();
    expect(config).toMatch(/server app:5000 max_fails=1 fail_timeout=5s;/);
    expect(config).toMatch(/server app-2:5000 max_fails=1 fail_timeout=5s;/);
    for (const path of webSocketPaths) expect(config).toContain(`location = ${path} {`);
    expect(config).toContain('proxy_set_header Upgrade $http_upgrade;');
    expect(config).toContain('proxy_set_header X-Forwarded-For $remote_addr;');
    expect(config).toMatch(/proxy_next_upstream error timeout;/);
    expect(config).not.toContain('non_idempotent');
    // In a container: logs to the container's streams, no daemon directive (the image's command sets it).
    expect(config).toContain('access_log /dev/stdout upstreams;');
    expect(config).not.toMatch(/^\s*daemon /m);
  });
});
