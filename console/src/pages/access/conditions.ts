import type { Condition } from '../../../../src/contract/resource';

/** The condition of that type, if the status has it. Pure. */
export function conditionOf(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((condition) => condition.type === type);
}
