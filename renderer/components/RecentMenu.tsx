import { useEffect, useRef, useState } from 'react';
import type { RecentWorkspace } from '../platform';

/** A small drop-down of recently saved or opened workspaces. */
export function RecentMenu({ items, onOpen, onOpenMenu }: { items: RecentWorkspace[]; onOpen(id: string): void; onOpenMenu(): void }) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const onPointer = (event: PointerEvent): void => {
      if (root.current && !root.current.contains(event.target as Node)) setOpen(false);
    };
    const onKey = (event: KeyboardEvent): void => {
      if (event.key === 'Escape') setOpen(false);
    };
    window.addEventListener('pointerdown', onPointer);
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('pointerdown', onPointer);
      window.removeEventListener('keydown', onKey);
    };
  }, [open]);

  return (
    <div className="menu" ref={root}>
      <button
        type="button"
        className="btn"
        aria-haspopup="menu"
        aria-expanded={open}
        data-testid="recent-workspaces"
        onClick={() => {
          if (!open) onOpenMenu();
          setOpen(!open);
        }}
      >
        Recent ▾
      </button>
      {open && (
        <div className="menu-popover" role="menu">
          {items.length === 0 ? (
            <p className="muted small pad">No recent workspaces yet. Saved and opened workspaces appear here.</p>
          ) : (
            items.map((item) => (
              <button
                key={item.id}
                type="button"
                role="menuitem"
                className="menu-item"
                onClick={() => {
                  setOpen(false);
                  onOpen(item.id);
                }}
              >
                <span>{item.name}</span>
                <span className="muted small">{item.detail}</span>
              </button>
            ))
          )}
        </div>
      )}
    </div>
  );
}
