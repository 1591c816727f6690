import { beforeEach, describe, expect, it } from 'vitest';
import { clearSession, lastSignOutReason, loadSession, saveSession } from './session';

describe('the session', () => {
  beforeEach(() => {
    window.localStorage.clear();
    window.sessionStorage.clear();
  });

  it('remembers in this tab why it ended, across a page load, until the next sign-in', () => {
    saveSession({ token: 't-1', kind: 'token' });
    expect(lastSignOutReason()).toBeNull();
    clearSession('expired');
    expect(loadSession()).toBeNull();
    // What a new page load reads: storage only (nothing in memory carries over).
    expect(window.sessionStorage.getItem('wecom-crm.signed-out')).toBe('expired');
    expect(lastSignOutReason()).toBe('expired');
    saveSession({ token: 't-2', kind: 'token' });
    expect(lastSignOutReason()).toBeNull();
    clearSession('logout');
    expect(lastSignOutReason()).toBe('logout');
  });
});
