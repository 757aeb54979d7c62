import { describe, expect, it } from 'vitest';
import { DeltaBuffer } from './delta-buffer';

/** A promise settled from outside, to stand for a request in flight. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('DeltaBuffer', () => {
  it('keeps nothing while no load is in flight', () => {
    const buffer = new DeltaBuffer<string>();
    expect(buffer.hold('a')).toBe(false);
    expect(buffer.holding).toBe(false);
  });

  it('hands back the answer with the deltas heard meanwhile, in order, then stops holding', async () => {
    const buffer = new DeltaBuffer<string>();
    const answer = deferred<number>();
    const loading = buffer.load(() => answer.promise);
    expect(buffer.holding).toBe(true);
    expect(buffer.hold('a')).toBe(true);
    expect(buffer.hold('b')).toBe(true);
    answer.resolve(42);
    expect(await loading).toEqual({ result: 42, held: ['a', 'b'] });
    expect(buffer.hold('c')).toBe(false);
  });

  it('a newer load supersedes the one in flight, which resolves to undefined', async () => {
    const buffer = new DeltaBuffer<string>();
    const first = deferred<string>();
    const second = deferred<string>();
    const loadingFirst = buffer.load(() => first.promise);
    buffer.hold('before the second');
    const loadingSecond = buffer.load(() => second.promise);
    buffer.hold('during the second');
    first.resolve('old');
    expect(await loadingFirst).toBeUndefined();
    expect(buffer.holding).toBe(true); // the second is still in flight
    buffer.hold('after the first answered');
    second.resolve('new');
    expect(await loadingSecond).toEqual({
      result: 'new',
      held: ['during the second', 'after the first answered'],
    });
  });

  it('cancel drops what was held and the load in flight resolves to undefined', async () => {
    const buffer = new DeltaBuffer<string>();
    const answer = deferred<string>();
    const loading = buffer.load(() => answer.promise);
    buffer.hold('a');
    buffer.cancel();
    expect(buffer.hold('b')).toBe(false);
    answer.resolve('late');
    expect(await loading).toBeUndefined();
    expect(buffer.holding).toBe(false);
  });

  it('a failed request stops the holding, so later deltas are not kept forever', async () => {
    const buffer = new DeltaBuffer<string>();
    const answer = deferred<string>();
    const loading = buffer.load(() => answer.promise);
    buffer.hold('a');
    answer.reject(new Error('boom'));
    await expect(loading).rejects.toThrow('boom');
    expect(buffer.holding).toBe(false);
    expect(buffer.hold('b')).toBe(false);
  });
});
