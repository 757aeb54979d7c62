import { describe, expect, it } from 'vitest';
import { actionError } from './action-errors';

describe('actionError', () => {
  it('says who may do it when the server forbids it', () => {
    const err = { code: 'M_FORBIDDEN', message: 'Insufficient power level to send m.room.name' };
    expect(actionError('rename', err)).toBe('Only moderators can rename this room.');
    expect(actionError('kick', err)).toMatch(/^Only moderators can remove people/);
  });

  it('words general failures and keeps protocol codes out', () => {
    expect(actionError('ban', { code: 'M_LIMIT_EXCEEDED', message: 'Too many' })).toBe(
      'Could not ban them. The server is busy. Wait a moment, then try again.',
    );
    const odd = { code: 'M_UNKNOWN', message: 'M_UNKNOWN: internal' };
    expect(actionError('topic', odd)).toBe('Could not change the topic.');
    expect(actionError('topic', odd)).not.toMatch(/M_/);
  });

  it('shows the core’s own sentence for refusals it words itself', () => {
    const err = { code: 'forbidden', message: 'You cannot give a level above your own' };
    expect(actionError('powerLevel', err)).toBe('You cannot give a level above your own.');
  });

  it('falls back to the message of other errors', () => {
    expect(actionError('invite', { code: 'internal', message: 'disk full' })).toBe(
      'Could not invite them: disk full',
    );
  });
});
