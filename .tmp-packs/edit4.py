p='workers/packs/service.ts'
s=open(p).read()
s=s.replace("""  const labels = target ? flags(table, '__never__').map((_, i) => Number(table.getChild(LABEL)?.get(i)) === 1 ? 1 : 0) : null;""","""  let labels: Uint8Array | null = null;
  if (target) {
    const vector = table.getChild(LABEL);
    labels = Uint8Array.from({ length: table.numRows }, (_, i) => (Number(vector?.get(i)) === 1 ? 1 : 0));
  }""")
s=s.replace("""    const m = labels ? tagMetrics(fires, labels) : coverageOnly(fires);
    const coverage = interval(m.coverage) ?? { value: 0, low: 0, high: 0 };
    const metrics: TagMetrics = { rows: m.rows, support: m.support, coverage };
    if ('precision' in m) {
      for (const name of ['precision', 'recall', 'f1', 'lift'] as const) {
        const v = interval(m[name]);
        if (v) metrics[name] = v;
      }
    }""","""    const m = labels ? tagMetrics(fires, labels) : coverageOnly(fires);
    const coverage = interval(m.coverage) ?? { value: 0, low: 0, high: 0 };
    const metrics: TagMetrics = { rows: m.rows, support: m.support, coverage };
    if (labels) {
      const full = m as ValidationTagMetrics;
      for (const name of ['precision', 'recall', 'f1', 'lift'] as const) {
        const v = interval(full[name]);
        if (v) metrics[name] = v;
      }
    }""")
s=s.replace("type Gate as ValidationGate, type Estimate }","type Gate as ValidationGate, type Estimate, type TagMetrics as ValidationTagMetrics }")
open(p,'w').write(s)
