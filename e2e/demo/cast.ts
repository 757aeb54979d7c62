/**
 * Who lives on the demo homeserver and which rooms they share. Localparts are the keys the
 * scripts (`script-*.ts`) use; the seeder turns them into `@localpart:server`.
 */

/** The person signed in to the app. */
export const DEMO_USER = { localpart: 'demo', password: 'demo', displayName: 'Demo User' };

/** The peer bot (see `peer-bot.ts`): answers DMs (her own one is encrypted) and mentions. */
export const BOT_USER = { localpart: 'ada', password: 'ada-demo-bot', displayName: 'Ada' };

/** Everyone else, with display names. Their password is their localpart twice. */
export const PEOPLE: Record<string, string> = {
  maya: 'Maya Patel',
  jonas: 'Jonas Becker',
  sofia: 'Sofia Rossi',
  kenji: 'Kenji Watanabe',
  amara: 'Amara Okafor',
  lucas: 'Lucas Martin',
  priya: 'Priya Sharma',
  tom: 'Tom Hughes',
  elena: 'Elena Petrova',
  noah: 'Noah Kim',
};

/** A room of the demo account. */
export type DemoRoom = {
  /** The key scripts refer to. */
  key: string;
  /** Absent for DMs: the client names them after the other person. */
  name?: string;
  topic?: string;
  /** Who creates it. */
  creator: string;
  /** Everyone else who is joined (the demo user included unless `invite`). */
  members: string[];
  /** A direct chat between the demo user and `creator`. */
  direct?: boolean;
  /** The demo user is only invited (by `creator`). */
  invite?: boolean;
  /**
   * Created end-to-end encrypted (`m.room.encryption`). The seed writes no history into it
   * (that would take real encryption): its first messages come from a client, after the seed.
   */
  encrypted?: boolean;
  /** `m.tag` tags the demo user has set. */
  tags?: ('m.favourite' | 'm.lowpriority')[];
  /** Messages at the end the demo user has not read yet (0: all read). */
  unread?: number;
  /** How long ago the room was created, in days. */
  createdDaysAgo: number;
};

const EVERYONE = ['demo', ...Object.keys(PEOPLE)];

/** The demo account's rooms: eight group rooms, four DMs, two invites. */
export const ROOMS: DemoRoom[] = [
  {
    key: 'engineering',
    name: 'Engineering',
    topic: 'Builds, releases and code review. Be kind to main.',
    creator: 'jonas',
    members: EVERYONE.filter((p) => p !== 'elena'),
    tags: ['m.favourite'],
    unread: 3,
    createdDaysAgo: 40,
  },
  {
    key: 'release',
    name: 'Release 1.0',
    topic: 'Shipping checklist for 1.0: freeze on Friday, release the week after',
    creator: 'maya',
    members: ['demo', 'jonas', 'sofia', 'kenji', 'tom'],
    tags: ['m.favourite'],
    unread: 2,
    createdDaysAgo: 12,
  },
  {
    key: 'design',
    name: 'Design',
    topic: 'Mockups, critiques and the occasional colour debate',
    creator: 'sofia',
    members: ['demo', 'maya', 'elena', 'noah', 'amara'],
    createdDaysAgo: 35,
  },
  {
    key: 'watercooler',
    name: 'Watercooler',
    topic: 'Off-topic chatter, pets and lunch plans (a long history: scroll away)',
    creator: 'tom',
    members: [...EVERYONE, 'ada'],
    createdDaysAgo: 45,
  },
  {
    key: 'matrix',
    name: 'Matrix Protocol',
    topic: 'Spec talk, MSCs and homeserver gossip',
    creator: 'kenji',
    members: ['demo', 'jonas', 'priya', 'noah'],
    createdDaysAgo: 30,
  },
  {
    key: 'books',
    name: 'Book Club',
    topic: 'This month: The Soul of a New Machine, by Tracy Kidder',
    creator: 'amara',
    members: ['demo', 'maya', 'elena', 'tom', 'lucas'],
    createdDaysAgo: 28,
  },
  {
    key: 'hiking',
    name: 'Hiking & Outdoors',
    topic: 'Weekend trails, gear tips and trip reports',
    creator: 'lucas',
    members: ['demo', 'sofia', 'noah', 'priya', 'tom'],
    unread: 4,
    createdDaysAgo: 25,
  },
  {
    key: 'announcements',
    name: 'Announcements',
    topic: 'Company-wide news. Low traffic, high signal.',
    creator: 'priya',
    members: EVERYONE,
    tags: ['m.lowpriority'],
    createdDaysAgo: 60,
  },
  {
    key: 'dm-ada',
    creator: 'ada',
    members: ['demo'],
    direct: true,
    encrypted: true,
    createdDaysAgo: 3,
  },
  { key: 'dm-maya', creator: 'maya', members: ['demo'], direct: true, createdDaysAgo: 20 },
  {
    key: 'dm-jonas',
    creator: 'jonas',
    members: ['demo'],
    direct: true,
    unread: 2,
    createdDaysAgo: 15,
  },
  { key: 'dm-sofia', creator: 'sofia', members: ['demo'], direct: true, createdDaysAgo: 9 },
  {
    key: 'boardgames',
    name: 'Board Games Night',
    topic: 'Thursdays, 7 pm, meeting room 3. Snacks welcome.',
    creator: 'kenji',
    members: ['amara', 'lucas', 'noah'],
    invite: true,
    createdDaysAgo: 6,
  },
  {
    key: 'dm-priya',
    creator: 'priya',
    members: [],
    direct: true,
    invite: true,
    createdDaysAgo: 1,
  },
];
