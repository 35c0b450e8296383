import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { AppError } from '../platform/errors.ts';
import { safeNext } from './context.ts';
import { formMessage, parseForm, tidyForm, validationMessage } from './forms.ts';

describe('forms', () => {
  it('parses url-encoded bodies, including non-ASCII and repeated fields', () => {
    let parsed: unknown;
    parseForm({} as FastifyRequest, 'text=%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82+%3Cb%3E&a=1&a=2', (_e, v) => {
      parsed = v;
    });
    expect(parsed).toEqual({ text: 'Привет <b>', a: '2' });
  });

  it('trims fields, drops empty optional ones, and keeps passwords as typed', async () => {
    const body = { first_name: '  Ann ', city: '  ', email: '', password: ' pass ', text: '' };
    await tidyForm(['city', 'email'])({ body } as unknown as FastifyRequest);
    expect(body).toEqual({ first_name: 'Ann', password: ' pass ', text: '' });
  });

  it('names the field a schema error is about, in words', () => {
    expect(
      validationMessage({ validation: [{ instancePath: '/birthdate', params: {} }] } as never),
    ).toContain('date of birth');
    expect(
      validationMessage({
        validation: [{ instancePath: '', params: { missingProperty: 'password' } }],
      } as never),
    ).toContain('password');
    expect(validationMessage({ validation: [] } as never)).toBe('Check what you entered and try again.');
  });

  it('turns a client error of a service into a sentence and rethrows anything else', () => {
    expect(formMessage(new AppError('CONFLICT', 'this email is already registered'))).toBe(
      'This email is already registered.',
    );
    expect(() => formMessage(new AppError('DEPENDENCY_UNAVAILABLE', 'x'))).toThrow();
    expect(() => formMessage(new Error('boom'))).toThrow('boom');
  });

  it('returns only to local paths after sign-in', () => {
    expect(safeNext('/chats/5?x=1')).toBe('/chats/5?x=1');
    for (const bad of [
      '//evil.example',
      '/\\evil.example',
      'https://evil.example',
      'chats',
      '',
      undefined,
      '/a b',
    ])
      expect(safeNext(bad)).toBe('/');
  });
});
