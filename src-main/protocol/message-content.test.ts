import { describe, expect, it } from 'vitest';
import { editContent, markdownToHtml, messageContent, reactionContent } from './message-content';

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
