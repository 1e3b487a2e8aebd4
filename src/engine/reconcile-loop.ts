import type { StoredResource } from '../resources/model.js';
import { type AnyController, asksToAct, type ControllerToolbox, type ReconcileResult } from './controller.js';

/**
 * Actions one reconcile may take before it gives up for a backoff: a plan that still asks to act
 * after this many has not converged (a bug, or a world that keeps moving), and looping on it
 * would hold the key's lock forever.
 */
export const MAX_ACTIONS_PER_RECONCILE = 4;

/**
 * The generic loop every kind runs (crossplane-runtime's shape): observe → plan → act, then observe
 * and plan again after each action, until the plan reports. Acting never reports by itself: the
 * status always comes from an observation made after the last action, so a crash between an action
 * and the status write repeats the observation, not the action (actions are idempotent anyway).
 *
 * @throws what observe or act throw (TerminalError or transient), or a transient Error when the
 *   plan has not converged after MAX_ACTIONS_PER_RECONCILE actions.
 */
export async function observePlanAct(
  controller: AnyController,
  resource: StoredResource,
  toolbox: ControllerToolbox,
): Promise<ReconcileResult<object>> {
  for (let actions = 0; ; actions++) {
    const observation = await controller.observe(resource, toolbox);
    const plan = controller.plan(resource, observation, toolbox.now());
    if (!asksToAct(plan)) return plan;
    if (!controller.act)
      throw new Error(`the ${controller.kind} controller planned an action and has no act`);
    if (actions === MAX_ACTIONS_PER_RECONCILE)
      throw new Error(
        `the ${controller.kind} plan still asks to act after ${MAX_ACTIONS_PER_RECONCILE} actions; retrying later`,
      );
    await controller.act(resource, plan.act, toolbox);
  }
}
