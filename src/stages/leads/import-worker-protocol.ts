// What the import's parser thread (import-worker.ts) and the main thread (import.ts) agree on.
import { readFileSync } from 'node:fs';

/** Separates the fields of the rows in a batch string. */
export const FIELD_SEP = '\u001f';
/** A field that is null. */
export const NULL_MARK = '\u001e';
/** Separates a row's tags. */
export const TAG_SEP = '\u001d';
/** Fields per row: line, domain, unicode, url, company, country, email, first, last, title, phone, tags, notes, is_role. */
export const ROW_WIDTH = 14;

export interface WorkerInit {
  /** The file as the user named it (or <stdin>), for messages. */
  label: string;
  delimiter: string;
  map: Record<string, string>;
  skipInvalid: boolean;
}

/** CPU seconds of the calling thread (Linux; null elsewhere): which half bounds an import. */
export function threadCpu(): number | null {
  try {
    const st = readFileSync('/proc/thread-self/stat', 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}
