/** What the timeline shows beyond messages: kept in localStorage. */

const STORAGE_KEY = 'lightmatrix.timeline';

type Stored = { showProfileChanges: boolean };

function load(): Stored {
  try {
    const raw = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') as Partial<Stored>;
    return { showProfileChanges: raw.showProfileChanges === true };
  } catch {
    return { showProfileChanges: false };
  }
}

/** Timeline preferences; changing one saves it. */
export class TimelinePrefs {
  #showProfileChanges = $state(false);

  constructor() {
    this.#showProfileChanges = load().showProfileChanges;
  }

  /**
   * Show name and avatar changes as lines in the timeline. Off by default: a profile change is
   * re-sent in every joined room, and would be a line in each of them.
   */
  get showProfileChanges(): boolean {
    return this.#showProfileChanges;
  }
  set showProfileChanges(value: boolean) {
    this.#showProfileChanges = value;
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify({ showProfileChanges: value }));
    } catch {
      // Storage full or disabled: the choice still applies for this session.
    }
  }
}

/** The app's one set of timeline preferences. */
export const timelinePrefs = new TimelinePrefs();
