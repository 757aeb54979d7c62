/**
 * End-to-end encryption in words: why a message could not be decrypted, what a message's
 * shield means, fingerprints and backup progress as people read them. Pure functions; any
 * value the core sends (an unknown reason, a code we have never heard of) still gives words.
 */
import type { EncryptionInfo, Shield } from '../../src-main/ipc/contract';
import { plural } from './format';

type Undecryptable = Extract<EncryptionInfo, { state: 'undecryptable' }>;

const UTD_PREFIX = 'Unable to decrypt: ';

/** Why the sender's session withheld the key (`m.room_key.withheld` codes of the spec). */
const WITHHELD: Record<string, string> = {
  'm.unverified': 'because this session is not verified',
  'm.blacklisted': 'because it blocked this session',
  'm.unauthorised': 'because this session is not allowed to read it',
  'm.unavailable': 'because it no longer has the key',
  'm.no_olm': 'because it could not set up a secure channel with this session',
};

function withheldText(code: string | undefined): string {
  const base = "the sender's session did not share the key with us";
  if (!code) return base;
  const why = Object.hasOwn(WITHHELD, code) ? WITHHELD[code] : undefined;
  return why ? `${base} ${why}` : `${base} (${code})`;
}

/** A sentence saying why a message could not be decrypted, e.g. for its row in the timeline. */
export function utdText(info: Pick<Undecryptable, 'reason' | 'withheldCode'>): string {
  switch (info.reason) {
    case 'missing_key':
      return `${UTD_PREFIX}the key for this message has not arrived yet`;
    case 'withheld':
      return UTD_PREFIX + withheldText(info.withheldCode);
    case 'before_device':
      return `${UTD_PREFIX}sent before this session signed in; restore from backup to read it`;
    case 'unknown_index':
      return `${UTD_PREFIX}only later messages of this conversation are available`;
    case 'untrusted_sender':
      return `${UTD_PREFIX}the sender's session is not trusted`;
    case 'malformed':
      return `${UTD_PREFIX}the message is damaged`;
    default:
      return 'Unable to decrypt this message';
  }
}

/** How loud a shield is: `quiet` (verified), `notice` (grey) or `alarm` (red). */
export type ShieldTone = 'quiet' | 'notice' | 'alarm';

/** A shield's accessible name and tone. */
export type ShieldInfo = { label: string; tone: ShieldTone };

const SHIELDS: Record<Shield, ShieldInfo> = {
  verified: { label: 'Encrypted by a verified session', tone: 'quiet' },
  unverified: { label: 'Encrypted by an unverified session', tone: 'notice' },
  unsigned_device: { label: 'Encrypted by a session its owner has not verified', tone: 'alarm' },
  unknown_device: { label: 'Encrypted by an unknown or deleted session', tone: 'alarm' },
  unauthenticated: {
    label: "The authenticity of this encrypted message can't be guaranteed on this device",
    tone: 'notice',
  },
  identity_changed: { label: "The sender's identity changed", tone: 'alarm' },
  mismatched_sender: { label: "Sent by someone other than the key's owner", tone: 'alarm' },
};

const UNKNOWN_SHIELD: ShieldInfo = {
  label: 'Encrypted; its sender could not be checked',
  tone: 'notice',
};

/** The accessible name of a message's shield, and how loud it is. */
export function shieldInfo(shield: Shield): ShieldInfo {
  return Object.hasOwn(SHIELDS, shield) ? SHIELDS[shield] : UNKNOWN_SHIELD;
}

/** A key (unpadded base64) in groups of four, as people compare it: `abcd efgh ij`. */
export function groupKey(key: string): string {
  return key.replace(/\s+/g, '').replace(/(.{4})(?=.)/g, '$1 ');
}

/** "12 of 40 keys backed up". */
export function backupProgress(backedUp: number, keys: number): string {
  return `${backedUp} of ${plural(keys, 'key', 'keys')} backed up`;
}

/** "Restored 12 of 40 keys" / "Imported …", from a restore or import's counts. */
export function keysResult(verb: 'Restored' | 'Imported', imported: number, total: number): string {
  return `${verb} ${imported} of ${plural(total, 'key', 'keys')}`;
}

/** The passphrase for an export: what is wrong with it, or `undefined` when it can be used. */
export function passphraseProblem(passphrase: string, again: string): string | undefined {
  if (!passphrase) return 'Enter a passphrase.';
  if (passphrase !== again) return 'The passphrases do not match.';
  return undefined;
}
