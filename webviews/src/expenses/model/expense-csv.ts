// Expenses as CSV (RFC 4180: quoted fields, doubled quotes, CRLF or LF). An import is all or
// nothing: every bad row is reported by number and field, and no row is taken while one is bad.
import type { ExpenseEntry, ExpenseFields } from '@vlm/schemas';
import { isoDateProblem } from './calendar-dates';
import { currencyProblem, formatAmount, parseAmount } from './money';

/** Larger files are refused before they are read: an expenses CSV is far smaller. */
export const maximumCsvBytes = 10 * 1024 * 1024;

export const csvColumns = ['date', 'amount', 'currency', 'category', 'note', 'link_kind', 'link_id', 'recurrence'] as const;
const requiredColumns = ['date', 'amount', 'currency', 'category'] as const;
const delimiters = [',', ';', '\t', '|'] as const;

export interface CsvProblem {
  /** The row's number in the file, the header being row 1. */
  row: number;
  field?: string;
  message: string;
}

export type CsvImport = { ok: true; rows: ExpenseFields[] } | { ok: false; problems: CsvProblem[] };

export function csvSizeProblem(bytes: number): string | undefined {
  if (bytes <= maximumCsvBytes) return undefined;
  const megabytes = (size: number) => `${Math.round(size / 1024 / 1024)} MB`;
  return `The file is ${megabytes(bytes)}; an expenses CSV may be at most ${megabytes(maximumCsvBytes)}. Nothing was imported.`;
}

