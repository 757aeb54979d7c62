/**
 * The social rooms' and the direct chats' scripted history: Book Club, Hiking & Outdoors,
 * Announcements, the DMs, and the rooms the demo user is only invited to.
 */
import { say, type Conversation } from './script';

const books: Conversation = {
  room: 'books',
  endMinutesAgo: 60 * 20,
  lines: [
    say('amara', 'This month’s pick: **The Soul of a New Machine** 📖 Meeting on the 28th.', {
      react: { '📚': ['maya', 'elena', 'tom', 'demo'] },
    }),
    say('tom', 'Finally! It’s been on my list for years.', { reply: 1 }),
    say('elena', 'Halfway through. The “mushroom management” chapter is painfully accurate 😅', {
      gap: 60 * 24,
    }),
    say('maya', '> signing up\n\nThat line about engineers committing to impossible deadlines…', {
      reply: 1,
      gap: 30,
    }),
    say('lucas', 'No spoilers please, I’m on chapter 3!', { gap: 15 }),
    say('demo', 'Same here. Loving it so far.', { reply: 1 }),
    say('amara', 'Next month’s candidates, vote with reactions:', { gap: 60 * 30 }),
    say('amara', '_Hackers_ by Steven Levy', { gap: 1, react: { '👍': ['tom', 'maya'] } }),
    say('amara', '_The Mythical Man-Month_ by Fred Brooks', {
      gap: 1,
      react: { '👍': ['elena', 'demo', 'lucas'] },
    }),
    say('amara', '_Dealers of Lightning_ by Michael Hiltzik', { gap: 1, react: { '👍': ['tom'] } }),
    say(
      'tom',
      'The Mythical Man-Month it is, then. Adding more people to the book club won’t make it faster.',
      {
        gap: 240,
        react: { '😂': ['amara', 'maya', 'demo', 'elena'] },
      },
    ),
  ],
};

const hiking: Conversation = {
  room: 'hiking',
  endMinutesAgo: 35,
  lines: [
    say('lucas', 'Who’s in for the ridge trail on Saturday? ~14 km, 700 m up.', {
      react: { '🙋': ['sofia', 'noah'] },
    }),
    say('priya', 'Count me in if we start after 8. Not a morning person.', { reply: 1 }),
    say('lucas', '8:30 at the trailhead parking then.', { reply: 1, gap: 10 }),
    say('tom', 'Weather says 30% rain after 3 pm. Bring a shell.', { gap: 60 * 18 }),
    say(
      'noah',
      'My packing list, for anyone new:\n\n- 2 L water\n- snacks (more than you think)\n- rain jacket\n- headlamp, just in case\n- blister plasters',
      { gap: 45, react: { '🙏': ['demo', 'priya'] } },
    ),
    say(
      'sofia',
      'Trip report: amazing views from the top, we made it down just before the rain 🌧️',
      {
        gap: 60 * 30,
        react: { '🏔️': ['lucas', 'noah', 'demo', 'tom'] },
      },
    ),
    say('demo', 'Sorry I missed it! Next time for sure.', { reply: 1, gap: 60 }),
    say('lucas', 'Next one: lake loop, two weeks from now. Easier, 9 km, good for beginners.', {
      gap: 60 * 6,
    }),
    say('priya', 'Can I bring my sister?', { reply: 1, gap: 20 }),
    say('lucas', 'Of course! The more the merrier.', { reply: 1, gap: 5 }),
    say('noah', 'I’ll bring the good coffee this time ☕', { gap: 15 }),
    say(
      'tom',
      'Carpool sign-up sheet is pinned in the topic… or it will be once I figure out how.',
      {
        gap: 8,
      },
    ),
  ],
};

const announcements: Conversation = {
  room: 'announcements',
  endMinutesAgo: 60 * 24 * 3,
  lines: [
    say('priya', '📣 **Office closed on Monday** for the public holiday. Enjoy the long weekend!', {
      react: { '🎉': ['tom', 'maya', 'lucas', 'elena'] },
    }),
    say(
      'priya',
      'New laptop policy is out. Summary:\n\n| Role | Refresh cycle |\n| --- | --- |\n| Engineering | 3 years |\n| Everyone else | 4 years |',
      { gap: 60 * 24 * 5 },
    ),
    say('priya', 'Welcome **Noah Kim** to the team! 👋 Noah joins us as a backend engineer.', {
      gap: 60 * 24 * 4,
      react: { '👋': ['maya', 'jonas', 'sofia', 'kenji', 'demo', 'amara'] },
    }),
  ],
};

const dmMaya: Conversation = {
  room: 'dm-maya',
  endMinutesAgo: 60 * 5,
  lines: [
    say('maya', 'Hey, got a minute to talk about the demo?'),
    say('demo', 'Sure, what’s up?', { reply: 1, gap: 2 }),
    say('maya', 'I’d like it to work completely offline, so people can try it on a plane ✈️', {
      gap: 1,
    }),
    say('demo', 'Everything runs on 127.0.0.1, so that already works.', {
      gap: 3,
      react: { '🙌': ['maya'] },
    }),
    say('maya', 'Perfect. And the bot?', { gap: 1 }),
    say('demo', 'In-process too. It long-polls `/sync` like any other client.', { gap: 2 }),
    say('maya', 'Love it. Ship it! 🚢', { gap: 1, react: { '❤️': ['demo'] } }),
  ],
};

const dmJonas: Conversation = {
  room: 'dm-jonas',
  endMinutesAgo: 14,
  lines: [
    say('jonas', 'Did you see the benchmark numbers?', { gap: 0 }),
    say('demo', 'Yes! Cold start under 150 ms with 1,000 rooms is wild.', { gap: 4 }),
    say('jonas', 'SQLite with WAL and prepared statements, nothing fancy.', { gap: 2 }),
    say('jonas', 'Can you look at my PR when you have a sec? It touches the send queue.', {
      gap: 60 * 3,
    }),
    say('jonas', 'No rush, tomorrow is fine 🙂', { gap: 2 }),
  ],
};

const dmSofia: Conversation = {
  room: 'dm-sofia',
  endMinutesAgo: 60 * 24,
  lines: [
    say('sofia', 'Quick one: light or dark for the README screenshots?'),
    say('demo', 'Both! Side by side.', { reply: 1, gap: 6 }),
    say('sofia', 'Deal 😄', { reply: 1, gap: 1, react: { '👍': ['demo'] } }),
  ],
};

const boardgames: Conversation = {
  room: 'boardgames',
  endMinutesAgo: 60 * 30,
  lines: [
    say('kenji', 'Game of the week: **Wingspan** 🐦'),
    say('amara', 'I’ll bring the expansion.', { reply: 1 }),
  ],
};

const dmPriya: Conversation = {
  room: 'dm-priya',
  endMinutesAgo: 60 * 4,
  lines: [
    say(
      'priya',
      'Hi! I’m organising the team offsite, could I ask you a couple of questions about dates?',
    ),
  ],
};

/** The social rooms', the DMs' and the invites' histories. */
export const SOCIAL_CONVERSATIONS: Conversation[] = [
  books,
  hiking,
  announcements,
  dmMaya,
  dmJonas,
  dmSofia,
  boardgames,
  dmPriya,
];
