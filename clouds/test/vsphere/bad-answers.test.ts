// What a broken vCenter (or a proxy in front of it) may answer: an HTML 500 page, a cut-off
// envelope, an envelope without the expected parts, or nothing at all within the deadline.
// Each becomes a clear CloudError through the real client; none of them crashes it.
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { SoapClient } from '../../src/vsphere/soap-client.js';
import { VimClient } from '../../src/vsphere/vim-client.js';
import { providerFor, rejectsWith } from './vsphere-fixture.js';

const envelope = (body: string) =>
  `<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;

const answers: Record<string, (response: ServerResponse) => void> = {
  'html-500': (response) => response.writeHead(500, { 'content-type': 'text/html' }).end('<html><body>Service Unavailable</body></html'),
  'cut-off': (response) =>
    response.writeHead(200).end(envelope('<RetrieveServiceContentResponse xmlns="urn:vim25"><returnval>').slice(0, -30)),
  'wrong-shape': (response) => response.writeHead(200).end(envelope('<SomethingElse xmlns="urn:vim25"/>')),
  'no-about': (response) =>
    response
      .writeHead(200)
      .end(
        envelope(
          '<RetrieveServiceContentResponse xmlns="urn:vim25"><returnval><rootFolder type="Folder">group-d1</rootFolder></returnval></RetrieveServiceContentResponse>',
        ),
      ),
  'unknown-fault': (response) =>
    response
      .writeHead(500)
      .end(
        envelope(
          '<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>Disk is full</faultstring><detail><SystemErrorFault xmlns="urn:vim25"/></detail></soapenv:Fault>',
        ),
      ),
  'no-permission': (response) =>
    response
      .writeHead(500)
      .end(
        envelope(
          '<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>Permission to perform this operation was denied.</faultstring>' +
            '<detail><NoPermissionFault xmlns="urn:vim25" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="NoPermission">' +
            '<object type="Folder">group-d1</object><privilegeId>System.View</privilegeId></NoPermissionFault></detail></soapenv:Fault>',
        ),
      ),
  silent: () => undefined,
};

describe('vSphere answers that are not what vCenter sends', () => {
  let server: Server;
  let base: string;
  let current = '';
  before(async () => {
    server = createServer((request, response) => {
      request.resume();
      const answer = answers[current];
      if (answer) answer(response);
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const login = (answer: string) => {
    current = answer;
    return providerFor({ url: `${base}/sdk`, username: 'someone', password: 'secret' }).listLocations();
  };

  test('an HTML 500 page is a provider error with the status', async () => {
    const error = await rejectsWith(login('html-500'), 'provider', '500');
    assert.match(error.message, /HTTP 500 and no SOAP envelope/);
  });

  test('a cut-off envelope, a wrong element and a missing part are malformed', async () => {
    await rejectsWith(login('cut-off'), 'malformed');
    const wrong = await rejectsWith(login('wrong-shape'), 'malformed');
    assert.match(wrong.message, /has no RetrieveServiceContentResponse/);
    const missing = await rejectsWith(login('no-about'), 'malformed');
    assert.match(missing.message, /The service content has no about/);
  });

  test('an unknown fault is a provider error with its type and message', async () => {
    const error = await rejectsWith(login('unknown-fault'), 'provider', 'SystemError');
    assert.match(error.describe(), /Disk is full \(SystemError\)/);
  });

  test('NoPermission (which the simulator never sends: it has no roles) is a permission error', async () => {
    const error = await rejectsWith(login('no-permission'), 'permission', 'NoPermission');
    assert.match(error.message, /Permission to perform this operation was denied/);
    assert.match(error.details.hint ?? '', /privilege/);
  });

  test("no answer within the deadline is unreachable, and an abort is the caller's", async () => {
    current = 'silent';
    const vim = new VimClient(new SoapClient({ url: `${base}/sdk`, timeoutMs: 300 }));
    const error = await rejectsWith(vim.retrieveServiceContent(), 'unreachable', 'Timeout');
    assert.match(error.message, /did not answer within 0\.3 s/);
    const controller = new AbortController();
    const call = vim.retrieveServiceContent(controller.signal);
    controller.abort(new Error('the view was closed'));
    await assert.rejects(call, /the view was closed/);
    await vim.soap.close();
  });
});
