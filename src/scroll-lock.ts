// The longhands `overflow: hidden` sets: saved one by one, since a page may have set only one of them.
const properties = ['overflow-x', 'overflow-y'];

/** How many open panels hold the page still, and the root's inline style before the first did. */
let holders = 0;
let before: { saved: [string, string][]; hadStyle: boolean } | undefined;

/**
 * Stops the page behind a full-screen panel from scrolling (`overflow: hidden` on the root element);
 * the returned function lets go. The last to let go restores exactly the inline style there was:
 * the root's own overflow values and priorities, and no `style` attribute if it had none.
 */
export function lockScroll(): () => void {
  const { style } = document.documentElement;
  if (holders++ === 0) {
    before = {
      saved: properties.map(name => [style.getPropertyValue(name), style.getPropertyPriority(name)]),
      hadStyle: document.documentElement.hasAttribute('style'),
    };
    for (const name of properties) style.setProperty(name, 'hidden', 'important');
  }
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    if (--holders > 0 || !before) return;
    before.saved.forEach(([value, priority], i) => style.setProperty(properties[i]!, value, priority));
    // Reading the attribute also settles it: Chromium writes CSSOM changes back lazily, and would
    // write an empty one back after a removal.
    if (!before.hadStyle && document.documentElement.getAttribute('style') === '') document.documentElement.removeAttribute('style');
    before = undefined;
  };
}
