import { parseSampleManifest, type SampleManifest } from '../samples';
import { WORKSPACE_EXTENSION } from '../workspace';
import type { Platform, RecentWorkspace, WorkspaceText } from './types';

const RECENT_KEY = 'assay.recentWorkspaces';
const RECENT_LIMIT = 8;

interface StoredRecent {
  id: string;
  name: string;
  at: string;
  text: string;
}

function samplesUrl(relativePath: string): string {
  return new URL(`samples/${relativePath.split('/').map(encodeURIComponent).join('/')}`, document.baseURI).href;
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`Could not load ${url} (HTTP ${response.status}).`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Offers bytes as a download through a temporary blob URL. */
function download(fileName: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // Give the browser time to start the download before the URL goes away.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

/** Asks for one file with a temporary file input; null when the user cancels. */
function pickOneFile(accept: string): Promise<File | null> {
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = accept;
    input.addEventListener('change', () => resolve(input.files?.[0] ?? null), { once: true });
    input.addEventListener('cancel', () => resolve(null), { once: true });
    input.click();
  });
}

function readRecent(): StoredRecent[] {
  try {
    const raw = localStorage.getItem(RECENT_KEY);
    const list: unknown = raw ? JSON.parse(raw) : [];
    if (!Array.isArray(list)) return [];
    return list.filter(
      (item): item is StoredRecent =>
        typeof item === 'object' && item !== null && typeof item.id === 'string' && typeof item.name === 'string' &&
        typeof item.at === 'string' && typeof item.text === 'string',
    );
  } catch {
    return [];
  }
}

/** Workspaces are small (no data), so the browser keeps the recent ones' text itself. */
function rememberRecent(name: string, text: string): void {
  const entry: StoredRecent = { id: `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`, name, at: new Date().toISOString(), text };
  const list = [entry, ...readRecent().filter((item) => item.name !== name)].slice(0, RECENT_LIMIT);
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify(list));
  } catch {
    // Storage full or disabled: recent workspaces are a convenience, saving still worked.
  }
}

export function createBrowserPlatform(): Platform {
  return {
    kind: 'browser',
    pickFiles: null,
    readPath: null,
    async saveBytes(fileName, bytes) {
      const copy = new Uint8Array(bytes.byteLength);
      copy.set(bytes);
      download(fileName, new Blob([copy]));
    },
    async loadSampleManifest(): Promise<SampleManifest> {
      const response = await fetch(samplesUrl('manifest.json'));
      if (!response.ok) throw new Error(`The sample data could not be loaded (HTTP ${response.status}).`);
      return parseSampleManifest(await response.text());
    },
    readSample: (relativePath) => fetchBytes(samplesUrl(relativePath)),
    async openWorkspace(): Promise<WorkspaceText | null> {
      const file = await pickOneFile(`${WORKSPACE_EXTENSION},.json`);
      if (!file) return null;
      const text = await file.text();
      rememberRecent(file.name, text);
      return { name: file.name, text };
    },
    async saveWorkspace(workspace) {
      download(workspace.name, new Blob([workspace.text], { type: 'application/json' }));
      rememberRecent(workspace.name, workspace.text);
      return { name: workspace.name };
    },
    async recentWorkspaces(): Promise<RecentWorkspace[]> {
      return readRecent().map((item) => ({ id: item.id, name: item.name, detail: `saved ${new Date(item.at).toLocaleString()}` }));
    },
    async openRecent(id) {
      const item = readRecent().find((entry) => entry.id === id);
      return item ? { name: item.name, text: item.text } : null;
    },
    onMenuCommand() {
      return () => undefined;
    },
  };
}
