import { createBrowserPlatform } from './browser';
import { createDesktopPlatform } from './desktop';
import type { Platform } from './types';

export type { MenuCommand, PickedFile, Platform, RecentWorkspace, WorkspaceText } from './types';

/** The Electron shell exposes `window.assayDesktop`; a plain browser has none. */
export function detectPlatform(): Platform {
  return window.assayDesktop ? createDesktopPlatform(window.assayDesktop) : createBrowserPlatform();
}
