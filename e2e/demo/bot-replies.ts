/**
 * What the demo's peer bot says back: a few canned answers for greetings, thanks, help and
 * questions, and a friendly echo for everything else. Pure, so it is tested without a server.
 */

/** What the bot knows about the message it answers. */
export type Incoming = {
  /** The message's plain-text body. */
  body: string;
  /** How to address its sender: their display name's first word. */
  senderName: string;
  /** In a direct chat (else the bot was mentioned in a group room). */
  direct: boolean;
  /** The bot's own display name. */
  botName: string;
};

/**
 * What the bot says first in her direct chat with the demo user, which is end-to-end encrypted:
 * she sends it herself after the seed (see `demo.ts`), as a seeded message could not be.
 */
export const WELCOME = [
  'Hi! 👋 I’m **Ada**, the demo’s resident bot. Write to me here, or mention me in the Watercooler, and I’ll answer.',
  'This chat is end-to-end encrypted 🔒: the server only ever sees ciphertext. Try some _markdown_, a `code span`, or ask me for **help**.',
];

const HELP = [
  'Here is what I can do:',
  '',
  '- answer anything you write to me here (a little *repetitively*, I admit)',
  '- answer when you mention me in a room I am in, such as the **Watercooler**',
  '- show off formatting: `code`, **bold**, _italics_, lists and code blocks:',
  '',
  '```ts',
  'const greeting = (name: string) => `Hello, ${name}!`;',
  '```',
].join('\n');

const QUESTION_ANSWERS = [
  'Good question! I am only a demo bot, so my honest answer is: probably yes. 🙂',
  'Let me think… 🤔 I would say it depends, which is what every engineer says.',
  'I asked the other bots. They said 42.',
];

/** Strips quoted reply fallbacks and a leading address of the bot ("Ada: …", "@Ada …"). */
function stripAddress(body: string, botName: string): string {
  const unquoted = body
    .split('\n')
    .filter((l) => !l.startsWith('> '))
    .join('\n')
    .trim();
  const lower = unquoted.toLowerCase();
  for (const prefix of [`@${botName}`, botName]) {
    if (lower.startsWith(prefix.toLowerCase())) {
      return unquoted
        .slice(prefix.length)
        .replace(/^[:,!]?\s*/, '')
        .trim();
    }
  }
  return unquoted;
}

/** The bot's answer to `m`, in markdown; `nth` varies the canned answers. */
export function replyTo(m: Incoming, nth = 0): string {
  const text = stripAddress(m.body, m.botName);
  const name = m.senderName;
  if (/\bhelp\b/i.test(text)) return HELP;
  if (/^(hi|hello|hey|good (morning|afternoon|evening)|hallo|bonjour)\b/i.test(text)) {
    return `Hi ${name}! 👋 Nice to hear from you. Ask me for **help** to see what I can do.`;
  }
  if (/\b(thanks|thank you|cheers|ty)\b/i.test(text)) return 'You’re welcome! 😊';
  if (text === '') return `Yes, ${name}? I’m listening. 👂`;
  if (text.endsWith('?')) return QUESTION_ANSWERS[nth % QUESTION_ANSWERS.length]!;
  const quoted = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  const where = m.direct ? '' : ' (you mentioned me, so here I am)';
  return `> ${quoted.replace(/\n/g, '\n> ')}\n\nGot it, ${name}${where}! Message received loud and clear. 📬`;
}
