import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataFileError, loadLabelledCsv } from '../../nlp-models/index.js';
import { parseCsv } from '../../nlp-models/data/csv.js';

const dir = mkdtempSync(join(tmpdir(), 'tingmin-csv-'));
let count = 0;
function csvFile(content: string | Buffer): string {
  const path = join(dir, `${(count += 1)}.csv`);
  writeFileSync(path, content);
  return path;
}
const loadError = (path: string) => {
  try {
    loadLabelledCsv(path);
  } catch (err) {
    expect(err).toBeInstanceOf(DataFileError);
    return (err as Error).message;
  }
  throw new Error('expected an error');
};

describe('parseCsv', () => {
  it('reads quoted commas, quotes and newlines, CRLF and a BOM', () => {
    const text = '\uFEFFa,b\r\n"x, y","say ""hi"""\r\n"two\nlines",\n';
    expect(parseCsv(text)).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
      ['two\nlines', ''],
    ]);
  });
});

describe('loadLabelledCsv', () => {
  it('reads columns in any order, ignoring id and extra columns', () => {
    const path = csvFile('label,extra,detail,id,title\n城乡建设,x,"路面塌陷，很危险",1,道路塌陷\n教育文体,y,学校乱收费,2,"收费"\n');
    expect(loadLabelledCsv(path)).toEqual({
      examples: [
        { title: '道路塌陷', detail: '路面塌陷，很危险', label: '城乡建设' },
        { title: '收费', detail: '学校乱收费', label: '教育文体' },
      ],
      warnings: [`${path}: label "城乡建设" has only one example`, `${path}: label "教育文体" has only one example`],
    });
  });

  it('explains a missing file', () => {
    expect(loadError(join(dir, 'nope.csv'))).toMatch(/nope\.csv: no such file/);
  });

  it('names the missing columns', () => {
    expect(loadError(csvFile('id,title,text\n1,a,b\n'))).toMatch(/missing column\(s\) detail, label/);
  });

  it('gives the row of an empty label', () => {
    expect(loadError(csvFile('title,detail,label\na,b,x\nc,d, \n'))).toMatch(/row 2: empty label/);
  });

  it('refuses a file that is not UTF-8', () => {
    const gbk = Buffer.from([0x74, 0x69, 0x74, 0x6c, 0x65, 0x0a, 0xb5, 0xc0, 0xc2, 0xb7]);
    expect(loadError(csvFile(gbk))).toMatch(/not UTF-8/);
  });

  it('refuses a header without rows, and an empty file', () => {
    expect(loadError(csvFile('title,detail,label\n'))).toMatch(/no data rows/);
    expect(loadError(csvFile(''))).toMatch(/empty/);
  });

  it('refuses a row with the wrong number of fields and an unclosed quote', () => {
    expect(loadError(csvFile('title,detail,label\na,b\n'))).toMatch(/row 1 has 2 fields, the header has 3/);
    expect(loadError(csvFile('title,detail,label\n"a,b,c\n'))).toMatch(/not closed/);
  });
});
