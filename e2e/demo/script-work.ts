/**
 * The work rooms' scripted history: Engineering, Release 1.0, Design and Matrix Protocol.
 * Markdown, code blocks, replies, edits, reactions, a deleted message and a mention of the
 * demo user, so every part of the timeline has something to show.
 */
import { say, type Conversation } from './script';

const engineering: Conversation = {
  room: 'engineering',
  endMinutesAgo: 7,
  lines: [
    say('maya', 'Reminder: code freeze for **1.0** is on Friday. Get your reviews in early!', {
      react: { '👍': ['jonas', 'tom', 'priya', 'demo'] },
    }),
    say('tom', 'Could someone review #482? It’s the SQLite migration for read receipts.', {
      gap: 12,
    }),
    say('demo', 'On it. Looks good so far, one question about the index on `(room_id, ts)`.', {
      reply: 1,
      gap: 6,
    }),
    say('tom', 'The room list query sorts by it, see `EXPLAIN QUERY PLAN` in the PR description.', {
      reply: 1,
      gap: 4,
    }),
    say('demo', 'Makes sense. Approved ✅', { reply: 1, gap: 3, react: { '🚀': ['tom'] } }),
    say('amara', 'Has anyone measured startup time on the old ThinkPads lately?', { gap: 50 }),
    say('lucas', 'Cold start is ~140 ms to the room list on mine. Warm is well under 100.', {
      reply: 1,
      edit: 'Cold start is ~120 ms to the room list on mine. Warm is well under 100.',
    }),
    say('amara', 'Nice, that’s within budget.', { reply: 1 }),
    say('priya', 'Oops, wrong channel, sorry', { gap: 20, redact: true }),
    say(
      'kenji',
      'Heads-up: I’m bumping `better-sqlite3` to 12.11.1. Don’t go to 13.x on Node 20, it segfaults.',
      { gap: 25, react: { '👀': ['tom', 'demo'] } },
    ),
    say('tom', 'Good to know. Is that written down somewhere?', { reply: 1 }),
    say('kenji', 'In `BASELINE.md`, with everything else that bit us.', { reply: 1 }),
    say('maya', 'Standup in 10 minutes, link in the calendar invite.', { gap: 120 }),
    say('jonas', '/me grabs coffee', { emote: true, gap: 2 }),
    say(
      'noah',
      'Quick poll for the logging format:\n\n1. JSON lines\n2. logfmt\n3. whatever `console.log` gives us 🙃',
      { gap: 40, react: { '1️⃣': ['jonas', 'kenji', 'demo'], '2️⃣': ['tom'], '3️⃣': ['lucas'] } },
    ),
    say('jonas', 'JSON lines. Grep-able *and* machine-readable.', { reply: 1 }),
    say('jonas', 'CI is green again, by the way, after this morning’s flaky test hunt ☀️', {
      gap: 30,
      react: { '🎉': ['maya', 'kenji', 'demo'], '☕': ['tom'] },
    }),
    say('kenji', 'Which one was it this time?', { reply: 1, gap: 4 }),
    say(
      'jonas',
      'The sync retry test. It assumed the backoff never exceeds 1 s, but jitter can push it to 1.2 s:\n\n```ts\nconst delay = Math.min(maxDelay, base * 2 ** attempt);\nreturn delay * (0.8 + Math.random() * 0.4);\n```',
      { reply: 1, gap: 2 },
    ),
    say('kenji', 'Classic. Thanks for digging 🙏', { gap: 1 }),
    say('sofia', 'Can we look at the room list contrast in dark mode today? I have mockups.', {
      gap: 15,
    }),
    say('maya', 'Yes, put it on the agenda 👍', { reply: 1 }),
  ],
};

