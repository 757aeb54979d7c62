/**
 * The Watercooler's long history (hundreds of messages over six weeks), generated from a fixed
 * seed so every demo gets the same one: small exchanges of a question and its answers, with
 * replies and reactions now and then.
 */
import { say, type Conversation, type Line } from './script';

/** A question someone asks, and answers that fit it. */
const EXCHANGES: [string, string[]][] = [
  [
    'Lunch plans? Thinking about the ramen place.',
    ['I’m in!', 'Ramen sounds perfect.', 'Already ate, sorry 😅', 'Save me a seat, 10 minutes.'],
  ],
  [
    'Anyone else’s cat sitting on their keyboard right now?',
    [
      'Mine prefers the warm laptop charger.',
      'Dog here, but same energy 🐕',
      'Every. Single. Call.',
    ],
  ],
  [
    'What are you all reading at the moment?',
    [
      'A history of the transistor, surprisingly gripping.',
      'Sci-fi short stories, one a night.',
      'Cookbooks. Does that count?',
    ],
  ],
  [
    'Is it just me or is the coffee machine making weird noises again?',
    [
      'It’s been doing that since Tuesday.',
      'I filed a ticket. Again.',
      'It’s learning to talk. Be nice to it.',
    ],
  ],
  [
    'Weekend plans?',
    [
      'Gardening and a very long nap.',
      'Visiting my parents.',
      'Finally finishing that jigsaw puzzle 🧩',
      'Bouldering, if my fingers recover.',
    ],
  ],
  [
    'Recommend me a podcast for the commute?',
    [
      'Anything about the history of computing.',
      'I like the ones about urban planning, oddly calming.',
      'Try an audiobook instead!',
    ],
  ],
  [
    'It’s snowing! ❄️',
    ['Finally!', 'Not in my neighbourhood, just grey drizzle.', 'Time for hot chocolate.'],
  ],
  [
    'Who left the cake in the kitchen? It’s delicious.',
    [
      'That was me, it’s my birthday 🎂',
      'Thank you, whoever it was!',
      'There’s still half of it left, go go go.',
    ],
  ],
  [
    'Does anyone have a spare HDMI adapter?',
    ['Top drawer of the supply cabinet.', 'I have one, come grab it.'],
  ],
  [
    'Standing desk week 2: my legs have opinions.',
    [
      'Alternate every 30 minutes, it helps.',
      'Get one of those anti-fatigue mats.',
      'Welcome to the club 😄',
    ],
  ],
  [
    'Favourite keyboard switches? Asking for a friend.',
    [
      'Browns. Quiet enough for calls.',
      'Anything, as long as it’s not mushy.',
      'The friend is you, isn’t it.',
    ],
  ],
  [
    'Plants on my desk are thriving, any tips for a fern?',
    [
      'Humidity! Mist it every morning.',
      'Don’t let it sit in the sun.',
      'Talk to it. Works for mine 🌿',
    ],
  ],
  [
    'Movie night on Friday?',
    ['Yes! Something light please.', 'I vote for a classic.', 'Can’t this week, have fun!'],
  ],
  [
    'The new bakery downstairs is open 🥐',
    [
      'Their cinnamon rolls are dangerous.',
      'Just walked past, the queue is huge.',
      'Bringing croissants tomorrow then.',
    ],
  ],
  [
    'Tabs or spaces? (ducks)',
    ['Whatever the formatter says.', 'Spaces, two of them, forever.', 'Not this again 😂'],
  ],
  ['Anyone up for a walk around the block?', ['Give me 5 minutes.', 'Right behind you.']],
  [
    'My sourdough starter survived the holidays!',
    [
      'Bread photos or it didn’t happen.',
      'What do you feed it?',
      'Impressive, mine did not make it.',
    ],
  ],
  [
    'Who’s watching the match tonight?',
    ['Wouldn’t miss it.', 'I’ll follow the score on my phone.', 'What match? 🙃'],
  ],
];

const EMOJI = ['👍', '😂', '❤️', '🎉', '👀', '🙌', '☕', '😄'];

/** A small deterministic generator (mulberry32), so the history is the same every time. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One question with a few answers, some of them replies, some with reactions. */
function exchange(rand: () => number, people: string[], gapBefore: number): Line[] {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const [question, answers] = pick(EXCHANGES);
  const asker = pick(people);
  const lines: Line[] = [say(asker, question, { gap: gapBefore })];
  const count = 1 + Math.floor(rand() * answers.length);
  for (const answer of answers.slice(0, count)) {
    const from = pick(people.filter((p) => p !== asker));
    const line = say(from, answer, { gap: 1 + Math.floor(rand() * 6) });
    if (rand() < 0.35) line.reply = lines.length;
    if (rand() < 0.3) line.react = { [pick(EMOJI)]: [asker] };
    lines.push(line);
  }
  return lines;
}

/**
 * About `messages` lines for `room`, spread over `days` days and ending `endMinutesAgo` before
 * the seed: a few exchanges a day, mostly in working hours.
 */
export function longHistory(
  room: string,
  people: string[],
  messages: number,
  days: number,
  endMinutesAgo: number,
): Conversation {
  const rand = random(20_240_611);
  const lines: Line[] = [];
  const exchanges: Line[][] = [];
  while (exchanges.reduce((n, e) => n + e.length, 0) < messages) {
    exchanges.push(exchange(rand, people, 0));
  }
  // Spread the exchanges evenly over the span, jittered by up to half a slot.
  const slot = Math.floor((days * 24 * 60) / exchanges.length);
  for (const e of exchanges) {
    const used = e.reduce((n, l) => n + (l.gap ?? 0), 0);
    e[0]!.gap = Math.max(1, slot - used + Math.floor((rand() - 0.5) * slot * 0.5));
    lines.push(...e);
  }
  return { room, endMinutesAgo, lines };
}
