import { useEffect, useRef } from 'react';
import type { MenuCommand, Platform } from '../platform';

export type MenuHandlers = Record<MenuCommand, (path?: string) => void>;

/**
 * Runs the desktop shell's menu commands, and their keyboard shortcuts (the browser build has no
 * menu bar): Ctrl/Cmd+O opens files, Ctrl/Cmd+S saves the workspace, with Shift saves it as.
 * The handlers are read at the moment of the command, so they always see the latest state.
 */
export function useMenuCommands(platform: Platform, handlers: MenuHandlers): void {
  const menuHandlers = useRef<MenuHandlers | null>(null);
  menuHandlers.current = handlers;
  useEffect(() => platform.onMenuCommand((command, path) => menuHandlers.current?.[command]?.(path)), [platform]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
      const key = event.key.toLowerCase();
      if (key === 'o' && !event.shiftKey) {
        event.preventDefault();
        menuHandlers.current?.['open-files']();
      } else if (key === 's') {
        event.preventDefault();
        menuHandlers.current?.[event.shiftKey ? 'save-workspace-as' : 'save-workspace']();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