const release: Conversation = {
  room: 'release',
  endMinutesAgo: 25,
  lines: [
    say(
      'maya',
      '## 1.0 checklist\n\n- [x] Sync engine\n- [x] Offline cache\n- [ ] Messaging UI\n- [ ] Screenshots for the README\n- [ ] Release notes',
      { react: { '🚢': ['jonas', 'kenji', 'tom'] } },
    ),
    say('jonas', 'Sync engine is done and benchmarked against matrix-js-sdk on 1,000 rooms.', {
      gap: 30,
      react: { '🔥': ['maya', 'sofia', 'demo'] },
    }),
    say('sofia', 'UI is coming along: room list and timeline this week.', { gap: 45 }),
    say('tom', 'I’ll write the release notes. Draft by Wednesday.', { gap: 60 }),
    say('kenji', 'Who owns the demo? Someone should be able to try it without a server.', {
      gap: 20,
    }),
    say(
      'maya',
      'That’s the `npm run demo` task: embedded homeserver, seeded rooms, a friendly bot.',
      {
        reply: 1,
        gap: 5,
      },
    ),
    say(
      'maya',
      '@Demo User can you take the screenshots once the timeline lands? Light *and* dark, please.',
      { gap: 90, mention: ['demo'] },
    ),
    say('demo', 'Sure, I’ll do them on Thursday.', { reply: 1, gap: 12 }),
    say('tom', 'Release notes draft is in the shared folder. Comments welcome!', { gap: 300 }),
    say('jonas', 'Read it, looks great. One nit: say “offline-first”, not “offline-capable”.', {
      reply: 1,
      gap: 30,
    }),
    say('maya', 'Go/no-go meeting is Monday at 10. Please be there 🙏', {
      gap: 120,
      mention: ['demo'],
    }),
  ],
};

const design: Conversation = {
  room: 'design',
  endMinutesAgo: 190,
  lines: [
    say('sofia', 'New room list mockups are up. Feedback thread here 👇', {
      react: { '😍': ['maya', 'elena'] },
    }),
    say('elena', 'Love the calmer palette. Are the unread badges too loud now?', { reply: 1 }),
    say('noah', 'They’re fine in light mode, a bit harsh in dark. Maybe drop the saturation 10%?', {
      reply: 1,
    }),
    say('sofia', 'Good call, trying that.', { reply: 1, gap: 8 }),
    say(
      'maya',
      'Spacing check: everything on an **8 px grid**, avatars 32 px, row height 52 px. Right?',
      { gap: 40 },
    ),
    say('sofia', 'Right, except the section headers, which sit at 28 px.', { reply: 1 }),
    say('amara', 'Accessibility note: focus rings need 3:1 contrast against *both* themes.', {
      gap: 25,
      react: { '💯': ['sofia', 'noah', 'demo'] },
    }),
    say(
      'elena',
      'Font stack proposal:\n\n```css\nfont-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;\n```',
      {
        gap: 60,
      },
    ),
    say('noah', 'System fonts FTW. Starts fast, looks native.', { reply: 1 }),
    say('sofia', 'Updated the dark theme. Badge saturation down, borders a touch lighter.', {
      gap: 180,
      edit: 'Updated the dark theme: badge saturation down 10%, borders a touch lighter.',
      react: { '👌': ['noah', 'elena'] },
    }),
    say('demo', 'Much better! The selected row reads clearly now.', { gap: 20 }),
  ],
};

const matrix: Conversation = {
  room: 'matrix',
  endMinutesAgo: 60 * 26,
  lines: [
    say('kenji', 'TIL: `/sync` with a `filter` inline works if you URL-encode the JSON.', {
      react: { '🤓': ['noah'] },
    }),
    say(
      'priya',
      'Yep. Ours looks like:\n\n```json\n{\n  "room": {\n    "timeline": { "limit": 20, "lazy_load_members": true },\n    "state": { "lazy_load_members": true }\n  }\n}\n```',
      { reply: 1, gap: 4 },
    ),
    say('noah', 'Lazy loading makes such a difference in big rooms.', { reply: 1 }),
    say('jonas', 'And `limited: true` plus `prev_batch` is how we know there’s a gap to fill.', {
      gap: 20,
    }),
    say('demo', 'Do we persist gaps across restarts?', { reply: 1 }),
    say('jonas', 'Yes: timelines are linked chunks in SQLite, gaps keep their token.', {
      reply: 1,
      react: { '🧠': ['demo', 'kenji'] },
    }),
    say('kenji', 'Has anyone read the latest MSC on sticky events? Interesting idea.', {
      gap: 200,
    }),
    say('priya', 'Skimmed it. I like that it’s opt-in per event type.', { reply: 1 }),
    say(
      'noah',
      'Reminder that edits are just `m.replace` relations:\n\n```json\n"m.relates_to": { "rel_type": "m.replace", "event_id": "$original" }\n```',
      {
        gap: 90,
      },
    ),
    say(
      'kenji',
      'And the edit’s `m.new_content` is what you render. The fallback body starts with `* `.',
      {
        reply: 1,
      },
    ),
  ],
};

/** The work rooms' histories. */
export const WORK_CONVERSATIONS: Conversation[] = [engineering, release, design, matrix];
