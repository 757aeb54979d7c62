import { describe, expect, it } from 'vitest';
import { bodyView, excerpt, isBigEmoji, mentions } from './body';
import { item } from '../testing/timeline-fixtures';

describe('bodyView', () => {
  it('shows text, notices and emotes with their style', () => {
    expect(bodyView(item({ content: { msgtype: 'm.text', body: 'hi' } }))).toMatchObject({
      kind: 'text',
      text: 'hi',
      style: 'text',
    });
    expect(bodyView(item({ content: { msgtype: 'm.notice', body: 'bot' } }))).toMatchObject({
      style: 'notice',
    });
    expect(bodyView(item({ content: { msgtype: 'm.emote', body: 'waves' } }))).toMatchObject({
      style: 'emote',
    });
  });

  it('uses formatted_body only when its format is the spec HTML one', () => {
    const html = { msgtype: 'm.text', body: 'b', formatted_body: '<b>b</b>' };
    expect(bodyView(item({ content: { ...html, format: 'org.matrix.custom.html' } })).kind).toBe(
      'html',
    );
    expect(bodyView(item({ content: { ...html, format: 'text/markdown' } })).kind).toBe('text');
  });

  it('says deleted, encrypted or what media it is instead of the body', () => {
    expect(bodyView(item({ redacted: true, content: {} })).kind).toBe('deleted');
    expect(bodyView(item({ type: 'm.room.encrypted', content: {} })).kind).toBe('encrypted');
    expect(bodyView(item({ content: { msgtype: 'm.image', body: 'cat.png' } }))).toMatchObject({
      kind: 'placeholder',
      text: 'Image: cat.png',
    });
  });

  it('says why an encrypted message could not be decrypted, and shows it once it is', () => {
    const utd = item({
      type: 'm.room.encrypted',
      content: { algorithm: 'm.megolm.v1.aes-sha2', ciphertext: 'x' },
      e2ee: { state: 'undecryptable', reason: 'withheld', withheldCode: 'm.unverified' },
    });
    expect(bodyView(utd)).toEqual({
      kind: 'undecryptable',
      text: "Unable to decrypt: the sender's session did not share the key with us because this session is not verified",
    });
    expect(excerpt(utd)).toBe('Unable to decrypt this message');
    const decrypted: typeof utd = {
      ...utd,
      type: 'm.room.message',
      content: { msgtype: 'm.text', body: 'the secret' },
      e2ee: { state: 'decrypted', shield: 'verified' },
    };
    expect(bodyView(decrypted)).toMatchObject({ kind: 'text', text: 'the secret' });
    expect(bodyView({ ...utd, redacted: true, content: {} }).kind).toBe('deleted');
  });

  it('shows an unknown msgtype by its body, and a placeholder without one', () => {
    expect(bodyView(item({ content: { msgtype: 'org.x.poll', body: 'Vote!' } }))).toMatchObject({
      kind: 'text',
      text: 'Vote!',
    });
    expect(bodyView(item({ content: { msgtype: 'm.text', body: { evil: 1 } } })).kind).toBe(
      'placeholder',
    );
    expect(bodyView(item({ content: null as unknown as Record<string, unknown> })).kind).toBe(
      'placeholder',
    );
  });

  it('strips the reply fallback from replies', () => {
    const v = bodyView(
      item({ replyTo: '$x', content: { msgtype: 'm.text', body: '> <@a:x> hi\n\nanswer' } }),
    );
    expect(v).toMatchObject({ kind: 'text', text: 'answer' });
  });
});

describe('helpers', () => {
  it('finds emoji-only messages', () => {
    expect(isBigEmoji('👍🎉')).toBe(true);
    expect(isBigEmoji('❤️')).toBe(true);
    expect(isBigEmoji('👨‍👩‍👧 👍')).toBe(true);
    expect(isBigEmoji('ok 👍')).toBe(false);
    expect(isBigEmoji('123')).toBe(false);
    expect(isBigEmoji('😀😀😀😀😀😀')).toBe(false);
  });

  it('makes one-line excerpts', () => {
    expect(excerpt(item({ content: { msgtype: 'm.text', body: 'a\n\nb   c' } }))).toBe('a b c');
    expect(excerpt(item({ redacted: true, content: {} }))).toBe('Message deleted');
  });

  it('quotes the plain text of formatted messages, not their markdown', () => {
    const bold = item({
      content: {
        msgtype: 'm.text',
        body: '**bold** move',
        format: 'org.matrix.custom.html',
        formatted_body: '<strong>bold</strong> move',
      },
      plainText: 'bold move',
    });
    expect(excerpt(bold)).toBe('bold move');
  });

  it('knows intentional mentions of us', () => {
    const m = item({ content: { body: 'hey', 'm.mentions': { user_ids: ['@alice:x'] } } });
    expect(mentions(m, '@alice:x')).toBe(true);
    expect(mentions(m, '@bob:x')).toBe(false);
    expect(mentions(item({ content: { body: 'x', 'm.mentions': 'bad' } }), '@alice:x')).toBe(false);
  });
});
