import { describe, expect, it } from 'vitest';
import type { Verification } from '../../src-main/ipc/contract';
import {
  cancelText,
  flowChanged,
  flowClosed,
  flowStarted,
  NO_FLOWS,
  requestText,
  shownFlow,
  verificationTitle,
  type Flows,
} from './verification-flows';

const ME = '@me:x';

function flow(over: Partial<Verification> & { flowId: string }): Verification {
  return { userId: '@bob:x', incoming: false, phase: 'requested', ...over };
}

const apply = (flows: Flows, ...events: Verification[]): Flows => events.reduce(flowChanged, flows);

describe('verification flows', () => {
  it('pops up an incoming request when nothing is shown', () => {
    const flows = apply(NO_FLOWS, flow({ flowId: 'a', incoming: true }));
    expect(shownFlow(flows)?.flowId).toBe('a');
  });

  it('does not pop up what we did not ask for and is not a request to us', () => {
    const flows = apply(NO_FLOWS, flow({ flowId: 'a', incoming: false }));
    expect(shownFlow(flows)).toBeUndefined();
    expect(flows.byId.has('a')).toBe(true);
  });

  it('replaces a flow by its id as its phase moves on', () => {
    let flows = apply(NO_FLOWS, flow({ flowId: 'a', incoming: true }));
    flows = apply(flows, flow({ flowId: 'a', incoming: true, phase: 'ready' }));
    const emoji = [{ symbol: '🐶', name: 'Dog' }];
    flows = apply(flows, flow({ flowId: 'a', incoming: true, phase: 'emoji', emoji }));
    expect(flows.byId.size).toBe(1);
    expect(shownFlow(flows)).toMatchObject({ phase: 'emoji', emoji });
    flows = apply(flows, flow({ flowId: 'a', incoming: true, phase: 'done' }));
    expect(shownFlow(flows)?.phase).toBe('done'); // stays until the user closes it
  });

  it('remembers which session we asked while the core does not name it yet', () => {
    // The core names the other session only once it answers; until then the dialog should
    // still say which one was asked, whether our answer or the core's first event came first.
    const asked = flow({ flowId: 'a', userId: ME, deviceId: 'DEV1' });
    const anon = flow({ flowId: 'a', userId: ME });
    let flows = apply(flowStarted(NO_FLOWS, asked), anon);
    expect(shownFlow(flows)?.deviceId).toBe('DEV1');
    flows = flowStarted(apply(NO_FLOWS, anon), asked);
    expect(shownFlow(flows)?.deviceId).toBe('DEV1');
    flows = apply(flows, flow({ flowId: 'a', userId: ME, phase: 'ready', deviceId: 'DEV1' }));
    expect(shownFlow(flows)).toMatchObject({ phase: 'ready', deviceId: 'DEV1' });
  });

  it('keeps a second incoming request waiting until the first is closed', () => {
    let flows = apply(
      NO_FLOWS,
      flow({ flowId: 'a', incoming: true }),
      flow({ flowId: 'b', incoming: true, userId: '@carol:x' }),
    );
    expect(flows.shown).toBe('a');
    flows = flowClosed(flows, 'a');
    expect(flows.shown).toBe('b');
    flows = flowClosed(flows, 'b');
    expect(flows.shown).toBeUndefined();
    expect(flows.byId.size).toBe(0);
  });

  it('never shows a closed flow again, whatever arrives for it later', () => {
    let flows = apply(NO_FLOWS, flow({ flowId: 'a', incoming: true }));
    flows = flowClosed(flows, 'a');
    flows = apply(flows, flow({ flowId: 'a', incoming: true, phase: 'cancelled' }));
    flows = apply(flows, flow({ flowId: 'a', incoming: true, phase: 'requested' }));
    expect(flows.shown).toBeUndefined();
    expect(flows.byId.has('a')).toBe(false);
  });

  it('drops an incoming request cancelled before anyone saw it', () => {
    let flows = apply(
      NO_FLOWS,
      flow({ flowId: 'a', incoming: true }),
      flow({ flowId: 'b', incoming: true }),
      flow({ flowId: 'b', incoming: true, phase: 'cancelled' }),
    );
    flows = flowClosed(flows, 'a');
    expect(flows.shown).toBeUndefined();
    expect(flows.byId.size).toBe(0);
  });

  it('shows our own request, with the core’s state when it came first', () => {
    const requested = flow({ flowId: 'r', userId: ME, deviceId: 'DEV' });
    let flows = flowStarted(NO_FLOWS, requested);
    expect(shownFlow(flows)).toEqual(requested);

    // The core's event for it arrived before the command's answer: that state is kept.
    flows = apply(NO_FLOWS, flow({ flowId: 'r', userId: ME, phase: 'ready' }));
    flows = flowStarted(flows, requested);
    expect(shownFlow(flows)?.phase).toBe('ready');
  });

  it('shows our own request over an incoming one, which waits', () => {
    let flows = apply(NO_FLOWS, flow({ flowId: 'in', incoming: true }));
    flows = flowStarted(flows, flow({ flowId: 'out' }));
    expect(flows.shown).toBe('out');
    flows = flowClosed(flows, 'out');
    expect(flows.shown).toBe('in');
  });

  it('never mutates the state it was given', () => {
    const before = apply(NO_FLOWS, flow({ flowId: 'a', incoming: true }));
    const size = before.byId.size;
    flowChanged(before, flow({ flowId: 'b', incoming: true }));
    flowClosed(before, 'a');
    expect(before.byId.size).toBe(size);
    expect(before.shown).toBe('a');
    expect(NO_FLOWS.byId.size).toBe(0);
    expect(NO_FLOWS.closed.size).toBe(0);
  });
});

describe('verification words', () => {
  it('titles the dialog by whom it verifies', () => {
    expect(verificationTitle({ userId: ME }, ME)).toBe('Verify session');
    expect(verificationTitle({ userId: '@bob:x' }, ME)).toBe('Verify user');
  });

  it('says who asks', () => {
    expect(requestText({ userId: '@bob:x' }, ME)).toBe('@bob:x wants to verify you.');
    expect(requestText({ userId: ME, deviceId: 'PHONE' }, ME)).toBe(
      'Your other session PHONE wants to verify this session.',
    );
    expect(requestText({ userId: ME }, ME)).toMatch(/^Another of your sessions/);
  });

  it('says why it was cancelled', () => {
    expect(cancelText({ cancelReason: 'The emoji did not match' })).toBe('The emoji did not match');
    expect(cancelText({ cancelReason: '  ' })).toBe('The verification was cancelled.');
    expect(cancelText({})).toBe('The verification was cancelled.');
  });
});
