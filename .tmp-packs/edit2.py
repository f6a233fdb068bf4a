p='test/unit/packs-io.test.ts'
s=open(p).read()
s=s.replace("""    const shuffled = JSON.parse(JSON.stringify(pack, Object.keys(pack).reverse())) as RulePack;""","""    const reverseKeys = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(reverseKeys) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseKeys(x)])) : v;
    const shuffled = reverseKeys(pack) as RulePack;
    expect(JSON.stringify(shuffled)).not.toBe(JSON.stringify(pack));""")
open(p,'w').write(s)
