import { describe, expect, it } from 'vitest';
import { replyTo, type Incoming } from './bot-replies';
import { namePattern } from './peer-bot';

const dm = (body: string): Incoming => ({ body, senderName: 'Sam', direct: true, botName: 'Ada' });

describe('peer bot replies', () => {
  it('greets, helps, thanks and answers questions', () => {
    expect(replyTo(dm('hello there'))).toMatch(/^Hi Sam! 👋/);
    expect(replyTo(dm('Ada: hey'))).toMatch(/^Hi Sam!/);
    expect(replyTo(dm('can you help me'))).toContain('```ts');
    expect(replyTo(dm('Hello! Can you help?'))).toContain('```ts');
    expect(replyTo(dm('thanks!'))).toBe('You’re welcome! 😊');
    expect(replyTo(dm('Is it lunch time?'), 0)).not.toBe(replyTo(dm('Is it lunch time?'), 1));
  });

  it('echoes anything else as a quote, without the reply fallback or the address', () => {
    const reply = replyTo({
      body: '> <@maya:demo.local> earlier message\n\n@Ada the build is green\nand fast',
      senderName: 'Sam',
      direct: false,
      botName: 'Ada',
    });
    expect(reply).toBe(
      '> the build is green\n> and fast\n\nGot it, Sam (you mentioned me, so here I am)! ' +
        'Message received loud and clear. 📬',
    );
  });

  it('recognises its name as a word only', () => {
    expect(namePattern('Ada').test('what do you think, ada?')).toBe(true);
    expect(namePattern('Ada').test('Ada')).toBe(true);
    expect(namePattern('Ada').test('Canada is big')).toBe(false);
    expect(namePattern('A.d (x)').test('hi A.d (x)!')).toBe(true);
  });
});
