import type { BaseTemplate } from '../rules/base-template.js';
import { getBitable } from './feishu/bitable/module.js';
import { setViewSettings } from './feishu/bitable/views.js';
import type { EmuKernel } from './feishu/kernel/kernel.js';

/**
 * The manual steps provisioning prints (a kanban's grouping field, 我的线索's "跟进人 contains Me"),
 * done once in the sandbox's Base as the demo company's admin would do them in Feishu's view settings:
 * from the template's `ui`, through the emulator (the Open API cannot make them). Returns how many views.
 */
export function doManualViewSteps(k: EmuKernel, appToken: string, template: BaseTemplate): number {
  const base = getBitable(k).state.base(appToken);
  let done = 0;
  for (const tt of template.tables) {
    const table = [...base.tables.values()].find((t) => t.name === tt.name);
    for (const v of tt.views ?? []) {
      const view = v.ui && table?.views.find((x) => x.view_name === v.view_name);
      if (!view || !table) continue;
      setViewSettings(table, view, { group_field: v.ui?.group_by, current_user_field: v.ui?.current_user });
      done++;
    }
  }
  return done;
}