/** Splits CSV text into records of fields. Throws on a quote left open, naming its row. */
export function parseCsvRecords(text: string, delimiter: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let startRow = 1;
  let row = 1;
  for (let index = text.charCodeAt(0) === 0xfeff ? 1 : 0; index < text.length; index += 1) {
    const character = text[index] as string;
    if (quoted) {
      if (character === '"' && text[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (character === '"') quoted = false;
      else {
        if (character === '\n') row += 1;
        field += character;
      }
    } else if (character === '"' && field === '') {
      quoted = true;
      startRow = row;
    } else if (character === delimiter) {
      record.push(field);
      field = '';
    } else if (character === '\n' || character === '\r') {
      if (character === '\r' && text[index + 1] === '\n') index += 1;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      row += 1;
    } else field += character;
  }
  if (quoted) throw new Error(`Row ${startRow}: a quoted field is never closed.`);
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

/** The delimiter that splits the header into known columns: the one given, else the one found. */
function pickDelimiter(text: string, given: string | undefined): { delimiter: string } | { problem: string } {
  const header = (text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '').toLowerCase();
  const fits = (delimiter: string) =>
    requiredColumns.every((column) =>
      header
        .split(delimiter)
        .map((name) => name.trim().replace(/^"|"$/g, ''))
        .includes(column),
    );
  const found = delimiters.find(fits);
  if (given !== undefined) {
    if (fits(given)) return { delimiter: given };
    const named = found === '\t' ? 'a tab' : `"${found}"`;
    return {
      problem: found
        ? `The columns are separated by ${named}, not "${given === '\t' ? 'tab' : given}": import again with ${named} as the delimiter.`
        : `The header row must name the columns ${requiredColumns.join(', ')}${given ? ` separated by "${given}"` : ''}.`,
    };
  }
  if (found) return { delimiter: found };
  return { problem: `The header row must name the columns ${requiredColumns.join(', ')}, separated by ",", ";", a tab or "|".` };
}

/** Reads expenses from CSV text; `delimiter` undefined detects it from the header. */
export function importExpensesCsv(text: string, delimiter?: string): CsvImport {
  const size = csvSizeProblem(new TextEncoder().encode(text).length);
  if (size) return { ok: false, problems: [{ row: 1, message: size }] };
  const picked = pickDelimiter(text, delimiter);
  if ('problem' in picked) return { ok: false, problems: [{ row: 1, message: picked.problem }] };
  let records: string[][];
  try {
    records = parseCsvRecords(text, picked.delimiter);
  } catch (error) {
    return {
      ok: false,
      problems: [{ row: Number(/Row (\d+)/.exec((error as Error).message)?.[1] ?? 1), message: (error as Error).message }],
    };
  }
  const header = (records[0] ?? []).map((name) => name.trim().toLowerCase());
  const unknown = header.filter((name) => !(csvColumns as readonly string[]).includes(name));
  if (unknown.length > 0) {
    return {
      ok: false,
      problems: [{ row: 1, message: `Unknown column(s) ${unknown.join(', ')}; the columns are ${csvColumns.join(', ')}.` }],
    };
  }
  const rows: ExpenseFields[] = [];
  const problems: CsvProblem[] = [];
  records.slice(1).forEach((record, index) => {
    const row = index + 2;
    if (record.length === 1 && record[0] === '') return; // a blank line
    const values = Object.fromEntries(header.map((name, column) => [name, record[column] ?? '']));
    if (record.length !== header.length) {
      problems.push({ row, message: `has ${record.length} fields; the header has ${header.length}` });
      return;
    }
    const read = readRow(values, row);
    if ('problems' in read) problems.push(...read.problems);
    else rows.push(read.fields);
  });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, rows };
}

function readRow(values: Record<string, string>, row: number): { fields: ExpenseFields } | { problems: CsvProblem[] } {
  const problems: CsvProblem[] = [];
  const problem = (field: string, message: string) => problems.push({ row, field, message });
  const date = values.date?.trim() ?? '';
  const dateProblem = isoDateProblem(date);
  if (dateProblem) problem('date', dateProblem);
  const currency = values.currency?.trim().toUpperCase() ?? '';
  const currencyIssue = currencyProblem(currency);
  if (currencyIssue) problem('currency', currencyIssue);
  let amountMinor = 0;
  if (!currencyIssue) {
    const amount = parseAmount(values.amount ?? '', currency);
    if ('problem' in amount) problem('amount', amount.problem);
    else amountMinor = amount.minor;
  }
  const category = unguarded(values.category ?? '').trim();
  if (category === '' || category.length > 80) problem('category', category === '' ? 'it is empty' : 'it is longer than 80 characters');
  const note = unguarded(values.note ?? '');
  if (note.length > 1000) problem('note', 'it is longer than 1000 characters');
  const fields: ExpenseFields = { date, amountMinor, currency, category, note };
  const kind = values.link_kind?.trim() ?? '';
  const id = unguarded(values.link_id ?? '').trim();
  if (kind !== '' || id !== '') {
    if (kind !== 'provider' && kind !== 'lab' && kind !== 'vm') problem('link_kind', `"${kind}" is not provider, lab or vm`);
    else if (id === '' || id.length > 200)
      problem('link_id', id === '' ? 'it is empty while link_kind is set' : 'it is longer than 200 characters');
    else fields.link = { kind, id };
  }
  const recurrence = values.recurrence?.trim() ?? '';
  if (recurrence === 'monthly') fields.recurrence = 'monthly';
  else if (recurrence !== '') problem('recurrence', `"${recurrence}" is not monthly (or empty)`);
  // Control characters would be refused by the panel-message schema anyway; say so per field.
  for (const [name, value] of [
    ['category', category],
    ['link_id', id],
  ] as const) {
    if ([...value].some((character) => character < ' ' || character === '\u007f')) problem(name, 'it holds control characters');
  }
  return problems.length > 0 ? { problems } : { fields };
}

/** A spreadsheet runs text starting with these as a formula; exports guard it with a leading "'". */
const formulaStart = /^[=+\-@\t\r]/;

function guarded(text: string): string {
  return formulaStart.test(text) ? `'${text}` : text;
}

function unguarded(text: string): string {
  return text.startsWith("'") && formulaStart.test(text.slice(1)) ? text.slice(1) : text;
}

function quoted(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
}

/** Every expense as CSV with a header row, comma-separated, CRLF line ends; importExpensesCsv reads it back. */
export function exportExpensesCsv(entries: readonly ExpenseEntry[]): string {
  const lines = [csvColumns.join(',')];
  for (const entry of entries) {
    const fields = [
      entry.date,
      formatAmount(entry.amountMinor, entry.currency),
      entry.currency,
      guarded(entry.category),
      guarded(entry.note),
      entry.link?.kind ?? '',
      guarded(entry.link?.id ?? ''),
      entry.recurrence ?? '',
    ];
    lines.push(fields.map(quoted).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
