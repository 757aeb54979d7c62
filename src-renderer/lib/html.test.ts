import { describe, expect, it } from 'vitest';
import {
  codeClass,
  defuseEventHandlers,
  htmlTextLength,
  isSafeHref,
  linkSegments,
  pillTarget,
  safeColor,
  safeStart,
  stripReplyFallback,
  truncateText,
} from './html';

describe('pillTarget', () => {
  it('names users and rooms of matrix.to links, nothing else', () => {
    expect(pillTarget('https://matrix.to/#/@bob:x')).toEqual({ kind: 'user', id: '@bob:x' });
    expect(pillTarget('https://matrix.to/#/%40bob%3Ax')).toEqual({ kind: 'user', id: '@bob:x' });
    expect(pillTarget('https://matrix.to/#/%23room:x?via=x')).toEqual({
      kind: 'room',
      id: '#room:x',
    });
    expect(pillTarget('https://matrix.to/#/!abc:x')).toEqual({ kind: 'room', id: '!abc:x' });
    expect(pillTarget('https://matrix.to/#/!abc:x/$event')).toBeUndefined();
    expect(pillTarget('https://matrix.to/#/%E0%A4%A')).toBeUndefined();
    expect(pillTarget('https://example.org/#/@bob:x')).toBeUndefined();
    expect(pillTarget('https://matrix.to/#/bob')).toBeUndefined();
  });
});

describe('isSafeHref', () => {
  it('allows absolute http, https and mailto links only', () => {
    expect(isSafeHref('https://example.org/a?b=c#d')).toBe(true);
    expect(isSafeHref('http://example.org')).toBe(true);
    expect(isSafeHref('mailto:bob@example.org')).toBe(true);
    expect(isSafeHref(' https://example.org ')).toBe(true);
  });

  it('refuses scripts, data, files, relative and odd schemes however they are spelled', () => {
    for (const href of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      ' javascript:alert(1)',
      'java\tscript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox',
      'file:///etc/passwd',
      'matrix:r/room:example.org',
      '/relative/path',
      '//evil.example/x',
      'not a url',
      '',
    ]) {
      expect(isSafeHref(href), href).toBe(false);
    }
  });
});

describe('attribute values', () => {
  it('keeps only #rrggbb colours', () => {
    expect(safeColor('#c2410C')).toBe('#c2410C');
    expect(safeColor(' #000000 ')).toBe('#000000');
    for (const bad of [
      'red',
      '#fff',
      '#12345g',
      '#123456;background:url(x)',
      'expression(1)',
      '',
    ]) {
      expect(safeColor(bad), bad).toBeUndefined();
    }
    expect(safeColor(null)).toBeUndefined();
  });

  it('keeps only language-* classes on code', () => {
    expect(codeClass('language-ts')).toBe('language-ts');
    expect(codeClass('hljs language-c++ evil')).toBe('language-c++');
    expect(codeClass('mx_EventTile overlay')).toBe('');
  });

  it('keeps a plain integer start for ordered lists', () => {
    expect(safeStart('3')).toBe('3');
    expect(safeStart('-2')).toBe('-2');
    expect(safeStart('3;x')).toBeUndefined();
    expect(safeStart('99999999999999')).toBeUndefined();
  });
});

describe('linkSegments', () => {
  it('turns URLs and email addresses into links and keeps the text around them', () => {
    const segs = linkSegments('See https://example.org/docs, or mail bob@example.org today');
    expect(segs).toEqual([
      { text: 'See ' },
      { text: 'https://example.org/docs', href: 'https://example.org/docs' },
      { text: ', or mail ' },
      { text: 'bob@example.org', href: 'mailto:bob@example.org' },
      { text: ' today' },
    ]);
  });

  it('links bare domains over http and never links script URLs', () => {
    expect(linkSegments('go to example.com')).toEqual([
      { text: 'go to ' },
      { text: 'example.com', href: 'http://example.com' },
    ]);
    const segs = linkSegments('javascript:alert(1) and data:text/html,x');
    expect(segs.every((s) => !s.href || s.href.startsWith('http'))).toBe(true);
    expect(segs.map((s) => s.text).join('')).toBe('javascript:alert(1) and data:text/html,x');
  });

  it('returns the text as one segment when there is nothing to link', () => {
    expect(linkSegments('plain words')).toEqual([{ text: 'plain words' }]);
    expect(linkSegments('')).toEqual([]);
  });
});

describe('stripReplyFallback', () => {
  it('drops the quoted fallback lines and the blank line after them', () => {
    expect(stripReplyFallback('> <@bob:x> Original\n> second\n\nMy answer')).toBe('My answer');
  });

  it('leaves bodies without a fallback alone', () => {
    expect(stripReplyFallback('Just text\n> quoted later')).toBe('Just text\n> quoted later');
    expect(stripReplyFallback('>not a fallback')).toBe('>not a fallback');
  });
});

describe('truncateText', () => {
  it('cuts long text and says so', () => {
    const r = truncateText('x'.repeat(5000), 4000);
    expect(r.text).toHaveLength(4000);
    expect(r.truncated).toBe(true);
    expect(truncateText('short', 4000)).toEqual({ text: 'short', truncated: false });
  });

  it('never splits an emoji in half', () => {
    const r = truncateText('ab😀cd', 3);
    expect(r.text).toBe('ab');
  });
});

describe('defuseEventHandlers', () => {
  it('renames on* attributes inside tags, quoted or not', () => {
    expect(defuseEventHandlers('<img src=x onerror=alert(1)>')).toBe(
      '<img src=x data-lm-blocked-error=alert(1)>',
    );
    expect(defuseEventHandlers('<p ONCLICK="a()" title=\'onx=1\'>t</p>')).toBe(
      '<p data-lm-blocked-CLICK="a()" title=\'onx=1\'>t</p>',
    );
    expect(defuseEventHandlers('<svg/onload=alert(1)>')).toBe(
      '<svg/data-lm-blocked-load=alert(1)>',
    );
  });

  it('leaves text, attribute values and comments unchanged', () => {
    const text = 'if onclick=1 then <b>bold</b> <!-- <i onclick=x> --> <a href="x onload=y">l</a>';
    expect(defuseEventHandlers(text)).toBe(text);
    expect(defuseEventHandlers('a < b and c > d')).toBe('a < b and c > d');
  });

  it('copes with unterminated tags and quotes', () => {
    expect(defuseEventHandlers('<a href="x')).toBe('<a href="x');
    expect(defuseEventHandlers('<b onmouseover')).toBe('<b data-lm-blocked-mouseover');
    expect(defuseEventHandlers('<')).toBe('<');
    expect(defuseEventHandlers('<a =x onfocus=y>')).toBe('<a =x data-lm-blocked-focus=y>');
  });

  it('stays fast on hostile input', () => {
    const start = performance.now();
    defuseEventHandlers('<a ' + 'b'.repeat(60_000));
    defuseEventHandlers('<a b="'.repeat(10_000));
    expect(performance.now() - start).toBeLessThan(500);
  });
});

describe('htmlTextLength', () => {
  it('counts text, not markup', () => {
    expect(htmlTextLength('<p><b>abc</b>&amp;</p>')).toBe(4);
  });
});
