import { describe, expect, it } from 'vitest';
import { COMMANDS, matchCommands, parseCommand } from './commands';

describe('parseCommand', () => {
  it('reads plain text and //… as messages', () => {
    expect(parseCommand('  hello ')).toEqual({ kind: 'message', body: 'hello', offset: 2 });
    expect(parseCommand('//foo bar')).toEqual({ kind: 'message', body: '/foo bar', offset: 1 });
  });

  it('reads message commands with where their text starts', () => {
    expect(parseCommand('/me waves')).toEqual({
      kind: 'message',
      body: 'waves',
      offset: 4,
      emote: true,
    });
    expect(parseCommand('/shrug ok')).toMatchObject({
      body: 'ok',
      format: 'plain',
      prefix: '¯\\_(ツ)_/¯ ',
    });
    expect(parseCommand('/shrug')).toMatchObject({ body: '', prefix: '¯\\_(ツ)_/¯' });
    expect(parseCommand('/tableflip')).toMatchObject({ prefix: '(╯°□°)╯︵ ┻━┻' });
    expect(parseCommand('/plain **x**')).toMatchObject({ body: '**x**', format: 'plain' });
    expect(parseCommand('/html <b>x</b>')).toMatchObject({ body: '<b>x</b>', format: 'html' });
  });

  it('reads actions and checks their argument', () => {
    expect(parseCommand('/nick Al')).toEqual({ kind: 'action', name: 'nick', arg: 'Al' });
    expect(parseCommand('/topic  Plans for May')).toEqual({
      kind: 'action',
      name: 'topic',
      arg: 'Plans for May',
    });
    expect(parseCommand('/invite @bob:x')).toEqual({
      kind: 'action',
      name: 'invite',
      arg: '@bob:x',
    });
    expect(parseCommand('/ignore @bob:x')).toMatchObject({ name: 'ignore' });
    expect(parseCommand('/join #room:x')).toMatchObject({ name: 'join', arg: '#room:x' });
    expect(parseCommand('/leave')).toMatchObject({ kind: 'action', name: 'leave' });
    expect(parseCommand('/invite bob')).toEqual({
      kind: 'usage',
      message: 'Usage: /invite <@user:server>',
    });
    expect(parseCommand('/join lobby')).toMatchObject({ kind: 'usage' });
    expect(parseCommand('/me')).toMatchObject({ kind: 'usage' });
    expect(parseCommand('/nick')).toMatchObject({ kind: 'usage' });
  });

  it('reports an unknown command by name', () => {
    expect(parseCommand('/foo bar')).toEqual({ kind: 'unknown', name: 'foo' });
  });
});

describe('matchCommands', () => {
  it('filters by name prefix, all for an empty query', () => {
    expect(matchCommands('')).toHaveLength(COMMANDS.length);
    expect(matchCommands('t').map((c) => c.name)).toEqual(['tableflip', 'topic']);
    expect(matchCommands('zz')).toEqual([]);
  });
});
