// Ctrl+Z (Cmd+Z) in a dashboard panel undoes its last change, except in a text field, where it
// undoes typing as everywhere else.
const textFields = ['vscode-textfield', 'vscode-textarea'];

export function undoOnShortcut(undo: HTMLElement, sendUndo: () => void): void {
  window.addEventListener('keydown', (event) => {
    const inField = textFields.includes((event.target as Element | null)?.localName ?? '');
    const shortcut = (event.ctrlKey || event.metaKey) && !event.shiftKey && event.key.toLowerCase() === 'z';
    if (shortcut && !inField && !undo.hasAttribute('disabled')) {
      event.preventDefault();
      sendUndo();
    }
  });
}
