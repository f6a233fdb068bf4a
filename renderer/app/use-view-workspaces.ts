import { useCallback, useRef, useState } from 'react';
import { emptyLabelsWorkspace, type LabelsWorkspaceState } from '../views/labels/types';
import { emptyModelsWorkspace, type ModelsWorkspaceState } from '../views/models/types';
import { emptyPacksWorkspace, type PacksWorkspaceState } from '../views/packs/types';
import { emptySegmentsWorkspace, type SegmentsWorkspaceState } from '../views/segments/types';
import { emptySqlWorkspace, type SqlWorkspaceState } from '../views/sql/types';
import { addSegmentTags } from '../views/tags/tag-data';
import { emptyTagsWorkspace, type Tag, type TagsWorkspaceState } from '../views/tags/types';
import type { Workspace } from '../workspace';

/** Each view's part of the workspace file. */
export interface ViewWorkspaces {
  sql: SqlWorkspaceState;
  models: ModelsWorkspaceState;
  segments: SegmentsWorkspaceState;
  tags: TagsWorkspaceState;
  packs: PacksWorkspaceState;
  labels: LabelsWorkspaceState;
}

export interface ViewWorkspaceState {
  states: ViewWorkspaces;
  setSql(next: SqlWorkspaceState): void;
  setModels(next: ModelsWorkspaceState): void;
  setSegments(next: SegmentsWorkspaceState): void;
  setTags(next: TagsWorkspaceState): void;
  setPacks(next: PacksWorkspaceState): void;
  setLabels(next: LabelsWorkspaceState): void;
  /** Replaces every view's state with an opened workspace's (an empty one where the file has none). */
  applyWorkspace(workspace: Workspace): void;
  /** "Save as segment tags" in the Segments view: the tags join the Tags view's tag set; returns what changed. */
  addSegmentTagsToSet(tags: Tag[]): string;
}

/** The views' workspace states, held by App so they are saved together and survive tab switches. */
export function useViewWorkspaces(): ViewWorkspaceState {
  const [sql, setSql] = useState<SqlWorkspaceState>(emptySqlWorkspace);
  const [models, setModels] = useState<ModelsWorkspaceState>(emptyModelsWorkspace);
  const [segments, setSegments] = useState<SegmentsWorkspaceState>(emptySegmentsWorkspace);
  const [tags, setTags] = useState<TagsWorkspaceState>(emptyTagsWorkspace);
  const [packs, setPacks] = useState<PacksWorkspaceState>(emptyPacksWorkspace);
  const [labels, setLabels] = useState<LabelsWorkspaceState>(emptyLabelsWorkspace);

  const applyWorkspace = useCallback((workspace: Workspace) => {
    setSql(workspace.sql);
    setModels(workspace.models ?? emptyModelsWorkspace());
    setSegments(workspace.segments ?? emptySegmentsWorkspace());
    setTags(workspace.tags ?? emptyTagsWorkspace());
    setPacks(workspace.packs ?? emptyPacksWorkspace());
    setLabels(workspace.labels ?? emptyLabelsWorkspace());
  }, []);

  const tagsRef = useRef(tags);
  tagsRef.current = tags;
  const addSegmentTagsToSet = useCallback((segmentTags: Tag[]): string => {
    const { added: addedNames, replaced } = addSegmentTags(tagsRef.current.tagSet, segmentTags);
    setTags((ws) => ({ ...ws, tagSet: addSegmentTags(ws.tagSet, segmentTags).set }));
    const parts = [addedNames.length > 0 ? `added ${addedNames.length}` : '', replaced.length > 0 ? `updated ${replaced.length}` : ''].filter(Boolean);
    return `Segment tags in the Tags tab: ${parts.join(', ') || 'none'} (draft; each carries the scaler and centroids, so it can be validated and packed).`;
  }, []);

  return { states: { sql, models, segments, tags, packs, labels }, setSql, setModels, setSegments, setTags, setPacks, setLabels, applyWorkspace, addSegmentTagsToSet };
}
