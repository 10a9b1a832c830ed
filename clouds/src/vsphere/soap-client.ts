// The one way this provider talks to vCenter: `call()` posts a vim25 SOAP request over fetch
// with a deadline and the caller's AbortSignal, keeps the session cookie, and turns SOAP faults,
// refused connections and TLS failures into CloudErrors. TLS is verified always: against the
// system's CAs, or against the account's CA file; there is no switch to skip it.
import { Agent, fetch } from 'undici';
import { CloudError, type CloudErrorKind } from '../cloud-errors.js';
import { childOf, parseXml, soapEnvelope, type XmlElement, type XmlOut, xsiType } from './soap-xml.js';

export interface SoapClientOptions {
  /** The SDK endpoint, such as https://vcenter.example.com/sdk. */
  url: string;
  /** PEM text of the CA(s) to trust instead of the system's. */
  ca?: string;
  timeoutMs?: number;
}

const sessionCookie = 'vmware_soap_session';
const largestAnswer = 64 * 1024 * 1024;

// vim25 fault types, by what the user can do about them.
const faultKinds: Record<string, CloudErrorKind> = {
  InvalidLogin: 'auth',
  NotAuthenticated: 'auth',
  NoPermission: 'permission',
  ManagedObjectNotFound: 'notFound',
  InvalidPowerState: 'wrongState',
  InvalidState: 'wrongState',
  ToolsUnavailable: 'wrongState',
  TaskInProgress: 'wrongState',
};

const faultHints: Partial<Record<CloudErrorKind, string>> = {
  auth: 'Check the user name and the password stored for this account.',
  permission: 'Ask a vCenter administrator for the missing privilege on this object.',
  notFound: 'Refresh the list: the object was removed or never existed.',
  wrongState: 'Refresh the row and pick an action that fits its current power state.',
};

/** A vim25 fault (from a SOAP fault or a task's info.error) as a CloudError. */
export function faultError(type: string, message: string, detail?: XmlElement): CloudError {
  const kind = faultKinds[type] ?? 'provider';
  const states = detail ? powerStates(detail) : '';
  const text = [message.trim() || `vCenter answered ${type}`, states].filter(Boolean).join(': ');
  return new CloudError(kind, 'vsphere', text, { code: type, hint: faultHints[kind] });
}

function powerStates(detail: XmlElement): string {
  const requested = childOf(detail, 'requestedState')?.text;
  const existing = childOf(detail, 'existingState')?.text;
  if (!requested || !existing) return '';
  return requested === existing ? `the VM is already ${existing}` : `the VM is ${existing}, the action needs it ${requested}`;
}

function networkError(error: unknown, url: string, timeoutMs: number): CloudError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (error as { code?: string }).code;
  if ((error as { name?: string }).name === 'TimeoutError') {
    return new CloudError('unreachable', 'vsphere', `vCenter at ${url} did not answer within ${timeoutMs / 1000} s`, {
      code: 'Timeout',
      hint: 'Check that vCenter is up and reachable from this machine.',
      cause: error,
    });
  }
  const tls = code !== undefined && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME|ALTNAME/.test(code);
  return new CloudError(
    'unreachable',
    'vsphere',
    tls
      ? `vCenter at ${url} presented a certificate this machine does not trust (${code})`
      : `Could not reach vCenter at ${url}: ${cause?.message ?? (error as Error).message}`,
    {
      code,
      hint: tls
        ? "Set the account's caFile to the PEM file of the CA that signed vCenter's certificate."
        : 'Check the URL and that vCenter is up and reachable from this machine.',
      cause: error,
    },
  );
}

export class SoapClient {
  readonly url: string;
  private readonly timeoutMs: number;
  private readonly agent: Agent;
  private cookie: string | undefined;

  constructor(options: SoapClientOptions) {
    this.url = options.url;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.agent = new Agent({ connect: { ca: options.ca, rejectUnauthorized: true }, connectTimeout: this.timeoutMs });
  }

  get hasSession(): boolean {
    return this.cookie !== undefined;
  }

  forgetSession(): void {
    this.cookie = undefined;
  }

  /** Calls one vim25 method; resolves with its `returnval` element (or the response element when there is none). */
  async call(method: string, parameters: XmlOut[], signal?: AbortSignal): Promise<XmlElement> {
    const body = soapEnvelope(method, parameters);
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const headers: Record<string, string> = { 'content-type': 'text/xml; charset=utf-8', soapaction: 'urn:vim25/6.5' };
    if (this.cookie) headers.cookie = `${sessionCookie}=${this.cookie}`;
    let text: string;
    let status: number;
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers,
        body,
        dispatcher: this.agent,
        signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
      });
      status = response.status;
      this.keepCookie(response.headers.getSetCookie());
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw networkError(error, this.url, this.timeoutMs);
    }
    if (text.length > largestAnswer) throw new CloudError('malformed', 'vsphere', `The answer to ${method} is too large`);
    return this.readAnswer(method, status, text);
  }

  private keepCookie(setCookies: string[]): void {
    for (const line of setCookies) {
      const match = new RegExp(`^${sessionCookie}=([^;]*)`).exec(line);
      if (match?.[1] && /^[A-Za-z0-9._:"-]{1,200}$/.test(match[1])) this.cookie = match[1];
    }
  }

  private readAnswer(method: string, status: number, text: string): XmlElement {
    let envelope: XmlElement;
    try {
      envelope = parseXml(text);
    } catch (error) {
      const kind = status >= 500 ? 'provider' : 'malformed';
      throw new CloudError(kind, 'vsphere', `vCenter answered ${method} with HTTP ${status} and no SOAP envelope`, {
        code: String(status),
        status,
        cause: error,
      });
    }
    const body = childOf(envelope, 'Body');
    if (envelope.name !== 'Envelope' || !body) {
      throw new CloudError('malformed', 'vsphere', `The answer to ${method} is not a SOAP envelope`, { status });
    }
    const fault = childOf(body, 'Fault');
    if (fault) {
      const detail = childOf(fault, 'detail')?.children[0];
      const type = xsiType(detail) ?? detail?.name.replace(/Fault$/, '') ?? 'ServerFault';
      throw faultError(type, childOf(fault, 'faultstring')?.text ?? '', detail);
    }
    const response = childOf(body, `${method}Response`);
    if (!response) throw new CloudError('malformed', 'vsphere', `The answer to ${method} has no ${method}Response`, { status });
    return childOf(response, 'returnval') ?? response;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
