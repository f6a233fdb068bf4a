// Which web permissions and external links the shell allows. Plain functions: main.ts wires them to
// Electron's session handlers and window-open handler; unit tests call them directly.
import { APP_ORIGIN } from './protocol-headers';

/** True for the app's own origin and pages (`app://assay`, `app://assay/...`), never look-alikes. */
export function isAppUrl(url: string | undefined): boolean {
  if (url === undefined) return false;
  return url === APP_ORIGIN || url.startsWith(`${APP_ORIGIN}/`);
}

/** The only permission Assay's page needs: writing text to the clipboard ("Copy SQL"). */
const APP_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

/**
 * Deny by default. `requestingUrl` must be the URL (or origin) of the frame that asks, as Electron
 * passes it in `details.requestingUrl` / `requestingOrigin`; not the window's top-level URL, which
 * would let a frame from anywhere borrow the app's permissions.
 */
export function isPermissionAllowed(permission: string, requestingUrl: string | undefined): boolean {
  return APP_PERMISSIONS.has(permission) && isAppUrl(requestingUrl);
}

export const EXTERNAL_LINK_PROTOCOLS: ReadonlySet<string> = new Set(['http:', 'https:', 'mailto:']);
const MAX_EXTERNAL_URL_LENGTH = 2048;

/**
 * The URL to hand to the user's browser or mail program, normalised (punycode host, escaped
 * characters), or null for anything else: other schemes (file:, smb:, custom app handlers, javascript:)
 * can run programs or leak credentials, and `https://bank.com@evil.example/` style user info only
 * serves to mislead.
 */
export function externalLinkTarget(rawUrl: string): string | null {
  if (rawUrl.length === 0 || rawUrl.length > MAX_EXTERNAL_URL_LENGTH) return null;
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return null;
  }
  if (!EXTERNAL_LINK_PROTOCOLS.has(url.protocol)) return null;
  if (url.username !== '' || url.password !== '') return null;
  if (url.protocol !== 'mailto:' && url.hostname === '') return null;
  return url.href;
}

/** The question main asks before opening `href` outside the app. */
export function externalLinkPrompt(href: string): { message: string; detail: string } {
  const url = new URL(href);
  const where = url.protocol === 'mailto:' ? 'your mail program' : `your web browser (${url.hostname})`;
  return {
    message: `Open this link in ${where}?`,
    detail: href,
  };
}
