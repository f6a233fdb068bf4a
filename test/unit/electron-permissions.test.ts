// Web permissions and external links in the Electron shell (electron/lib/permissions.ts).
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { externalLinkPrompt, externalLinkTarget, isAppUrl, isPermissionAllowed } from '../../electron/lib/permissions';

describe('isPermissionAllowed', () => {
  it('allows only clipboard writes, and only when the asking frame is the app', () => {
    expect(isPermissionAllowed('clipboard-sanitized-write', 'app://assay/index.html')).toBe(true);
    expect(isPermissionAllowed('clipboard-sanitized-write', 'app://assay')).toBe(true);
    for (const permission of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read', 'fileSystem', 'unknown']) {
      expect(isPermissionAllowed(permission, 'app://assay/index.html')).toBe(false);
    }
  });

  it('denies a frame from elsewhere (the old check used the window URL, which is always the app)', () => {
    for (const requester of ['https://evil.example/', 'app://assay.evil/', 'app://assayx/', 'file:///etc/passwd', 'null', '', undefined]) {
      expect(isPermissionAllowed('clipboard-sanitized-write', requester)).toBe(false);
    }
    expect(isAppUrl('app://assay@evil/')).toBe(false);
  });

  it('is what main.ts asks, with the requesting frame\'s URL rather than webContents.getURL()', () => {
    // A wiring check: the request handler is the one place where main could pass the wrong URL.
    const main = readFileSync(path.resolve(__dirname, '../../electron/main.ts'), 'utf8');
    expect(main).toMatch(/setPermissionRequestHandler\([^)]*details\)\s*=>\s*\n?\s*callback\(isPermissionAllowed\(permission, details\.requestingUrl\)\)/);
    expect(main).toMatch(/setPermissionCheckHandler\([^)]*requestingOrigin\)\s*=>\s*isPermissionAllowed\(permission, requestingOrigin\)/);
    expect(main).not.toMatch(/getURL\(\)/);
  });
});

describe('externalLinkTarget', () => {
  it('accepts http, https and mailto, normalised', () => {
    expect(externalLinkTarget('https://xgboost.readthedocs.io/en/stable/')).toBe('https://xgboost.readthedocs.io/en/stable/');
    expect(externalLinkTarget('HTTP://Example.COM/a b')).toBe('http://example.com/a%20b');
    expect(externalLinkTarget('mailto:data-team@example.com?subject=Assay')).toBe('mailto:data-team@example.com?subject=Assay');
    // Look-alike hosts are shown as what they are.
    expect(externalLinkTarget('https://exаmple.com/')).toBe('https://xn--exmple-4nf.com/');
  });

  it('refuses every other scheme, user info, empty hosts, junk and very long URLs', () => {
    for (const url of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://server/share',
      'ms-settings:privacy',
      'vscode://file/x',
      'data:text/html,hi',
      'https://bank.example@evil.example/',
      'https://user:pass@example.com/',
      'not a url',
      '',
      `https://example.com/${'a'.repeat(3000)}`,
    ]) {
      expect(externalLinkTarget(url), url).toBeNull();
    }
  });
});

describe('externalLinkPrompt', () => {
  it('says where the link goes', () => {
    expect(externalLinkPrompt('https://example.com/x')).toEqual({ message: 'Open this link in your web browser (example.com)?', detail: 'https://example.com/x' });
    expect(externalLinkPrompt('mailto:a@example.com').message).toBe('Open this link in your mail program?');
  });
});
