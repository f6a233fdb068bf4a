p='test/helpers/pack-writer.ts'
s=open(p).read()
s=s.replace("""process.stdout.write('writing\\n');""","""writeFileAtomic(target, a);
process.stdout.write('writing\\n');""")
s=s.replace('// until killed. Prints both content hashes, then "writing" once the loop has started.','// until killed. Prints both content hashes, writes A once, then prints "writing" and loops.')
open(p,'w').write(s)
