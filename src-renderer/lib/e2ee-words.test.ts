import { describe, expect, it } from 'vitest';
import type { Shield, UtdReason } from '../../src-main/ipc/contract';
import {
  backupProgress,
  groupKey,
  keysResult,
  passphraseProblem,
  shieldInfo,
  utdText,
} from './e2ee-words';

describe('undecryptable messages in words', () => {
  it('says why for each reason', () => {
    const say = (reason: UtdReason) => utdText({ reason });
    expect(say('missing_key')).toBe(
      'Unable to decrypt: the key for this message has not arrived yet',
    );
    expect(say('before_device')).toBe(
      'Unable to decrypt: sent before this session signed in; restore from backup to read it',
    );
    expect(say('unknown_index')).toBe(
      'Unable to decrypt: only later messages of this conversation are available',
    );
    expect(say('untrusted_sender')).toBe("Unable to decrypt: the sender's session is not trusted");
    expect(say('malformed')).toBe('Unable to decrypt: the message is damaged');
  });

  it('says why the key was withheld, by the code the sender gave', () => {
    const withheld = (withheldCode?: string) => utdText({ reason: 'withheld', withheldCode });
    const base = "Unable to decrypt: the sender's session did not share the key with us";
    expect(withheld()).toBe(base);
    expect(withheld('m.unverified')).toBe(`${base} because this session is not verified`);
    expect(withheld('m.blacklisted')).toBe(`${base} because it blocked this session`);
    expect(withheld('m.unauthorised')).toBe(
      `${base} because this session is not allowed to read it`,
    );
    expect(withheld('m.unavailable')).toBe(`${base} because it no longer has the key`);
    expect(withheld('m.no_olm')).toMatch(/could not set up a secure channel/);
    // A code from a newer spec: shown as it came, never "undefined".
    expect(withheld('org.example.new')).toBe(`${base} (org.example.new)`);
    expect(withheld('toString')).toBe(`${base} (toString)`);
  });

  it('still gives words for a reason it does not know', () => {
    expect(utdText({ reason: 'surprise' as UtdReason })).toBe('Unable to decrypt this message');
  });
});

describe('shields', () => {
  it('names every shield, quiet only when verified', () => {
    const all: Record<Shield, string> = {
      verified: 'Encrypted by a verified session',
      unverified: 'Encrypted by an unverified session',
      unsigned_device: 'Encrypted by a session its owner has not verified',
      unknown_device: 'Encrypted by an unknown or deleted session',
      unauthenticated:
        "The authenticity of this encrypted message can't be guaranteed on this device",
      identity_changed: "The sender's identity changed",
      mismatched_sender: "Sent by someone other than the key's owner",
    };
    for (const [shield, label] of Object.entries(all)) {
      const info = shieldInfo(shield as Shield);
      expect(info.label).toBe(label);
      expect(info.tone === 'quiet').toBe(shield === 'verified');
    }
    expect(shieldInfo('identity_changed').tone).toBe('alarm');
    expect(shieldInfo('mismatched_sender').tone).toBe('alarm');
    expect(shieldInfo('unauthenticated').tone).toBe('notice');
  });

  it('names a shield it does not know without claiming it is verified', () => {
    const info = shieldInfo('constructor' as Shield);
    expect(info.tone).toBe('notice');
    expect(info.label).toMatch(/could not be checked/);
  });
});

describe('keys and counts', () => {
  it('groups a key in fours', () => {
    expect(groupKey('abcdEFGH1234xy')).toBe('abcd EFGH 1234 xy');
    expect(groupKey('abcdefgh')).toBe('abcd efgh');
    expect(groupKey('ab cd\nef')).toBe('abcd ef');
    expect(groupKey('')).toBe('');
  });

  it('counts keys', () => {
    expect(backupProgress(3, 40)).toBe('3 of 40 keys backed up');
    expect(backupProgress(1, 1)).toBe('1 of 1 key backed up');
    expect(keysResult('Restored', 12, 40)).toBe('Restored 12 of 40 keys');
    expect(keysResult('Imported', 0, 0)).toBe('Imported 0 of 0 keys');
  });
});

describe('export passphrase', () => {
  it('must be given and typed the same twice', () => {
    expect(passphraseProblem('', '')).toBe('Enter a passphrase.');
    expect(passphraseProblem('secret', 'secreT')).toBe('The passphrases do not match.');
    expect(passphraseProblem('secret', '')).toBe('The passphrases do not match.');
    expect(passphraseProblem('secret', 'secret')).toBeUndefined();
    expect(passphraseProblem(' ', ' ')).toBeUndefined();
  });
});
