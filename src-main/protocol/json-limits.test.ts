import { describe, expect, it } from 'vitest';
import { jsonLimitProblem, MAX_JSON_DEPTH } from './json-limits';

/** `depth` arrays nested in each other, built without recursion (as JSON.parse would). */
function nestedArrays(depth: number): unknown[] {
  return JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown[];
}

describe('jsonLimitProblem', () => {
  it('measures 22,000 levels of nesting without overflowing the stack', () => {
    expect(jsonLimitProblem({ a: nestedArrays(22_000) }, 64 * 1024)).toMatch(/nested more than/);
  });

  it('takes exactly the allowed depth, not one level more', () => {
    expect(jsonLimitProblem(nestedArrays(MAX_JSON_DEPTH), 1e6)).toBeUndefined();
    expect(jsonLimitProblem(nestedArrays(MAX_JSON_DEPTH + 1), 1e6)).toMatch(/nested/);
    expect(jsonLimitProblem({ a: { b: [1, 'x'] } }, 100, 3)).toBeUndefined();
    expect(jsonLimitProblem({ a: { b: [[1]] } }, 100, 3)).toMatch(/nested more than 3/);
  });

  it('measures the exact size only when a bound says it may be too large', () => {
    expect(jsonLimitProblem({ body: 'é'.repeat(1000) }, 2011)).toBeUndefined();
    expect(jsonLimitProblem({ body: 'é'.repeat(1000) }, 2010)).toBe('too large (2011 bytes)');
    // Short strings in bulk: the bound counts quotes and commas too.
    expect(jsonLimitProblem(new Array(1000).fill(''), 2500)).toBe('too large (3001 bytes)');
  });
});
