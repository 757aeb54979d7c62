import { describe, expect, it } from 'vitest';
import { htmlToPlainText, oneLine, plainTextOf } from './plain-text';

describe('plainTextOf', () => {
  it('gives the text of formatted_body, not the markdown body', () => {
    const content = {
      msgtype: 'm.text',
      body: '**bold** and `code`',
      format: 'org.matrix.custom.html',
      formatted_body: '<strong>bold</strong> and <code>a &lt; b &amp;&amp; c</code>',
    };
    expect(plainTextOf(content)).toBe('bold and a < b && c');
  });

  it('drops the reply fallback of the body and of the HTML', () => {
    const plain = {
      msgtype: 'm.text',
      body: '> <@bob:x> quoted\n> more\n\nmy answer',
      'm.relates_to': { 'm.in_reply_to': { event_id: '$q' } },
    };
    expect(plainTextOf(plain)).toBe('my answer');
    const html = {
      ...plain,
      format: 'org.matrix.custom.html',
      formatted_body: '<mx-reply><blockquote>quoted</blockquote></mx-reply>my <em>answer</em>',
    };
    expect(plainTextOf(html)).toBe('my answer');
    // Not a reply: a quote is the message itself.
    expect(plainTextOf({ body: '> a quote\n\ntext' })).toBe('> a quote\n\ntext');
  });

  it('puts blocks on lines of their own, and oneLine joins them', () => {
    const text = htmlToPlainText('<p>one</p><p>two<br>three</p><ul><li>a</li><li>b</li></ul>');
    expect(oneLine(text)).toBe('one two three a b');
    expect(text.split('\n').filter(Boolean)).toEqual(['one', 'two', 'three', 'a', 'b']);
  });

  it('survives hostile or odd content', () => {
    expect(plainTextOf({ body: 42 })).toBeUndefined();
    expect(plainTextOf({ body: 'b', format: 'org.matrix.custom.html', formatted_body: 7 })).toBe(
      'b',
    );
    // HTML with no text falls back to the body.
    expect(
      plainTextOf({ body: 'img', format: 'org.matrix.custom.html', formatted_body: '<img>' }),
    ).toBe('img');
    expect(htmlToPlainText('<script>alert(1)</script>x &#99999999; &#x41; <b')).toBe(
      'x &#99999999; A',
    );
    expect(htmlToPlainText('a'.repeat(100_000)).length).toBe(20_000);
  });
});
