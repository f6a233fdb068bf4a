import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const samplesDir = path.join(repoRoot, 'samples');
export const sharedDatasets = path.resolve(repoRoot, '..', 'shared', 'datasets');

export const samples = {
  shoppers: path.join(samplesDir, 'online_shoppers_intention', 'online_shoppers_intention.csv'),
  retail: path.join(samplesDir, 'online_retail_uci', 'online_retail_sample_cust_mod10.csv'),
  /** The full Online Retail set (541,909 lines), gzip; not in the first-start manifest. */
  retailFull: path.join(samplesDir, 'online_retail_uci', 'online_retail.csv.gz'),
  bank: path.join(samplesDir, 'bank_marketing_uci', 'bank-additional.csv'),
  olistProducts: path.join(samplesDir, 'olist_catalog', 'olist_products_dataset.csv'),
};

/** A fresh temp folder for a test file's fixtures. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `assay-${prefix}-`));
}

/** Writes a fixture file and returns its path. */
export function writeFixture(dir: string, name: string, content: string | Uint8Array): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}
