import { describe, expect, it } from 'vitest';
import { roomLink, viaServers } from './room-link';

describe('roomLink', () => {
  it('uses the canonical alias when there is one', () => {
    expect(roomLink('!r:a.org', { alias: '#lounge:a.org' }, [])).toBe(
      'https://matrix.to/#/%23lounge%3Aa.org',
    );
  });

  it('falls back to the id with via servers, the most members first', () => {
    const members = ['@x:b.org', '@y:b.org', '@z:a.org', '@w:c.org', '@v:d.org', '@u:d.org'];
    expect(viaServers(members)).toEqual(['b.org', 'd.org', 'a.org']);
    expect(roomLink('!r:a.org', undefined, members)).toBe(
      'https://matrix.to/#/!r%3Aa.org?via=b.org&via=d.org&via=a.org',
    );
  });

  it('ignores a malformed alias and ids without a server', () => {
    expect(roomLink('!r:a.org', { alias: 'lounge' }, ['@nobody'])).toBe(
      'https://matrix.to/#/!r%3Aa.org',
    );
    expect(roomLink('!r:a.org', { alias: 42 }, [])).toBe('https://matrix.to/#/!r%3Aa.org');
  });
});
