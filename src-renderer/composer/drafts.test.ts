import { describe, expect, it } from 'vitest';
import type { Bridge, ComposerDraft } from '../../src-main/ipc/contract';
import { DraftKeeper } from './drafts';

/** A bridge answering drafts.get from `stored` (resolving when `release` is called). */
function fakeBridge(stored: Record<string, ComposerDraft>) {
  const sets: unknown[] = [];
  const waiting: (() => void)[] = [];
  const bridge = {
    invoke: (command: string, req: { roomId: string; draft?: ComposerDraft }) => {
      if (command === 'drafts.set') {
        sets.push(req);
        if (req.draft) stored[req.roomId] = req.draft;
        else delete stored[req.roomId];
        return Promise.resolve({ ok: true, value: {} });
      }
      const draft = stored[req.roomId];
      return new Promise((resolve) =>
        waiting.push(() => resolve({ ok: true, value: draft ? { draft } : {} })),
      );
    },
    on: () => () => {},
  } as unknown as Bridge;
  return { bridge, sets, release: () => waiting.splice(0).forEach((f) => f()) };
}

describe('DraftKeeper', () => {
  it('loads the core draft once, then keeps a copy for switching back', async () => {
    const fake = fakeBridge({ '!a:x': { text: 'kept' } });
    let current: ComposerDraft = { text: '' };
    const keeper = new DraftKeeper('!a:x', fake.bridge, () => current);
    const loading = keeper.load();
    fake.release();
    expect(await loading).toEqual({ text: 'kept' });
    current = { text: 'kept, more' };
    keeper.save();
    expect(fake.sets).toEqual([{ roomId: '!a:x', draft: { text: 'kept, more' } }]);
    const again = new DraftKeeper('!a:x', fake.bridge, () => current);
    expect(again.cached).toEqual({ text: 'kept, more' });
    expect(await again.load()).toBeUndefined();
  });

  it('does not erase the core draft when the room is left before it loaded', async () => {
    const fake = fakeBridge({ '!b:x': { text: 'from last time' } });
    const keeper = new DraftKeeper('!b:x', fake.bridge, () => ({ text: '' }));
    void keeper.load();
    keeper.save();
    expect(fake.sets).toEqual([]);
    fake.release();
  });

  it('clears the draft once sent (an empty one after loading removes it)', async () => {
    const fake = fakeBridge({ '!c:x': { text: 'draft' } });
    const keeper = new DraftKeeper('!c:x', fake.bridge, () => ({ text: '' }));
    const loading = keeper.load();
    fake.release();
    await loading;
    keeper.save();
    expect(fake.sets).toEqual([{ roomId: '!c:x' }]);
    expect(new DraftKeeper('!c:x', fake.bridge, () => ({ text: '' })).cached).toBeUndefined();
  });
});
