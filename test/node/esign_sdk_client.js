// Drives the standalone simulator with Docusign's official Node SDK (docusign-esign) to show
// that the simulator speaks Docusign's wire format: a JWT Grant token, userinfo and each of
// the eleven REST operations that docusign-mcp calls. TestNodeSDKAgainstSimulator runs it.
//
// Usage: NODE_EXTRA_CA_CERTS=DIR/ca.pem node esign_sdk_client.js DIR/credentials.json PDF_FILE
//
// DIR is where `docusign-mcp sim --tls` wrote its files. The SDK calls the OAuth server over
// https only, hence --tls and the simulator's certificate in NODE_EXTRA_CA_CERTS.
//
// Output: one JSON object per line, {"step": NAME, ...}, for the Go test to check.
"use strict";

const fs = require("node:fs");
const docusign = require("docusign-esign");

function emit(step, fields) {
  process.stdout.write(JSON.stringify({ step, ...fields }) + "\n");
}

async function main() {
  const [credentialsPath, pdfPath] = process.argv.slice(2);
  if (!credentialsPath || !pdfPath) {
    throw new Error("usage: node esign_sdk_client.js CREDENTIALS_JSON PDF_FILE");
  }
  const creds = JSON.parse(fs.readFileSync(credentialsPath, "utf8"));
  const oauthHost = new URL(creds.authServer).host;

  const apiClient = new docusign.ApiClient();
  apiClient.setOAuthBasePath(oauthHost);

  const privateKey = fs.readFileSync(creds.privateKeyFile);
  const token = await apiClient.requestJWTUserToken(
    creds.integrationKey, creds.userId, ["signature", "impersonation"], privateKey, 3600);
  const accessToken = token.body.access_token;
  emit("requestJWTUserToken", {
    tokenType: token.body.token_type,
    expiresIn: token.body.expires_in,
    hasToken: typeof accessToken === "string" && accessToken.length > 0,
  });

  const userInfo = await apiClient.getUserInfo(accessToken);
  const account = userInfo.accounts.find((a) => String(a.isDefault) === "true");
  if (!account) {
    throw new Error("getUserInfo returned no default account");
  }
  emit("getUserInfo", {
    sub: userInfo.sub,
    accountId: account.accountId,
    baseUri: account.baseUri,
    accounts: userInfo.accounts.length,
  });

  apiClient.setBasePath(account.baseUri + "/restapi");
  apiClient.addDefaultHeader("Authorization", "Bearer " + accessToken);
  const envelopes = new docusign.EnvelopesApi(apiClient);
  const accountId = account.accountId;

  const summary = await envelopes.createEnvelope(accountId, {
    envelopeDefinition: envelopeDefinition(fs.readFileSync(pdfPath)),
  });
  emit("createEnvelope", {
    envelopeId: summary.envelopeId, status: summary.status, uri: summary.uri,
  });
  const envelopeId = summary.envelopeId;

  const envelope = await envelopes.getEnvelope(accountId, envelopeId, { include: "recipients" });
  emit("getEnvelope", {
    envelopeId: envelope.envelopeId,
    status: envelope.status,
    emailSubject: envelope.emailSubject,
    signers: (envelope.recipients && envelope.recipients.signers || []).length,
    carbonCopies: (envelope.recipients && envelope.recipients.carbonCopies || []).length,
  });

  const fromDate = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
  const changes = await envelopes.listStatusChanges(accountId, { fromDate });
  emit("listStatusChanges", {
    resultSetSize: changes.resultSetSize,
    envelopeIds: (changes.envelopes || []).map((e) => e.envelopeId),
  });

  const docs = await envelopes.listDocuments(accountId, envelopeId);
  emit("listDocuments", {
    documents: (docs.envelopeDocuments || []).map((d) => ({
      documentId: d.documentId, type: d.type,
    })),
  });

  const pdf = await envelopes.getDocument(accountId, envelopeId, "combined", {});
  const bytes = Buffer.isBuffer(pdf) ? pdf : Buffer.from(pdf, "binary");
  emit("getDocument", { size: bytes.length, head: bytes.subarray(0, 5).toString("latin1") });

  const recipients = await envelopes.listRecipients(accountId, envelopeId, {});
  emit("listRecipients", {
    signers: (recipients.signers || []).map((r) => r.status),
    carbonCopies: (recipients.carbonCopies || []).length,
    recipientCount: recipients.recipientCount,
  });

  const resent = await envelopes.update(accountId, envelopeId, {
    resendEnvelope: "true", envelope: {},
  });
  emit("resend", { envelopeId: resent.envelopeId });

  const accounts = new docusign.AccountsApi(apiClient);
  const info = await accounts.getAccountInformation(accountId, {});
  emit("getAccountInformation", { accountIdGuid: info.accountIdGuid, hasName: !!info.accountName });

  const templates = new docusign.TemplatesApi(apiClient);
  const list = await templates.listTemplates(accountId, {});
  const templateIds = (list.envelopeTemplates || []).map((t) => t.templateId);
  emit("listTemplates", { resultSetSize: list.resultSetSize, templateIds });
  if (templateIds.length === 0) {
    throw new Error("listTemplates returned no templates, so getTemplate cannot run");
  }
  const template = await templates.get(accountId, templateIds[0], {});
  emit("getTemplate", { templateId: template.templateId, hasName: !!template.name });

  const update = await envelopes.update(accountId, envelopeId, {
    envelope: { status: "voided", voidedReason: "SDK interoperability test" },
  });
  const voided = await envelopes.getEnvelope(accountId, envelopeId, {});
  emit("update", {
    envelopeId: update.envelopeId, status: voided.status, voidedReason: voided.voidedReason,
  });
}

// envelopeDefinition is a PDF sent to one signer with one carbon copy, as SDK users write it.
function envelopeDefinition(pdf) {
  const signer = docusign.Signer.constructFromObject({
    email: "signer@example.com", name: "Test Signer", recipientId: "1", routingOrder: "1",
    tabs: docusign.Tabs.constructFromObject({
      signHereTabs: [docusign.SignHere.constructFromObject({
        anchorString: "/sig1/", anchorUnits: "pixels", anchorXOffset: "0", anchorYOffset: "0",
      })],
    }),
  });
  const cc = docusign.CarbonCopy.constructFromObject({
    email: "copy@example.com", name: "Test Copy", recipientId: "2", routingOrder: "2",
  });
  return docusign.EnvelopeDefinition.constructFromObject({
    emailSubject: "SDK interoperability test",
    documents: [docusign.Document.constructFromObject({
      documentBase64: pdf.toString("base64"), name: "Engagement letter",
      fileExtension: "pdf", documentId: "1",
    })],
    recipients: docusign.Recipients.constructFromObject({ signers: [signer], carbonCopies: [cc] }),
    status: "sent",
  });
}

main().catch((err) => {
  const status = err && err.response ? err.response.status : undefined;
  const body = err && err.response && err.response.data;
  process.stderr.write(`esign_sdk_client: ${err && err.message}` +
    (status ? ` (HTTP ${status}: ${JSON.stringify(body)})` : "") + "\n");
  process.exit(1);
});
