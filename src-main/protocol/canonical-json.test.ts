import { describe, expect, it } from 'vitest';
import { canonicalJson, signedPart } from './canonical-json';

describe('canonical JSON', () => {
  it('matches the examples of the spec appendix', () => {
    expect(canonicalJson({})).toBe('{}');
    expect(canonicalJson({ one: 1, two: 'Two' })).toBe('{"one":1,"two":"Two"}');
    expect(canonicalJson({ b: '2', a: '1' })).toBe('{"a":"1","b":"2"}');
    expect(
      canonicalJson({
        auth: {
          success: true,
          mxid: '@john.doe:example.com',
          profile: {
            display_name: 'John Doe',
            three_pids: [
              { medium: 'email', address: 'john.doe@example.org' },
              { medium: 'msisdn', address: '123456789' },
            ],
          },
        },
      }),
    ).toBe(
      '{"auth":{"mxid":"@john.doe:example.com","profile":{"display_name":"John Doe",' +
        '"three_pids":[{"address":"john.doe@example.org","medium":"email"},' +
        '{"address":"123456789","medium":"msisdn"}]},"success":true}}',
    );
    expect(canonicalJson({ a: '日本語' })).toBe('{"a":"日本語"}');
    expect(canonicalJson({ 本: 2, 日: 1 })).toBe('{"日":1,"本":2}');
    expect(canonicalJson({ a: null })).toBe('{"a":null}');
  });

  it('sorts keys by UTF-8 bytes, not UTF-16 units', () => {
    // In UTF-16 U+1F600 (D83D DE00) comes before U+FF21; in UTF-8 (F0… vs EF…) after it.
    expect(canonicalJson({ '\u{1F600}': 1, '\uFF21': 2 })).toBe('{"\uFF21":2,"\u{1F600}":1}');
  });

  it('refuses fractions', () => {
    expect(() => canonicalJson({ a: 1.5 })).toThrow(/integers/);
  });

  it('leaves signatures and unsigned out of the signed part', () => {
    const o = { public_key: 'k', signatures: { u: {} }, unsigned: { x: 1 } };
    expect(signedPart(o)).toEqual({ public_key: 'k' });
    expect(o.signatures).toBeDefined();
  });
});
