import { describe, expect, it } from 'vitest';
import { parseSpecVersion, serverFeatures, supportsVersion } from './versions';

describe('spec versions', () => {
  it('parses vX.Y and the historical rX.Y.Z, nothing else', () => {
    expect(parseSpecVersion('v1.12')).toEqual({ major: 1, minor: 12 });
    expect(parseSpecVersion('r0.6.1')).toEqual({ major: 0, minor: 6 });
    expect(parseSpecVersion('v1')).toBeUndefined();
    expect(parseSpecVersion('org.example.feature')).toBeUndefined();
  });

  it('supports a version when the server advertises it or a later one', () => {
    const old = ['r0.5.0', 'r0.6.1', 'v1.1', 'v1.2'];
    expect(supportsVersion(old, 'v1.2')).toBe(true);
    expect(supportsVersion(old, 'v1.3')).toBe(false);
    expect(supportsVersion(['v1.11'], 'v1.3')).toBe(true);
    expect(supportsVersion(['v1.9'], 'v1.10')).toBe(false);
    expect(supportsVersion(['v2.0'], 'v1.16')).toBe(true);
    expect(supportsVersion([], 'v1.1')).toBe(false);
    expect(supportsVersion(['v1.12'], 'garbage')).toBe(false);
  });

  it('turns versions into the features the core may use', () => {
    expect(serverFeatures(['r0.6.1', 'v1.1', 'v1.2'])).toEqual({
      messagesWithoutFrom: false,
      privateReceipts: false,
      threadedReceipts: false,
      authenticatedMedia: false,
      joinVia: false,
      useStateAfter: false,
    });
    expect(serverFeatures(['v1.1', 'v1.12'])).toEqual({
      messagesWithoutFrom: true,
      privateReceipts: true,
      threadedReceipts: true,
      authenticatedMedia: true,
      joinVia: true,
      useStateAfter: false,
    });
    expect(serverFeatures(['v1.16']).useStateAfter).toBe(true);
  });
});
