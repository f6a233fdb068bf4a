import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { repoRoot, tempDir } from '../helpers/paths';

// No module may import one that imports it back, directly or through others. Type-only imports and
// re-exports count too: a circle of types is still a circle a reader has to untangle.

type ImportGraph = Map<string, string[]>;

function sourceFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...sourceFiles(full));
    else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) found.push(full);
  }
  return found;
}

/** The file a relative specifier names, as the bundler and tsx resolve it; null for packages. */
function resolveRelative(from: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const base = path.resolve(path.dirname(from), specifier.replace(/\.js$/, ''));
  const candidates = [base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts'), path.join(base, 'index.tsx')];
  return candidates.find((file) => /\.tsx?$/.test(file) && fs.existsSync(file) && fs.statSync(file).isFile()) ?? null;
}

/** Every relative import, `import type`, `export … from` and `import()` of each file (comments ignored). */
function importGraph(roots: string[]): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const root of roots) {
    for (const file of sourceFiles(root)) {
      const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
      const targets = info.importedFiles.map((ref) => resolveRelative(file, ref.fileName)).filter((target): target is string => target !== null);
      graph.set(file, [...new Set(targets)]);
    }
  }
  return graph;
}

/** Strongly connected components with more than one file (or a file importing itself): Tarjan's algorithm. */
function importCircles(graph: ImportGraph): string[][] {
  let counter = 0;
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (file: string): void => {
    order.set(file, counter);
    low.set(file, counter++);
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (!order.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file)!, order.get(next)!));
      }
    }
    if (low.get(file) !== order.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || (graph.get(file) ?? []).includes(file)) circles.push(component);
  };
  for (const file of graph.keys()) if (!order.has(file)) visit(file);
  return circles;
}

/** One concrete loop through a component, as a chain of files a reader can follow (a → b → … → a). */
function chainThrough(component: string[], graph: ImportGraph): string[] {
  const members = new Set(component);
  const start = [...component].sort()[0]!;
  // Breadth-first from start's imports back to start, inside the component: the shortest loop.
  const cameFrom = new Map<string, string>();
  const queue = (graph.get(start) ?? []).filter((f) => members.has(f));
  for (const f of queue) cameFrom.set(f, start);
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (file === start) break;
    for (const next of graph.get(file) ?? []) {
      if (!members.has(next) || cameFrom.has(next)) continue;
      cameFrom.set(next, file);
      queue.push(next);
    }
  }
  const chain = [start];
  for (let file = cameFrom.get(start); file !== undefined && file !== start; file = cameFrom.get(file)) chain.unshift(file);
  chain.unshift(start);
  return chain;
}

function describeCircles(graph: ImportGraph): string[] {
  const rel = (file: string): string => path.relative(repoRoot, file);
  return importCircles(graph).map(
    (component) => `${component.length} files, e.g. ${chainThrough(component, graph).map(rel).join(' → ')}\n    all: ${component.map(rel).sort().join(', ')}`,
  );
}

describe('import circles', () => {
  it('finds a circle, with a chain of files, in a tree that has one', () => {
    const dir = tempDir('cycles');
    try {
      fs.writeFileSync(path.join(dir, 'a.ts'), "import type { B } from './b';\nexport type A = { b?: B };\n");
      fs.writeFileSync(path.join(dir, 'b.ts'), "export { c } from './c';\nexport type B = number;\n");
      // The comment must not count as an import; the re-export through index must.
      fs.writeFileSync(path.join(dir, 'c.ts'), "// import { x } from './d';\nimport type { A } from './index';\nexport const c = 1 as unknown as A;\n");
      fs.writeFileSync(path.join(dir, 'd.ts'), "import { c } from './c';\nexport const d = c;\n");
      fs.writeFileSync(path.join(dir, 'index.ts'), "export * from './a';\n");
      const circles = describeCircles(importGraph([dir]));
      expect(circles).toHaveLength(1);
      expect(circles[0]).toMatch(/^4 files/);
      expect(circles[0]).toMatch(/a\.ts → .*b\.ts → .*c\.ts → .*index\.ts → .*a\.ts/);
      expect(circles[0]).not.toMatch(/d\.ts/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has none in the engine, the renderer or the shell', () => {
    const graph = importGraph(['workers', 'renderer', 'electron'].map((dir) => path.join(repoRoot, dir)));
    expect(graph.size).toBeGreaterThan(200);
    const circles = describeCircles(graph);
    expect(circles, `import circles:\n  ${circles.join('\n  ')}`).toEqual([]);
  });
});
