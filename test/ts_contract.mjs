// Drives every tool of a running docusign-mcp server through every typed error it can
// return, with the TypeScript MCP SDK's client (the one MCP Inspector uses), and prints one
// JSON line per case: {"tool","want","got","ok","detail"}.
//
// Usage: node ts_contract.mjs MCP_URL READ_ONLY_MCP_URL SIM_URL ARGS_FILE ERA
//   MCP_URL            streamable HTTP endpoint of 'serve' pointed at SIM_URL
//   READ_ONLY_MCP_URL  the same with --read-only, whose policy denies write tools
//   SIM_URL            origin of the standalone simulator, for its /sim/ control API
//   ARGS_FILE          JSON arguments of a create_envelope that succeeds
//   ERA                legacy (2025 revisions: initialize, sessions) or modern (2026-07-28)
// The SDK is loaded from NODE_PATH, the node_modules directory of .ci/tools.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(join(process.env.NODE_PATH ?? '', 'noop.js'));
const { Client, StreamableHTTPClientTransport } = require('@modelcontextprotocol/client');

const [mcpURL, readOnlyURL, simURL, argsFile, era] = process.argv.slice(2);
const createArgs = JSON.parse(readFileSync(argsFile, 'utf8'));
const unknownEnvelope = () =>
  `00000000-0000-4000-8000-${String(Math.floor(Math.random() * 1e12)).padStart(12, '0')}`;
const unknownTemplate = '00000000-0000-4000-8000-00000000beef';
let failures = 0;

async function connect(url) {
  const versionNegotiation = era === 'modern' ? { mode: { pin: '2026-07-28' } }
    : { mode: 'legacy' };
  const client = new Client({ name: 'docusign-mcp-contract', version: '1.0.0' },
    { versionNegotiation });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

async function sim(method, path, body) {
  const res = await fetch(simURL + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`simulator ${method} ${path}: HTTP ${res.status}`);
  return res.json();
}

function report(tool, want, got, ok, detail) {
  if (!ok) failures++;
  process.stdout.write(JSON.stringify({ tool, want, got, ok, detail }) + '\n');
}

// call returns the result of tools/call, or {thrown} when the SDK threw, for example on a
// structuredContent that does not match the output schema (-32602).
async function call(client, name, args) {
  try {
    return await client.callTool({ name, arguments: args }, { timeout: 120000 });
  } catch (err) {
    return { thrown: `${err?.code ?? ''} ${err?.message ?? err}` };
  }
}

// expectError checks that the result is a tool error whose only content is one compact JSON
// line with the expected code, and no structuredContent.
function expectError(tool, want, res) {
  if (res.thrown) return report(tool, want, 'thrown', false, res.thrown);
  const text = res.content?.[0]?.text ?? '';
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    return report(tool, want, 'unparsed', false, `error text is not JSON: ${text}`);
  }
  const problems = [];
  if (res.isError !== true) problems.push('isError is not true');
  if (res.structuredContent !== undefined) problems.push('structuredContent is present');
  if (res.content.length !== 1) problems.push(`${res.content.length} content items`);
  if (text.includes('\n')) problems.push('error text spans several lines');
  if (body.code !== want) problems.push(`code ${body.code}: ${body.message}`);
  if (!body.message || typeof body.retryable !== 'boolean') {
    problems.push('message or retryable missing');
  }
  report(tool, want, body.code, problems.length === 0, problems.join('; '));
}

// expectSuccess checks a success result: the SDK validated structuredContent against the
// output schema, so a mismatch shows up as thrown.
function expectSuccess(tool, res) {
  if (res.thrown) return report(tool, 'success', 'thrown', false, res.thrown);
  const ok = res.isError !== true && res.structuredContent !== undefined;
  report(tool, 'success', ok ? 'success' : 'error', ok, ok ? '' : res.content?.[0]?.text);
  return res.structuredContent;
}

// withFault queues fault on the simulator, runs the call, and clears every fault after it.
async function withFault(fault, run) {
  await sim('DELETE', '/sim/faults');
  await sim('POST', '/sim/faults', fault);
  try {
    return await run();
  } finally {
    await sim('DELETE', '/sim/faults');
  }
}

