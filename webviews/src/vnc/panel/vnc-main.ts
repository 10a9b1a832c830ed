// The graphical console panel's script, in the webview: noVNC's RFB draws the VM's screen and
// takes its keyboard, over a MessageChannel that the extension relays to the host. Every message
// from the extension is checked against panel-messages.schema.json first. The display's password
// goes to RFB and nowhere else: the panel's saved state holds only which VM it shows.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '../../panels/panel.css';
import './vnc.css';
import RFB from '@novnc/novnc/lib/rfb';
import type { VncPanelState, VncToExtension, VncToPanel } from '@vlm/schemas';
import { checkPanelMessage } from '@vlm/schemas/src/panel-messages';
import { element } from '../../panels/dom';
import { MessageChannel } from '../message-channel';
import { keysymsOf } from '../typed-keys';

interface VsCodeApi {
  postMessage(message: VncToExtension): void;
  setState(state: VncPanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const send = (message: VncToExtension) => vscode.postMessage(message);

const title = element('h1', { id: 'vm-title' }, 'Graphical console');
const status = element('div', { id: 'status', role: 'status', 'aria-live': 'polite' }, 'Connecting…');
const ctrlAltDel = element('vscode-button', { id: 'ctrl-alt-del', secondary: true, disabled: true }, 'Ctrl+Alt+Del');
const paste = element(
  'vscode-button',
  { id: 'paste-keys', secondary: true, disabled: true, title: 'Types the clipboard’s text' },
  'Paste as keys',
);
const scale = element('vscode-checkbox', { id: 'scale', checked: true }, 'Scale to panel');
const reconnect = element('vscode-button', { id: 'reconnect', hidden: true }, 'Reconnect');
const screen = element('div', { id: 'screen', 'aria-label': 'VM screen: click or Tab here to type into the VM' });
document.body.append(
  element('header', {}, title, element('div', { class: 'actions' }, ctrlAltDel, paste, scale, reconnect), status),
  screen,
);

let rfb: RFB | undefined;
let channel: MessageChannel | undefined;

function showStatus(text: string, problem = false): void {
  status.textContent = text;
  status.classList.toggle('problem', problem);
}

function setConnected(connected: boolean): void {
  for (const button of [ctrlAltDel, paste]) (button as HTMLButtonElement).disabled = !connected;
  reconnect.hidden = connected;
}

/** The canvas in the theme's editor colour: RFB paints its surroundings itself. */
function themeBackground(): string {
  return getComputedStyle(document.body).getPropertyValue('--vscode-editor-background').trim() || 'transparent';
}

function connect(message: Extract<VncToPanel, { type: 'connect' }>): void {
  disconnect();
  vscode.setState({ target: message.target });
  title.textContent = `${message.target.vmName} (${message.target.labName} on ${message.target.hostName})`;
  const opened = new MessageChannel({
    send: (data) => send({ type: 'send', data }),
    processed: (bytes) => send({ type: 'processed', bytes }),
  });
  const created = new RFB(screen, opened, { credentials: { password: message.password }, shared: true });
  created.scaleViewport = (scale as HTMLInputElement).checked;
  created.background = themeBackground();
  created.addEventListener('connect', () => {
    setConnected(true);
    showStatus(`Connected to ${message.target.vmName}. Keys typed on the screen go to the VM.`);
    // Tab reaches the screen: RFB's canvas is focusable by click only.
    screen.querySelector('canvas')?.setAttribute('tabindex', '0');
    created.focus();
  });
  created.addEventListener('disconnect', (event) => {
    setConnected(false);
    if (rfb === created) showStatus('The console was disconnected.', !(event as CustomEvent<{ clean: boolean }>).detail.clean);
  });
  created.addEventListener('securityfailure', (event) => {
    showStatus(
      `The display refused the connection: ${(event as CustomEvent<{ reason?: string }>).detail.reason ?? 'its password did not match'}.`,
      true,
    );
  });
  rfb = created;
  channel = opened;
  opened.opened();
}

function disconnect(): void {
  const current = rfb;
  rfb = undefined;
  channel = undefined;
  current?.disconnect();
}

function typeText(text: string): void {
  const typed = keysymsOf(text);
  if (!typed.ok) {
    showStatus(typed.problem, true);
    return;
  }
  for (const keysym of typed.keysyms) rfb?.sendKey(keysym, null);
  showStatus(`Typed ${typed.keysyms.length} keys.`);
  rfb?.focus();
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const checked = checkPanelMessage('VncToPanel', event.data);
  if (!checked.ok) {
    showStatus(checked.problem, true);
    return;
  }
  const message = checked.message;
  if (message.type === 'connect') connect(message);
  else if (message.type === 'data') channel?.receive(message.data);
  else if (message.type === 'paste') typeText(message.text);
  else if (message.type === 'problem') showStatus(message.message, true);
  else if (message.type === 'closed') {
    channel?.close(message.reason);
    setConnected(false);
    showStatus(message.reason, true);
  }
});

ctrlAltDel.addEventListener('click', () => {
  rfb?.sendCtrlAltDel();
  rfb?.focus();
});
paste.addEventListener('click', () => send({ type: 'paste' }));
scale.addEventListener('change', () => {
  if (rfb) rfb.scaleViewport = (scale as HTMLInputElement).checked;
});
reconnect.addEventListener('click', () => {
  showStatus('Connecting…');
  send({ type: 'ready' });
});
// VS Code changes the body's theme class when the user switches themes.
new MutationObserver(() => {
  if (rfb) rfb.background = themeBackground();
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

send({ type: 'ready' });
