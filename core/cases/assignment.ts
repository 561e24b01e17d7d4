import type { Case, Department, Tx } from '../platform/db.js';
import { transition } from './status-machine.js';

/** What an event says about a department, so that it can be told in either language later. */
export function departmentFacts(department: Pick<Department, 'id' | 'code' | 'name' | 'nameEn'>, deadline: Date | null) {
  return {
    departmentId: department.id,
    departmentCode: department.code,
    departmentName: department.name,
    departmentNameEn: department.nameEn,
    deadline: deadline?.toISOString() ?? null,
  };
}

/**
 * Hands a case to a department with a fresh deadline: the first assignment, a transfer
 * (转办, the history keeps where it was) or a reassignment after reopening. Supervision stays.
 */
export function assign(
  tx: Tx,
  current: Pick<Case, 'id' | 'number' | 'status' | 'departmentId'>,
  department: Pick<Department, 'id' | 'code' | 'name' | 'nameEn'>,
  opts: { actor: string; at: Date; deadline: Date; note?: string | null },
) {
  const transfer = current.departmentId !== null && current.departmentId !== department.id && current.status !== 'accepted';
  return transition(tx, current, {
    to: 'assigned',
    type: transfer ? 'transferred' : 'assigned',
    actor: opts.actor,
    note: opts.note,
    at: opts.at,
    deadline: opts.deadline,
    set: { departmentId: department.id },
    data: { ...departmentFacts(department, opts.deadline), fromDepartmentId: current.departmentId },
  });
}
