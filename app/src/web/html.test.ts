import { describe, expect, it } from 'vitest';
import { escapeHtml, html, SafeHtml, url } from './html.ts';

describe('html', () => {
  it('escapes interpolated text, including quotes for attributes', () => {
    const text = `<script>alert("x")</script> & 'y'`;
    expect(html`<p title="${text}">${text}</p>`.value).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;">' +
        '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;</p>',
    );
  });

  it('keeps nested templates and arrays of them as markup, escaping what they hold', () => {
    const items = ['a<b', 'c'].map((t) => html`<li>${t}</li>`);
    expect(html`<ul>${items}</ul>`.value).toBe('<ul><li>a&lt;b</li><li>c</li></ul>');
  });

  it('renders nothing for booleans, null and undefined, and numbers as text', () => {
    expect(html`${false}${true}${null}${undefined}${0}${12n}`.value).toBe('012');
  });

  it('does not trust a string that looks like markup, only SafeHtml', () => {
    expect(html`${'<b>'}${new SafeHtml('<b>')}`.value).toBe('&lt;b&gt;<b>');
    expect(escapeHtml('plain')).toBe('plain');
  });

  it('percent-encodes path segments', () => {
    expect(url`/people/${'1/../x?y'}`).toBe('/people/1%2F..%2Fx%3Fy');
  });
});
