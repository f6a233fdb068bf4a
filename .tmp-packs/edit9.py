p='test/unit/packs-dialects.test.ts'
s=open(p).read()
s=s.replace("""import { segmentMembership } from '../../workers/packs/evaluate';""","""import { segmentMembership } from '../../workers/packs/evaluate';
import { writePack } from '../../workers/packs/io';""")
s=s.replace("""import { repoRoot } from '../helpers/paths';""","""import { failure } from '../helpers/engine';
import { repoRoot } from '../helpers/paths';""")
open(p,'w').write(s)
