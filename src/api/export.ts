import { PassThrough, Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { FastifyReply } from 'fastify';

/**
 * CSV and XLSX exports of any report or list (issue 17 §3, docs/reports.md). Rows are flat
 * objects of strings, numbers and nulls; `columns` fixes the order. Both formats are streamed: a
 * source yields pages of rows, each page is written as it comes, so a year of payments never sits
 * in memory. XLSX is written by ExcelJS's streaming writer (a maintained library).
 */
export type Cell = string | number | null;
export type Row = Readonly<Record<string, Cell>>;
export type ExportFormat = 'json' | 'csv' | 'xlsx';

/** A CSV field (RFC 4180). A text cell that a spreadsheet would run as a formula is prefixed with '. */
export function csvField(value: Cell): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(columns: readonly string[], row: Row): string {
  return `${columns.map((c) => csvField(row[c] ?? null)).join(',')}\r\n`;
}

async function* csvChunks(columns: readonly string[], pages: AsyncIterable<readonly Row[]>): AsyncGenerator<string> {
  yield `${columns.map((c) => csvField(c)).join(',')}\r\n`;
  for await (const page of pages) yield page.map((r) => csvLine(columns, r)).join('');
}

function xlsxStream(sheet: string, columns: readonly string[], pages: AsyncIterable<readonly Row[]>): PassThrough {
  const out = new PassThrough();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false });
  const ws = workbook.addWorksheet(sheet.slice(0, 31));
  ws.columns = columns.map((c) => ({ header: c, key: c }));
  void (async () => {
    try {
      for await (const page of pages) for (const r of page) ws.addRow(columns.map((c) => r[c] ?? null)).commit();
      ws.commit();
      await workbook.commit();
    } catch (error) {
      out.destroy(error as Error);
    }
  })();
  return out;
}

async function* once(rows: readonly Row[]): AsyncGenerator<readonly Row[]> {
  yield rows;
}

/** Sends rows as a CSV or XLSX attachment named `<name>.<format>`. */
export function sendExport(
  reply: FastifyReply,
  format: 'csv' | 'xlsx',
  name: string,
  columns: readonly string[],
  rows: readonly Row[] | AsyncIterable<readonly Row[]>,
): FastifyReply {
  const pages = Array.isArray(rows) ? once(rows as readonly Row[]) : (rows as AsyncIterable<readonly Row[]>);
  reply.header('content-disposition', `attachment; filename="${name}.${format}"`);
  if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(Readable.from(csvChunks(columns, pages)));
  return reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(xlsxStream(name, columns, pages));
}
