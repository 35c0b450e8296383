import { describe, expect, it } from 'vitest';
import { type Answer, ContractChecker } from './contract.ts';

const answer = (statusCode: number, body: unknown, type = 'application/json; charset=utf-8') =>
  ({ statusCode, body: JSON.stringify(body), headers: { 'content-type': type } }) satisfies Answer;

describe('ContractChecker', () => {
  it('accepts answers the contract allows and counts the operations it saw', () => {
    const checker = new ContractChecker();
    checker.check('GET', '/user/get/5', answer(200, { id: '5', first_name: 'A', birthdate: '2000-01-01' }));
    checker.check('GET', '/post/feed?limit=1', answer(200, [{ id: '1', text: 't', author_user_id: '2' }]));
    checker.check('POST', '/login', answer(503, { message: 'later', request_id: 'r', code: 2001 }));
    checker.check('PUT', '/post/update', answer(400, { message: 'x', request_id: 'r', code: 1004 }));
    checker.check('GET', '/user/me', answer(418, 'not a contract path'));
    expect(checker.unchecked()).toHaveLength(13 - 4);
  });

  it('refuses a status the operation does not list, a wrong body, a bad format and a non-JSON type', () => {
    const checker = new ContractChecker();
    expect(() => checker.check('PUT', '/post/update', answer(404, {}))).toThrow(
      /status 404 is not in the contract/,
    );
    expect(() => checker.check('GET', '/user/get/5', answer(200, { id: 5 }))).toThrow(/does not match/);
    expect(() => checker.check('GET', '/user/get/5', answer(200, { birthdate: '2000-02-30' }))).toThrow(
      /does not match/,
    );
    expect(() => checker.check('GET', '/dialog/3/list', answer(200, [{ from: '1', text: 'x' }]))).toThrow(
      /does not match/,
    );
    expect(() => checker.check('POST', '/login', answer(500, { request_id: 'r' }))).toThrow(/does not match/);
    expect(() => checker.check('POST', '/post/create', answer(200, '7', 'text/plain'))).toThrow(
      /content-type/,
    );
  });
});
