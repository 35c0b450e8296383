import { describe, expect, it } from 'vitest';
import { checkQueryString } from './text.ts';

describe('checkQueryString', () => {
  it('passes well-formed escapes, plain ASCII and a URL without a query', () => {
    const q = `/user/search?first_name=${encodeURIComponent('Агат')}&last_name=${encodeURIComponent('Поном')}&limit=10`;
    expect(() => checkQueryString(q)).not.toThrow();
    expect(() => checkQueryString('/user/search?first_name=a+b&last_name=c')).not.toThrow();
    expect(() => checkQueryString('/user/search')).not.toThrow();
  });

  it('refuses a malformed escape, bad UTF-8, a sequence split by & and an escaped lone surrogate', () => {
    expect(() => checkQueryString('/s?a=%zz')).toThrow(/UTF-8/);
    expect(() => checkQueryString('/s?a=%C3%28')).toThrow(/UTF-8/);
    expect(() => checkQueryString('/s?a=%E2%82&b=%AC')).toThrow(/UTF-8/);
    expect(() => checkQueryString('/s?a=%ED%A0%80')).toThrow(/UTF-8/);
  });
});
