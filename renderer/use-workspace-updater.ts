import { useCallback, useRef, type MutableRefObject } from 'react';

export interface WorkspaceUpdater<State> {
  /** The latest workspace state, including edits made since the last render. */
  workspaceRef: MutableRefObject<State>;
  /** Applies `change` to the latest state (not a stale render's copy) and reports the result to App. */
  updateWorkspace(change: (state: State) => State): void;
}

/**
 * A view's edits to its slice of the workspace. Edits land on the latest state, not a stale copy:
 * jobs finish after other edits, and two edits in one event must not overwrite each other.
 */
export function useWorkspaceUpdater<State>(workspace: State, onWorkspaceChange: (next: State) => void): WorkspaceUpdater<State> {
  const workspaceRef = useRef(workspace);
  workspaceRef.current = workspace;
  const onChangeRef = useRef(onWorkspaceChange);
  onChangeRef.current = onWorkspaceChange;
  const updateWorkspace = useCallback((change: (state: State) => State) => {
    const next = change(workspaceRef.current);
    workspaceRef.current = next;
    onChangeRef.current(next);
  }, []);
  return { workspaceRef, updateWorkspace };
}
