import { parse } from 'csv-parse/sync';
import { validationFailed } from '../../http/errors';

/** A record of a CSV file, with the file's line it starts on (the header is line 1 unless blank lines precede it). */
export interface CsvRecord {
  line: number;
  cells: string[];
}

/**
 * The delimiter of a file: `;` when its first line has more semicolons than commas (the export
 * of a spreadsheet in a locale whose decimal mark is a comma), else `,`.
 */
export function delimiterOf(text: string): ',' | ';' {
  const first = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/, 1)[0] ?? '';
  const count = (c: string) => first.split(c).length - 1;
  return count(';') > count(',') ? ';' : ',';
}

const LF = 0x0a;
const CR = 0x0d;

/** Line breaks inside a record's cells (quoted fields): the record started that many lines before it ended. */
function breaksIn(cells: string[]): number {
  let n = 0;
  for (const cell of cells) n += cell.match(/\r\n|\n|\r/g)?.length ?? 0;
  return n;
}

/**
 * Reads CSV text with csv-parse: a UTF-8 BOM is dropped, quoted fields may hold delimiters,
 * quotes (`""`) and line breaks, blank lines are skipped, rows may have fewer cells than the
 * header. At most `maxRecords` records are read (the caller refuses a file that has more).
 * Malformed CSV (a quote never closed...) is a 422 naming the line.
 */
export function readCsv(text: string, maxRecords: number): CsvRecord[] {
  try {
    const records = parse(text, {
      bom: true,
      delimiter: delimiterOf(text),
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      to: maxRecords,
    }) as unknown as { record: string[]; info: { bytes: number } }[];
    // csv-parse's own line count takes a quoted CRLF for two lines: count the file's line breaks up to each record's end.
    const bytes = Buffer.from(text, 'utf8');
    let at = 0;
    let breaks = 0;
    return records.map(({ record, info }) => {
      for (; at < info.bytes; at += 1) {
        const byte = bytes[at];
        if (byte === LF || (byte === CR && bytes[at + 1] !== LF)) breaks += 1;
      }
      // A record delimiter that ends it is not a line of its own.
      const last = bytes[info.bytes - 1];
      const endLine = 1 + breaks - (last === LF || last === CR ? 1 : 0);
      return { line: endLine - breaksIn(record), cells: record };
    });
  } catch (error) {
    const { message, lines } = error as { message?: string; lines?: number };
    throw validationFailed([
      { field: 'body', message: `not readable as CSV${lines ? ` (line ${lines})` : ''}: ${message ?? 'malformed'}` },
    ]);
  }
}
