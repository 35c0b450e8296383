import { describe, expect, it } from 'vitest';
import { applyMutation, describeMutation } from './mutation.ts';

const file = 'toolkit/x.ts';

describe('applyMutation', () => {
  it('replaces the one occurrence of the text', () => {
    expect(applyMutation('a < b;\nreturn a;\n', { file, find: 'a < b', replace: 'a > b' })).toBe(
      'a > b;\nreturn a;\n',
    );
  });

  it('deletes the text when the replacement is empty', () => {
    expect(applyMutation('keep\ndrop\nkeep\n', { file, find: 'drop\n', replace: '' })).toBe('keep\nkeep\n');
  });

  it('fails loudly, naming the file and the text, when the source no longer contains it', () => {
    expect(() => applyMutation('a <= b', { file, find: 'a < b', replace: 'a > b' })).toThrow(
      'toolkit/x.ts: the text to mutate is not there (the code changed; update the control): a < b',
    );
  });

  it('refuses text that occurs more than once: which one is meant is not known', () => {
    expect(() => applyMutation('a < b; a < b', { file, find: 'a < b', replace: 'a > b' })).toThrow(
      'toolkit/x.ts: the text to mutate occurs more than once: a < b',
    );
  });

  it('refuses a mutation that changes nothing', () => {
    expect(() => applyMutation('a < b', { file, find: 'a < b', replace: 'a < b' })).toThrow(
      'the mutation changes nothing',
    );
  });
});

describe('describeMutation', () => {
  it('shows the removed and added lines', () => {
    expect(describeMutation({ file, find: 'a\nb', replace: 'c' })).toBe('--- toolkit/x.ts\n- a\n- b\n+ c');
    expect(describeMutation({ file, find: 'a', replace: '' })).toBe('--- toolkit/x.ts\n- a');
  });
});
