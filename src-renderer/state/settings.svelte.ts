/** Appearance preferences: kept in localStorage, applied as data attributes on `<html>`. */

/** `system` follows the operating system's light or dark preference. */
export type Theme = 'light' | 'dark' | 'system';
export type FontSize = 'small' | 'medium' | 'large';
/**
 * How the timeline shows messages: `modern` with avatars and a sender's messages grouped under
 * one name, `irc` one line per message (time, sender, body).
 */
export type MessageLayout = 'modern' | 'irc';

type Stored = { theme: Theme; fontSize: FontSize; compact: boolean; messageLayout: MessageLayout };

const STORAGE_KEY = 'lightmatrix.appearance';
const DEFAULTS: Stored = {
  theme: 'system',
  fontSize: 'medium',
  compact: false,
  messageLayout: 'modern',
};
const THEMES: readonly Theme[] = ['light', 'dark', 'system'];
const FONT_SIZES: readonly FontSize[] = ['small', 'medium', 'large'];
const MESSAGE_LAYOUTS: readonly MessageLayout[] = ['modern', 'irc'];

function load(): Stored {
  try {
    const raw = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') as Partial<Stored>;
    return {
      theme: THEMES.includes(raw.theme as Theme) ? (raw.theme as Theme) : DEFAULTS.theme,
      fontSize: FONT_SIZES.includes(raw.fontSize as FontSize)
        ? (raw.fontSize as FontSize)
        : DEFAULTS.fontSize,
      compact: typeof raw.compact === 'boolean' ? raw.compact : DEFAULTS.compact,
      messageLayout: MESSAGE_LAYOUTS.includes(raw.messageLayout as MessageLayout)
        ? (raw.messageLayout as MessageLayout)
        : DEFAULTS.messageLayout,
    };
  } catch {
    return { ...DEFAULTS };
  }
}

/**
 * The appearance settings. Changing one saves it and updates `<html>`'s `data-theme`
 * (`light` or `dark`, resolved from the system when the theme is `system`), `data-font-size`,
 * `data-layout` (`compact` or `comfortable`) and `data-message-layout` (`modern` or `irc`) at
 * once.
 */
export class Settings {
  #theme = $state<Theme>(DEFAULTS.theme);
  #fontSize = $state<FontSize>(DEFAULTS.fontSize);
  #compact = $state(DEFAULTS.compact);
  #messageLayout = $state<MessageLayout>(DEFAULTS.messageLayout);
  #systemDark = $state(false);

  constructor() {
    const stored = load();
    this.#theme = stored.theme;
    this.#fontSize = stored.fontSize;
    this.#compact = stored.compact;
    this.#messageLayout = stored.messageLayout;
    const media = window.matchMedia?.('(prefers-color-scheme: dark)');
    if (media) {
      this.#systemDark = media.matches;
      media.addEventListener('change', (e) => {
        this.#systemDark = e.matches;
        this.#apply();
      });
    }
    this.#apply();
  }

  get theme(): Theme {
    return this.#theme;
  }
  set theme(value: Theme) {
    this.#theme = value;
    this.#save();
  }

  /** The theme in effect: `system` resolved to `light` or `dark`. */
  get resolvedTheme(): 'light' | 'dark' {
    if (this.#theme !== 'system') return this.#theme;
    return this.#systemDark ? 'dark' : 'light';
  }

  get fontSize(): FontSize {
    return this.#fontSize;
  }
  set fontSize(value: FontSize) {
    this.#fontSize = value;
    this.#save();
  }

  /** Tighter spacing in lists and the timeline. */
  get compact(): boolean {
    return this.#compact;
  }
  set compact(value: boolean) {
    this.#compact = value;
    this.#save();
  }

  get messageLayout(): MessageLayout {
    return this.#messageLayout;
  }
  set messageLayout(value: MessageLayout) {
    this.#messageLayout = value;
    this.#save();
  }

  #save(): void {
    const stored: Stored = {
      theme: this.#theme,
      fontSize: this.#fontSize,
      compact: this.#compact,
      messageLayout: this.#messageLayout,
    };
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(stored));
    } catch {
      // Storage full or disabled: the choice still applies for this session.
    }
    this.#apply();
  }

  #apply(): void {
    const root = document.documentElement;
    root.dataset.theme = this.resolvedTheme;
    root.dataset.fontSize = this.#fontSize;
    root.dataset.layout = this.#compact ? 'compact' : 'comfortable';
    root.dataset.messageLayout = this.#messageLayout;
  }
}

/** The app's one settings object; creating it applies the stored appearance. */
export const settings = new Settings();
