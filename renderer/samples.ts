/** The bundled sample data sets, described by samples/manifest.json. */
import { z } from 'zod';

export const sampleFileSchema = z.object({
  name: z.string().min(1),
  /** Path inside the samples folder. */
  path: z.string().min(1),
  table: z.string().min(1).optional(),
  bytes: z.number().optional(),
  rows: z.number().optional(),
  delimiter: z.string().optional(),
  description: z.string().optional(),
});

export const sampleManifestSchema = z.object({
  name: z.string().optional(),
  files: z.array(sampleFileSchema),
});

export type SampleFile = z.infer<typeof sampleFileSchema>;
export type SampleManifest = z.infer<typeof sampleManifestSchema>;

export function parseSampleManifest(text: string): SampleManifest {
  const parsed = sampleManifestSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`The samples manifest is not valid: ${parsed.error.issues[0]?.message ?? 'unknown problem'}.`);
  return parsed.data;
}
