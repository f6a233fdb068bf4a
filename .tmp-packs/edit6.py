import re
p='workers/packs/dialects/pack-sql.ts'
s=open(p).read()
s=s.replace("""const commentText = (text: string): string =>""","""// eslint-disable-next-line no-control-regex -- control characters are exactly what must go
const commentText = (text: string): string =>""")
open(p,'w').write(s)
p='workers/packs/schema.ts'
s=open(p).read()
s=s.replace("""const tagName = z""","""// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const tagName = z""")
open(p,'w').write(s)
p='workers/packs/service.ts'
s=open(p).read()
s=s.replace("""    for (let i = 0, n = 0; i < f.length && n < perTag && chosen.length < limit; i++) if (f[i] === 1 && !chosen.includes(i)) (chosen.push(i), n++);""","""    let taken = 0;
    for (let i = 0; i < f.length && taken < perTag && chosen.length < limit; i++) {
      if (f[i] === 1 && !chosen.includes(i)) {
        chosen.push(i);
        taken++;
      }
    }""")
open(p,'w').write(s)