async function main() {
  const client = await connect(mcpURL);
  const readOnly = await connect(readOnlyURL);

  // Fixtures: a sent envelope, a completed one and a voided one, and a template.
  const sent = expectSuccess('create_envelope', await call(client, 'create_envelope',
    { ...createArgs, idempotency_key: 'contract-sent' }));
  const done = expectSuccess('create_envelope', await call(client, 'create_envelope',
    { ...createArgs, idempotency_key: 'contract-completed' }));
  await sim('POST', `/sim/envelopes/${done.envelope_id}/sign-all`);
  const voided = expectSuccess('create_envelope', await call(client, 'create_envelope',
    { ...createArgs, idempotency_key: 'contract-voided' }));
  expectSuccess('void_envelope', await call(client, 'void_envelope',
    { envelope_id: voided.envelope_id, reason: 'contract test' }));
  const templates = expectSuccess('list_templates', await call(client, 'list_templates', {}));
  const templateID = templates.templates[0].template_id;

  // Each resend call gets an envelope of its own, because the default policy allows one resend
  // per envelope an hour and the contract resends several times.
  const resendPool = [];
  for (let i = 0; i < 12; i++) {
    resendPool.push(expectSuccess('create_envelope', await call(client, 'create_envelope',
      { ...createArgs, idempotency_key: `contract-resend-${i}` })).envelope_id);
  }
  let resendNext = 0;
  const nextResendEnvelope = () => resendPool[resendNext++ % resendPool.length];

  const E = sent.envelope_id;
  // Each tool: valid arguments, the simulator operation it calls, and its invalid arguments.
  const tools = {
    create_envelope: { args: () => ({ ...createArgs, idempotency_key: `c-${Math.random()}` }),
      op: 'Envelopes:create', bad: { ...createArgs, status: 'bogus' } },
    get_envelope_status: { args: () => ({ envelope_id: unknownEnvelope() }),
      op: 'Envelopes:get', bad: { envelope_id: 'nope' } },
    list_envelopes: { args: () => ({}), op: 'Envelopes:listStatusChanges',
      bad: { page_size: 1000 } },
    void_envelope: { args: () => ({ envelope_id: E, reason: 'contract test' }),
      op: 'Envelopes:update', bad: { envelope_id: E } },
    resend_envelope: { args: () => ({ envelope_id: nextResendEnvelope() }),
      op: 'Envelopes:update',
      bad: { envelope_id: 'nope' } },
    list_envelope_documents: { args: () => ({ envelope_id: E }), op: 'EnvelopeDocuments:list',
      bad: { envelope_id: E, cursor: '!!' } },
    download_document: { args: () => ({ envelope_id: E, document_id: '1' }),
      op: 'EnvelopeDocuments:get', bad: { envelope_id: E, document_id: 'x' } },
    list_templates: { args: () => ({}), op: 'Templates:list', bad: { page_size: 0.5 } },
    get_template: { args: () => ({ template_id: templateID }), op: 'Templates:get',
      bad: { template_id: 'nope' } },
  };

  const writes = ['create_envelope', 'void_envelope', 'resend_envelope'];
  for (const [tool, t] of Object.entries(tools)) {
    expectError(tool, 'invalid_argument', await call(client, tool, t.bad));
    const faults = [
      ['rate_limited', { op: t.op, status: 429, resetInMs: 600000 }],
      ['auth_failed', { op: t.op, status: 403, errorCode: 'USER_LACKS_PERMISSIONS',
        message: 'This user lacks sufficient permissions.' }],
      ['docusign_error', { op: t.op, status: 400, errorCode: 'INVALID_REQUEST_PARAMETER',
        message: 'The request contained at least one invalid parameter.' }],
      // A 5xx response to a write may follow a change that Docusign made.
      [writes.includes(tool) ? 'outcome_unknown' : 'unavailable',
        { op: t.op, status: 500, times: 10 }],
    ];
    for (const [want, fault] of faults) {
      expectError(tool, want, await withFault(fault, () => call(client, tool, t.args())));
    }
  }

  // Unknown ids.
  for (const tool of ['get_envelope_status', 'void_envelope', 'resend_envelope',
    'list_envelope_documents']) {
    const args = { ...tools[tool].args(), envelope_id: unknownEnvelope() };
    expectError(tool, 'not_found', await call(client, tool, args));
  }
  expectError('download_document', 'not_found', await call(client, 'download_document',
    { envelope_id: unknownEnvelope(), document_id: '1' }));
  expectError('get_template', 'not_found', await call(client, 'get_template',
    { template_id: unknownTemplate }));

  // States that forbid the action.
  expectError('void_envelope', 'invalid_state', await call(client, 'void_envelope',
    { envelope_id: done.envelope_id, reason: 'contract test' }));
  expectError('resend_envelope', 'invalid_state', await call(client, 'resend_envelope',
    { envelope_id: voided.envelope_id }));

  // The same idempotency key with other arguments.
  expectError('create_envelope', 'idempotency_conflict', await call(client, 'create_envelope',
    { ...createArgs, email_subject: 'Another subject', idempotency_key: 'contract-sent' }));

  // The read-only server's policy denies the tools that write. The server may also hide them
  // from tools/list, and then a call must fail as an unknown tool (-32602), not silently.
  const listed = new Set((await readOnly.listTools()).tools.map((tool) => tool.name));
  for (const tool of ['create_envelope', 'void_envelope', 'resend_envelope',
    'download_document']) {
    const res = await call(readOnly, tool, tools[tool].args());
    if (listed.has(tool)) {
      expectError(tool, 'policy_denied', res);
      continue;
    }
    const hidden = String(res.thrown ?? '').startsWith('-32602');
    report(tool, 'policy_denied', hidden ? 'hidden' : 'called', hidden,
      hidden ? 'hidden from tools/list and rejected as unknown' : JSON.stringify(res));
  }

  // Every tool once more without faults: success results pass the SDK's schema check.
  for (const tool of ['get_envelope_status', 'list_envelopes', 'list_envelope_documents',
    'download_document', 'list_templates', 'get_template', 'resend_envelope']) {
    const args = tool === 'get_envelope_status' ? { envelope_id: E } : tools[tool].args();
    expectSuccess(tool, await call(client, tool, args));
  }

  // Consent loss, last: the simulator's clock moves past the access token's expiry, so the
  // server requests a new token, and the token endpoint reports consent_required for the
  // default user. That halts the integration, so every tool reports consent_revoked, the
  // later ones without a Docusign request. The moved clock also makes the simulator reject
  // the server's JWT assertions as too old, so no case that needs a token can follow.
  await sim('POST', '/sim/clock/advance', { seconds: 7200 });
  for (const [tool, t] of Object.entries(tools)) {
    expectError(tool, 'consent_revoked', await withFault({ op: 'OAuth:token', status: 400,
      rawBody: '{"error":"consent_required"}', contentType: 'application/json' },
    () => call(client, tool, t.args())));
  }

  await client.close();
  await readOnly.close();
}

try {
  await main();
} catch (err) {
  process.stderr.write(`contract run failed: ${err?.stack ?? err}\n`);
  process.exit(2);
}
process.exit(failures === 0 ? 0 : 1);
