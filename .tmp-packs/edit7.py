p='workers/node/cli-pack.ts'
s=open(p).read()
old="""  const target = targetOption(values);
  const result = await withEngine(async (engine) => {
    const info = await engine.client.run('pack.read', { text });
    io.out("""
new="""  const target = targetOption(values);
  // Schema and hash first, without starting the engine: a broken pack fails at once.
  const { pack: read, migratedFrom } = await readPack(text);
  const result = await withEngine(async (engine) => {
    const info = { pack: read, migratedFrom };
    io.out("""
assert old in s
s=s.replace(old,new)
open(p,'w').write(s)
p='test/unit/packs-cli.test.ts'
s=open(p).read()
s=s.replace("""  const rule = (id: string, name: string, text: string, group = 'behaviour'): unknown => ({ id, name, group, definition: { kind: 'rule', text, ast: undefined } , text });
  void rule;
""","")
open(p,'w').write(s)
