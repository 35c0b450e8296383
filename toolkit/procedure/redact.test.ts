import { describe, expect, it } from 'vitest';
import { redact, registerSecret } from './redact.ts';

describe('redact', () => {
  it('leaves text alone while nothing is registered in it', () => {
    expect(redact('nothing secret here')).toBe('nothing secret here');
    expect(redact('')).toBe('');
  });

  it('masks every occurrence of a registered secret', () => {
    registerSecret('hunter2-long');
    expect(redact("IDENTIFIED BY 'hunter2-long' -- hunter2-long")).toBe("IDENTIFIED BY '***' -- ***");
  });

  it('masks several secrets in one text', () => {
    registerSecret('alpha-secret');
    registerSecret('beta-secret');
    expect(redact('alpha-secret and beta-secret')).toBe('*** and ***');
  });

  it('masks a secret with characters special to regular expressions', () => {
    registerSecret('a.b*c+(d)$');
    expect(redact('pw=a.b*c+(d)$;')).toBe('pw=***;');
    expect(redact('pw=aXbbbc+(d)$;')).toBe('pw=aXbbbc+(d)$;');
  });

  it('ignores values shorter than 4 characters', () => {
    registerSecret('abc');
    expect(redact('abc abcd')).toBe('abc abcd');
  });

  it('masks a secret of exactly 4 characters', () => {
    registerSecret('wxyz');
    expect(redact('pw wxyz')).toBe('pw ***');
  });

  it('registering a secret twice is harmless', () => {
    registerSecret('twice-registered');
    registerSecret('twice-registered');
    expect(redact('twice-registered')).toBe('***');
  });

  it('masks the longer of two secrets that begin alike whole, whatever order they came in', () => {
    registerSecret('shared-prefix');
    registerSecret('shared-prefix-and-more');
    expect(redact('pw=shared-prefix-and-more')).toBe('pw=***');
  });
});
