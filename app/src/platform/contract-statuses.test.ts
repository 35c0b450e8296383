import { describe, expect, it } from 'vitest';
import { contractStatus, listedStatuses, loadContract } from './contract-statuses.ts';

describe('contract statuses', () => {
  const listed = listedStatuses(loadContract());

  it("reads each operation's listed statuses under fastify's route spelling", () => {
    expect([...listed.get('GET /user/get/:id')!].sort()).toEqual([200, 400, 404, 500, 503]);
    expect([...listed.get('PUT /post/update')!].sort()).toEqual([200, 400, 401, 500, 503]);
    expect(listed.get('GET /user/me')).toBeUndefined();
    expect(listed.size).toBe(13);
  });

  it('keeps a listed status and maps an unlisted one to the nearest the contract lists', () => {
    const update = listed.get('PUT /post/update')!;
    const login = listed.get('POST /login')!;
    expect(contractStatus(update, 200)).toBe(200);
    expect(contractStatus(update, 401)).toBe(401);
    expect(contractStatus(update, 404)).toBe(400);
    expect(contractStatus(update, 413)).toBe(400);
    expect(contractStatus(login, 404)).toBe(404);
    expect(contractStatus(login, 429)).toBe(503);
    expect(contractStatus(update, 502)).toBe(500);
    expect(contractStatus(new Set([200]), 404)).toBe(404);
  });
});
