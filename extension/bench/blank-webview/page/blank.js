// The blank webview's whole script: its start, the arrival of the message the extension posted at
// creation, and the frame after it, as the Expenses panel marks its own.
performance.mark('blank:script-start');
document.body.append(document.createTextNode('Blank'));
window.addEventListener(
  'message',
  () => {
    performance.mark('blank:entries-arrived');
    requestAnimationFrame(() => performance.mark('blank:first-render'));
  },
  { once: true },
);
