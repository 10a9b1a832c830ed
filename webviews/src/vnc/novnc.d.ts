// The parts of noVNC 1.4 (plain JavaScript, no types) that the graphical console panel uses.
declare module '@novnc/novnc/lib/rfb' {
  export interface RfbOptions {
    credentials?: { password?: string };
    shared?: boolean;
  }
  export default class RFB extends EventTarget {
    constructor(target: HTMLElement, channel: object, options?: RfbOptions);
    scaleViewport: boolean;
    resizeSession: boolean;
    focusOnClick: boolean;
    background: string;
    sendCtrlAltDel(): void;
    sendKey(keysym: number, code: string | null, down?: boolean): void;
    sendCredentials(credentials: { password?: string }): void;
    focus(): void;
    disconnect(): void;
  }
}
