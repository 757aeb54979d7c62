import { describe, expect, it } from 'vitest';
import { loginErrorMessage } from './login-errors';

describe('loginErrorMessage', () => {
  it('names the problem for the codes the core gives', () => {
    expect(loginErrorMessage({ code: 'M_FORBIDDEN', message: 'Invalid password' })).toBe(
      'Wrong username or password.',
    );
    for (const code of ['unreachable', 'connection']) {
      expect(loginErrorMessage({ code, message: 'x' })).toMatch(/^Cannot reach the server/);
    }
    expect(loginErrorMessage({ code: 'unsupported_login', message: 'x' })).toBe(
      'This server does not offer password login.',
    );
    expect(loginErrorMessage({ code: 'not_matrix', message: 'x' })).toMatch(/not .*Matrix/);
  });

  it("shows the core's own words for bad input, which name what was typed", () => {
    const message = '"a b" is not a server name';
    expect(loginErrorMessage({ code: 'invalid_input', message })).toBe(message);
    const insecure = 'example.org points to http://matrix.example.org, …';
    expect(loginErrorMessage({ code: 'insecure_homeserver', message: insecure })).toBe(insecure);
    expect(loginErrorMessage({ code: 'insecure_homeserver', message: '' })).toMatch(/https:/);
  });

  it('is never blank, even for unknown codes without a message', () => {
    expect(loginErrorMessage({ code: 'M_WEIRD', message: 'Server on fire' })).toBe(
      'Sign-in failed: Server on fire',
    );
    expect(loginErrorMessage({ code: '', message: '' })).toBe('Sign-in failed (unknown error).');
  });
});
