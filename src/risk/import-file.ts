import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fail, type Failure } from '../core/index.js';
import { RiskError } from './errors.js';
import { listFileBytesMax, parseOfacSdn, parseUnConsolidated, type ParsedList } from './list-files.js';

/**
 * Reads a list file as published: the UN consolidated XML, or OFAC's sdn.csv (with the alt.csv
 * found beside it, as OFAC publishes them together). Any fault is a refusal; nothing is imported.
 */
export function readListFile(path: string): ParsedList | Failure<RiskError> {
  if (!existsSync(path)) return fail(RiskError.ListFileInvalid, `no file ${path}`);
  if (statSync(path).size > listFileBytesMax) return fail(RiskError.ListFileInvalid, `${path} is larger than ${listFileBytesMax} bytes`);
  const text = readFileSync(path, 'utf8');
  if (path.toLowerCase().endsWith('.xml')) return parseUnConsolidated(text);
  if (basename(path).toLowerCase() !== 'sdn.csv')
    return fail(RiskError.ListFileInvalid, `${path}: expected OFAC's sdn.csv or the UN consolidated list (.xml)`);
  const altPath = join(dirname(path), 'alt.csv');
  const alt = existsSync(altPath) ? readFileSync(altPath, 'utf8') : undefined;
  return parseOfacSdn(text, alt);
}
