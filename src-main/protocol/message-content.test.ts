import { describe, expect, it } from 'vitest';
import {
  editContent,
  htmlToPlain,
  markdownToHtml,
  matrixToLink,
  messageContent,
  reactionContent,
  withPillLinks,
} from './message-content';

describe('markdownToHtml', () => {
  it('leaves plain text alone and renders formatting', () => {
    expect(markdownToHtml('just words')).toBeUndefined();
    expect(markdownToHtml('two\nlines')).toBeUndefined();
    expect(markdownToHtml('a **bold** move')).toBe('a <strong>bold</strong> move');
    expect(markdownToHtml('```\ncode()\n```')).toContain('<pre><code>code()');
    expect(markdownToHtml('- one\n- two')).toContain('<ul>');
  });

  it('shows typed HTML as text instead of markup', () => {
    const html = markdownToHtml('**hi** <img src=x onerror=alert(1)>');
    expect(html).toContain('&lt;img');
    expect(html).not.toContain('<img');
  });
});

describe('messageContent', () => {
  it('builds a text message with empty intentional mentions', () => {
    expect(messageContent({ kind: 'text', body: 'hello' })).toEqual({
      msgtype: 'm.text',
      body: 'hello',
      'm.mentions': { user_ids: [] },
    });
  });

  it('builds a formatted emote and a notice', () => {
    expect(messageContent({ kind: 'emote', body: 'waves _slowly_' })).toMatchObject({
      msgtype: 'm.emote',
      format: 'org.matrix.custom.html',
      formatted_body: 'waves <em>slowly</em>',
    });
    expect(messageContent({ kind: 'notice', body: 'n' }).msgtype).toBe('m.notice');
  });

  it('replies mention the replied-to sender', () => {
    const c = messageContent({
      kind: 'text',
      body: 'yes',
      replyTo: { eventId: '$e', sender: '@bob:x' },
      mentions: ['@carol:x'],
    });
    expect(c['m.relates_to']).toEqual({ 'm.in_reply_to': { event_id: '$e' } });
    expect(c['m.mentions']).toEqual({ user_ids: ['@carol:x', '@bob:x'] });
  });

  it('never mentions its own sender (a reply to yourself, a pill of yourself)', () => {
    const c = messageContent({
      kind: 'text',
      body: 'me',
      replyTo: { eventId: '$e', sender: '@me:x' },
      pills: [{ offset: 0, length: 2, userId: '@me:x' }],
      sender: '@me:x',
    });
    expect(c['m.mentions']).toEqual({ user_ids: [] });
    expect(c.formatted_body).toContain('https://matrix.to/#/@me:x');
  });
});

describe('editContent', () => {
  it('carries the new content and mentions only new users at the top level', () => {
    const c = editContent(
      '$orig',
      { kind: 'text', body: 'fixed *typo*', mentions: ['@a:x', '@b:x'] },
      ['@a:x'],
    );
    expect(c.body).toBe('* fixed *typo*');
    expect(c['m.relates_to']).toEqual({ rel_type: 'm.replace', event_id: '$orig' });
    expect(c['m.new_content']).toMatchObject({
      msgtype: 'm.text',
      body: 'fixed *typo*',
      formatted_body: 'fixed <em>typo</em>',
      'm.mentions': { user_ids: ['@a:x', '@b:x'] },
    });
    expect(c['m.mentions']).toEqual({ user_ids: ['@b:x'] });
  });
});

it('builds a reaction annotation', () => {
  expect(reactionContent('$e', '👍')).toEqual({
    'm.relates_to': { rel_type: 'm.annotation', event_id: '$e', key: '👍' },
  });
});

describe('formats and pills', () => {
  it('sends plain text as it is, markdown characters included', () => {
    expect(messageContent({ kind: 'text', body: '**not bold**', format: 'plain' })).toEqual({
      msgtype: 'm.text',
      body: '**not bold**',
      'm.mentions': { user_ids: [] },
    });
  });

  it('sends HTML as formatted_body with its text as body', () => {
    const c = messageContent({
      kind: 'text',
      body: '<b>big</b> &amp; <i>bold</i>',
      format: 'html',
    });
    expect(c).toMatchObject({
      body: 'big & bold',
      format: 'org.matrix.custom.html',
      formatted_body: '<b>big</b> &amp; <i>bold</i>',
    });
    expect(htmlToPlain('<p>one</p><p>two<br>three &#x1F600;</p>')).toBe('one\ntwo\nthree 😀');
  });

  it('sends an emote in any format', () => {
    expect(messageContent({ kind: 'emote', body: 'waves', format: 'plain' }).msgtype).toBe(
      'm.emote',
    );
  });

  it('links pills to matrix.to and mentions their users', () => {
    const body = 'hi Alice L. and *Bob*';
    const pills = [
      { offset: 3, length: 8, userId: '@alice:x' },
      { offset: 16, length: 5, userId: '@bob:x' },
    ];
    const c = messageContent({ kind: 'text', body, pills });
    expect(c.body).toBe(body);
    expect(c.formatted_body).toBe(
      'hi <a href="https://matrix.to/#/@alice:x">Alice L.</a> and <a href="https://matrix.to/#/@bob:x">*Bob*</a>',
    );
    expect(c['m.mentions']).toEqual({ user_ids: ['@alice:x', '@bob:x'] });
    const plain = messageContent({
      kind: 'text',
      body: '<Al>',
      format: 'plain',
      pills: [{ offset: 0, length: 4, userId: '@al:x' }],
    });
    expect(plain.formatted_body).toBe('<a href="https://matrix.to/#/@al:x">&lt;Al&gt;</a>');
  });

  it('ignores pills outside the body or overlapping', () => {
    const pills = [
      { offset: 0, length: 2, userId: '@a:x' },
      { offset: 1, length: 2, userId: '@b:x' },
      { offset: 9, length: 5, userId: '@c:x' },
    ];
    expect(withPillLinks('abc', pills)).toBe('[ab](https://matrix.to/#/@a:x)c');
  });

  it('encodes matrix.to links', () => {
    expect(matrixToLink('#room:x')).toBe('https://matrix.to/#/%23room:x');
    expect(matrixToLink('!id:x')).toBe('https://matrix.to/#/!id:x');
  });
});
