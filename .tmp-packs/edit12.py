p='workers/packs/service.ts'
s=open(p).read()
s=s.replace("""  if (tag.kind === 'segment') return tag.segment.scaler.map((s) => s.name);""","""  if (tag.kind === 'segment') return [...new Set(tag.segment.preprocessor.columns.map((c) => c.column))];""")
open(p,'w').write(s)
p='workers/packs/report.ts'
s=open(p).read()
s=s.replace("""(counted from 0; over ${tag.segment.scaler.map((s) => esc(s.name)).join(', ')})`""","""(counted from 0; over ${tag.segment.preprocessor.columns.map((c) => esc(c.column)).join(', ')})`""")
open(p,'w').write(s)
p='test/helpers/packs.ts'
s=open(p).read()
old=s[s.index("        segment: {\n          scaler: ["):s.index("          index: 1,")]
new="""        segment: {
          preprocessor: {
            version: 1,
            options: { scaling: 'standard', impute: 'median', log1p: 'auto', skewThreshold: 1, maxLevels: 12 },
            columns: [
              { column: COL.spend, kind: 'numeric', impute: 480.5, log1p: true, center: 5.9, scale: 0.9, constant: false, skewness: 1.4 },
              { column: COL.slash, kind: 'numeric', impute: 0.1, log1p: false, center: 0.1, scale: 1.3, constant: false, skewness: 0.2 },
              { column: COL.country, kind: 'onehot', levels: ['UK', 'FR', 'DE'], impute: 'UK' },
            ],
            features: [COL.spend, COL.slash, `${COL.country}=UK`, `${COL.country}=FR`, `${COL.country}=DE`],
          },
          centroids: [
            [-1, -1, 1, 0, 0],
            [0.8, 0.5, 0, 1, 0],
            [0.2, 1.2, 0.3, 0.3, 0.4],
          ],
"""
s=s.replace(old,new)
open(p,'w').write(s)
