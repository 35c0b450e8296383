import { describe, expect, it } from 'vitest';
import { oneLine, StepFailure, ToolkitError, UsageError } from './errors.ts';

describe('oneLine', () => {
  it('joins a multi-line message into one line', () => {
    expect(oneLine(new Error('first line\n  second line\r\n\tthird'))).toBe('first line second line third');
  });

  it('trims the ends', () => {
    expect(oneLine(new Error('\n  padded  \n'))).toBe('padded');
  });

  it('keeps single spaces inside a line as they are', () => {
    expect(oneLine(new Error('a  b'))).toBe('a  b');
  });

  it('takes anything thrown, not only errors', () => {
    expect(oneLine('plain string\nthrown')).toBe('plain string thrown');
    expect(oneLine(42)).toBe('42');
    expect(oneLine(undefined)).toBe('undefined');
  });

  it("says 'unknown error' when there is nothing to say", () => {
    expect(oneLine(new Error(''))).toBe('unknown error');
    expect(oneLine(new Error(' \n '))).toBe('unknown error');
    expect(oneLine('')).toBe('unknown error');
  });
});

describe('error classes', () => {
  it('ToolkitError has a default code and its name', () => {
    const e = new ToolkitError('boom');
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('TOOLKIT_ERROR');
    expect(e.name).toBe('ToolkitError');
    expect(new ToolkitError('x', 'CUSTOM').code).toBe('CUSTOM');
  });

  it('UsageError is a ToolkitError with code USAGE', () => {
    const e = new UsageError('bad flag');
    expect(e).toBeInstanceOf(ToolkitError);
    expect(e.code).toBe('USAGE');
    expect(e.name).toBe('UsageError');
    expect(e.message).toBe('bad flag');
  });

  it('StepFailure names step and host in its message', () => {
    const e = new StepFailure('repoint', 'db2', 'access denied');
    expect(e).toBeInstanceOf(ToolkitError);
    expect(e.message).toBe('repoint on db2: access denied');
    expect([e.step, e.host, e.reason, e.code, e.name]).toEqual([
      'repoint',
      'db2',
      'access denied',
      'STEP_FAILED',
      'StepFailure',
    ]);
  });
});
