import type { TrainingExample } from '../../nlp-models/index.js';

/** A tiny hand-written corpus: three topics with clearly different words. */
export const TINY_CORPUS: TrainingExample[] = [
  { title: '小区道路塌陷', detail: '小区门口的道路塌陷了一个大坑，车辆无法通行', label: '城乡建设' },
  { title: '楼房墙体开裂', detail: '我们小区的楼房墙体开裂，物业不管', label: '城乡建设' },
  { title: '物业不维修电梯', detail: '小区电梯坏了一个月，物业一直不维修', label: '城乡建设' },
  { title: '老旧小区改造', detail: '希望尽快对我们的老旧小区进行改造，楼道破旧', label: '城乡建设' },
  { title: '拖欠工资', detail: '公司拖欠工资三个月，老板不见人', label: '劳动和社会保障' },
  { title: '社保没有缴纳', detail: '单位一直没有给我缴纳社保，工资也少发', label: '劳动和社会保障' },
  { title: '工伤认定太慢', detail: '我在工地受伤，工伤认定拖了半年', label: '劳动和社会保障' },
  { title: '养老保险转移', detail: '养老保险关系转移手续办不下来，社保局推诿', label: '劳动和社会保障' },
  { title: '学校乱收费', detail: '孩子的学校收取补课费，老师强制学生参加', label: '教育文体' },
  { title: '幼儿园入园难', detail: '小区附近没有公办幼儿园，孩子入园难', label: '教育文体' },
  { title: '学生课业负担重', detail: '学校布置作业太多，学生每天写到深夜', label: '教育文体' },
  { title: '教师有偿补课', detail: '班主任在家里办补课班，学生不去就被批评', label: '教育文体' },
];
