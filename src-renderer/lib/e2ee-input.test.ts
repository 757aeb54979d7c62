import { describe, expect, it } from 'vitest';
import { keyFileProblem, restoreRequest } from './e2ee-input';

// A recovery key as the spec shows one: 48 base58 characters, grouped in fours.
const KEY = 'EsTc LW2K PGiF wKEA 3As5 g5c4 BXwk qeeJ ZJV8 Q9fu gUMN UE4d';

describe('restoreRequest', () => {
  it('takes a recovery key as shown, spaces or not', () => {
    const compact = KEY.replace(/ /g, '');
    expect(compact).toHaveLength(48);
    expect(restoreRequest(KEY)).toEqual({ recoveryKey: compact });
    expect(restoreRequest(` ${compact}\n`)).toEqual({ recoveryKey: compact });
  });

  it('takes anything else as the passphrase, exactly as typed', () => {
    expect(restoreRequest('correct horse battery')).toEqual({
      passphrase: 'correct horse battery',
    });
    expect(restoreRequest(' spaced ')).toEqual({ passphrase: ' spaced ' });
    // One character short, or one that base58 leaves out (0): not a key.
    expect(restoreRequest(KEY.slice(0, -1))).toEqual({ passphrase: KEY.slice(0, -1) });
    expect(restoreRequest(KEY.replace('W', '0'))).toHaveProperty('passphrase');
  });

  it('asks for nothing when nothing was entered', () => {
    expect(restoreRequest('')).toBeUndefined();
    expect(restoreRequest('  \n')).toBeUndefined();
  });
});

describe('keyFileProblem', () => {
  it('accepts an export file, and says what is wrong with anything else', () => {
    const file =
      '-----BEGIN MEGOLM SESSION DATA-----\nAXXX\nYYYY\n-----END MEGOLM SESSION DATA-----\n';
    expect(keyFileProblem(file)).toBeUndefined();
    expect(keyFileProblem('')).toBe('The file is empty.');
    expect(keyFileProblem('{"not": "keys"}')).toMatch(/not a room key file/);
    expect(keyFileProblem(file.slice(0, 60))).toMatch(/not a room key file/);
  });
});
