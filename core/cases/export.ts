import { t, type Lang } from '../i18n/index.js';
import type { Db } from '../platform/db.js';
import { isOverdue, progressOf } from '../projects/progress.js';
import { projectCode } from '../projects/projects.js';
import { localDate, localDayRange } from '../routing/working-days.js';
import { formatDateTime, statusText } from './describe.js';
import { computeFigures, rowLabel } from './figures.js';
import { computeRates, rateDefinitions } from './rates.js';

const RATES = new Set(['responseRate', 'resolutionRate', 'satisfactionRate']);

/**
 * A spreadsheet of a period, as offices keep them: the ranking with its definitions, the figures,
 * one row per case (number, dates, status, topic, region, department, rating, supervision projects;
 * no resident's words or phone), and the supervision projects opened in the period with their progress.
 */
export async function periodWorkbook(db: Db, opts: { from: string; to: string; timeZone: string; now: Date; lang: Lang }): Promise<Buffer> {
  const { lang, timeZone } = opts;
  const zh = lang === 'zh';
  const named = (d: { name: string; nameEn: string | null }) => (zh || !d.nameEn ? d.name : d.nameEn);
  // Loaded when a spreadsheet is asked for: it would add about 25 MB to every process's memory.
  const { default: ExcelJS } = await import('exceljs');
  const book = new ExcelJS.Workbook();
  book.created = opts.now;

  const ranking = await computeRates(db, opts);
  const definitions = rateDefinitions(lang);
  const rankSheet = book.addWorksheet(zh ? '三率排名' : 'Ranking');
  const columns = ['rank', 'cases', 'responseRate', 'resolutionRate', 'satisfactionRate', 'averageHandlingHours', 'extensions', 'returns'] as const;
  const label = new Map(definitions.map((d) => [d.key as string, d.label]));
  rankSheet.columns = [
    { header: label.get('rank')!, key: 'rank', width: 8 },
    { header: zh ? '部门' : 'Department', key: 'name', width: 28 },
    { header: zh ? '代码' : 'Code', key: 'code', width: 12 },
    ...columns.filter((c) => c !== 'rank').map((c) => ({ header: label.get(c)!, key: c, width: 16, style: RATES.has(c) ? { numFmt: '0.0%' } : {} })),
  ];
  for (const r of ranking) rankSheet.addRow({ ...r, name: named(r), averageHandlingHours: r.averageHandlingHours === null ? null : Math.round(r.averageHandlingHours * 10) / 10 });
  rankSheet.getRow(1).font = { bold: true };
  rankSheet.addRow([]);
  for (const d of definitions) rankSheet.addRow([d.label, d.text]);

  const figures = await computeFigures(db, opts);
  const figSheet = book.addWorksheet(zh ? '统计' : 'Figures');
  figSheet.columns = [{ header: zh ? '项目' : 'Figure', key: 'k', width: 24 }, { header: zh ? '数值' : 'Value', key: 'v', width: 14 }];
  for (const [k, v] of Object.entries(figures.totals)) figSheet.addRow({ k, v });
  figSheet.addRow({ k: 'satisfactionRate', v: figures.satisfaction.rate });
  figSheet.addRow([]);
  figSheet.addRow([zh ? '部门' : 'Department', zh ? '收到' : 'Received', zh ? '已办结' : 'Closed', zh ? '办理中' : 'In progress', zh ? '超期' : 'Overdue']);
  for (const r of figures.byDepartment) figSheet.addRow([rowLabel(r, lang) ?? '—', r.received, r.closed, r.inProgress, r.overdue]);

  const { from, to } = localDayRange(opts.from, opts.to, timeZone);
  const cases = await db.case.findMany({
    where: { createdAt: { gte: from, lt: to }, source: null },
    orderBy: { createdAt: 'asc' },
    select: {
      number: true, createdAt: true, status: true, topic: true, region: { select: { name: true, nameEn: true } }, department: { select: { name: true, nameEn: true } },
      deadline: true, resolvedAt: true, satisfaction: true, overdueAt: true, supervisedAt: true,
      // Every project the case was in (closed ones too), in the order it joined them.
      projects: { orderBy: { addedAt: 'asc' }, select: { project: { select: { number: true } } } },
    },
  });
  // A case's topic is stored as the Chinese path ("一级/二级"); in English each level by its English name where known.
  const topicEn = new Map<string, string>();
  if (!zh) {
    const topics = await db.topic.findMany({ select: { name: true, nameEn: true, parent: { select: { name: true, nameEn: true } } } });
    for (const x of topics) topicEn.set(x.parent ? `${x.parent.name}/${x.name}` : x.name, x.parent ? `${named(x.parent)}/${named(x)}` : named(x));
  }
  const topicText = (topic: string | null) => (topic ? (topicEn.get(topic) ?? topic) : '');
  const caseSheet = book.addWorksheet(zh ? '案件' : 'Cases');
  const headers = zh
    ? ['案件编号', '收到时间', '状态', '类别', '地区', '承办单位', '办理时限', '办结时间', '评价', '超期', '督办', '专项督查']
    : ['Number', 'Received', 'Status', 'Topic', 'Region', 'Department', 'Deadline', 'Resolved', 'Rating', 'Overdue', 'Supervised', 'Supervision project'];
  caseSheet.addRow(headers).font = { bold: true };
  const when = (d: Date | null) => (d ? formatDateTime(d, timeZone) : '');
  for (const c of cases) {
    caseSheet.addRow([
      c.number, when(c.createdAt), statusText(c.status, lang), topicText(c.topic), c.region ? named(c.region) : '',
      c.department ? named(c.department) : '',
      when(c.deadline), when(c.resolvedAt), c.satisfaction ?? '', c.overdueAt ? '✓' : '', c.supervisedAt ? '✓' : '',
      c.projects.map((p) => projectCode(p.project.number)).join(' '),
    ]);
  }
  caseSheet.columns.forEach((col) => (col.width = 16));

  // The projects opened in the period, as the figures count them, each with its progress now.
  const projects = await db.supervisionProject.findMany({
    where: { createdAt: { gte: from, lt: to } },
    orderBy: { number: 'asc' },
    include: { department: { select: { name: true, nameEn: true } } },
  });
  const progress = await progressOf(db, projects.map((p) => p.id), undefined);
  const today = localDate(opts.now, timeZone);
  const projectSheet = book.addWorksheet(zh ? '专项督查' : 'Supervision projects');
  projectSheet.columns = [
    { header: zh ? '编号' : 'Code', key: 'code', width: 10 },
    { header: zh ? '名称' : 'Title', key: 'title', width: 30 },
    { header: zh ? '牵头单位' : 'Department', key: 'department', width: 28 },
    { header: zh ? '完成时限' : 'Deadline', key: 'deadline', width: 12 },
    { header: zh ? '案件' : 'Cases', key: 'cases', width: 8 },
    { header: zh ? '已办结' : 'Finished', key: 'finished', width: 10 },
    { header: zh ? '超期案件' : 'Overdue cases', key: 'overdue', width: 12 },
    { header: zh ? '状态' : 'Status', key: 'status', width: 10 },
  ];
  projectSheet.getRow(1).font = { bold: true };
  for (const p of projects) {
    const pr = progress.get(p.id)!;
    projectSheet.addRow({
      code: projectCode(p.number), title: p.title, department: named(p.department), deadline: p.deadline.toISOString().slice(0, 10),
      cases: pr.total, finished: pr.finished, overdue: pr.overdueCases,
      status: isOverdue(p, pr, today) ? t(lang, 'desk.projects.overdue') : t(lang, p.status === 'open' ? 'desk.projects.status.open' : 'desk.projects.status.closed'),
    });
  }
  return Buffer.from(await book.xlsx.writeBuffer());
}
