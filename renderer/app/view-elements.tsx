import { lazy, type ReactNode } from 'react';
import type { EngineClient, TableInfo } from '../../workers/api';
import { DataView } from '../views/data/DataView';
import type { SaveBytes } from '../views/view-props';
import type { ViewWorkspaceState } from './use-view-workspaces';
import type { Tab } from './ViewTabs';
import type { OpenInModels } from '../views/segments/propensity';

// CodeMirror and the result grid load when the SQL tab is first opened, keeping cold start light.
const SqlView = lazy(() => import('../views/sql/SqlView').then((module) => ({ default: module.SqlView })));
const ModelsView = lazy(() => import('../views/models/ModelsView').then((module) => ({ default: module.ModelsView })));
const SegmentsView = lazy(() => import('../views/segments/SegmentsView').then((module) => ({ default: module.SegmentsView })));
const TagsView = lazy(() => import('../views/tags/TagsView').then((module) => ({ default: module.TagsView })));
const LabelsView = lazy(() => import('../views/labels/LabelsView').then((module) => ({ default: module.LabelsView })));
const PacksView = lazy(() => import('../views/packs/PacksView').then((module) => ({ default: module.PacksView })));

export interface ViewContext {
  engine: EngineClient;
  engineReady: boolean;
  tables: TableInfo[];
  /** The catalog's selected table: the Data view shows it, the others start their pickers on it. */
  selected: string | null;
  workspaces: ViewWorkspaceState;
  onCatalogChanged(): void;
  saveBytes: SaveBytes;
  /** The tab on screen (charts in hidden views wait to resize until they show). */
  tab: Tab;
  /** Segments -> Models: the table (a propensity dataset) the Models view was last asked to train on. */
  modelsRequest?: ModelsRequest | null;
  onOpenInModels?(request: OpenInModels): void;
}

export type ModelsRequest = OpenInModels & { id: number };

/** What each tab shows; the lazy ones are only mounted once visited (see TABS). */
export function viewElements(context: ViewContext): Record<Tab, ReactNode> {
  const { engine, tables, selected, workspaces, onCatalogChanged, saveBytes, tab } = context;
  const { states } = workspaces;
  const selectedTable = tables.find((t) => t.name === selected) ?? null;
  // What every workspace view gets: the engine, the tables, and the catalog's selection to start its pickers on.
  const shared = { engine, tables, selectedTable: selected };
  return {
    data: <DataView engine={engine} table={selectedTable} engineReady={context.engineReady} />,
    sql: (
      <SqlView
        engine={engine}
        tables={tables}
        onCatalogChanged={onCatalogChanged}
        saveBytes={saveBytes}
        workspace={states.sql}
        onWorkspaceChange={workspaces.setSql}
      />
    ),
    models: (
      <ModelsView
        {...shared}
        onCatalogChanged={onCatalogChanged}
        saveBytes={saveBytes}
        workspace={states.models}
        onWorkspaceChange={workspaces.setModels}
        visible={tab === 'models'}
        request={context.modelsRequest ?? null}
      />
    ),
    segments: (
      <SegmentsView
        {...shared}
        onCatalogChanged={onCatalogChanged}
        workspace={states.segments}
        onWorkspaceChange={workspaces.setSegments}
        onSegmentTags={workspaces.addSegmentTagsToSet}
        onOpenInModels={context.onOpenInModels}
        visible={tab === 'segments'}
      />
    ),
    tags: (
      <TagsView
        {...shared}
        saveBytes={saveBytes}
        workspace={states.tags}
        onWorkspaceChange={workspaces.setTags}
        visible={tab === 'tags'}
      />
    ),
    labels: (
      <LabelsView
        {...shared}
        onCatalogChanged={onCatalogChanged}
        saveBytes={saveBytes}
        workspace={states.labels}
        onWorkspaceChange={workspaces.setLabels}
        visible={tab === 'labels'}
      />
    ),
    packs: (
      <PacksView
        {...shared}
        onCatalogChanged={onCatalogChanged}
        saveBytes={saveBytes}
        tagSet={states.tags.tagSet}
        workspace={states.packs}
        onWorkspaceChange={workspaces.setPacks}
        visible={tab === 'packs'}
      />
    ),
  };
}
