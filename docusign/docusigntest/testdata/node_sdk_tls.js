// Calls the simulator over HTTPS with Docusign's official Node.js SDK (docusign-esign).
// TestNodeSDKOverTLS runs it with NODE_EXTRA_CA_CERTS naming the simulator's certificate.
//
// Usage: node node_sdk_tls.js SDK_DIR CREDENTIALS_JSON
// Output: one JSON object with what each call returned, for the Go test to check.
"use strict";

const fs = require("node:fs");

async function main() {
  const [sdkDir, credentialsPath] = process.argv.slice(2);
  const docusign = require(sdkDir);
  const creds = JSON.parse(fs.readFileSync(credentialsPath, "utf8"));

  const client = new docusign.ApiClient();
  client.setOAuthBasePath(new URL(creds.authServer).host);
  const token = await client.requestJWTUserToken(creds.integrationKey, creds.userId,
    ["signature", "impersonation"], fs.readFileSync(creds.privateKeyFile), 3600);
  const userInfo = await client.getUserInfo(token.body.access_token);
  const account = userInfo.accounts.find((a) => String(a.isDefault) === "true");
  client.setBasePath(account.baseUri + "/restapi");
  client.addDefaultHeader("Authorization", "Bearer " + token.body.access_token);

  const templates = await new docusign.TemplatesApi(client)
    .listTemplates(account.accountId, { count: "2" });
  const envelopes = new docusign.EnvelopesApi(client);
  const summary = await envelopes.createEnvelope(account.accountId, {
    envelopeDefinition: {
      templateId: templates.envelopeTemplates[0].templateId,
      status: "sent",
      templateRoles: [
        { roleName: "Client", name: "Ada Client", email: "ada@example.com" },
        { roleName: "Partner", name: "Bo Partner", email: "bo@example.com" },
      ],
    },
  });
  const recipients = await envelopes.listRecipients(account.accountId, summary.envelopeId);
  const certificate = await envelopes.getDocument(account.accountId, summary.envelopeId,
    "certificate", {});
  const resend = await envelopes.update(account.accountId, summary.envelopeId,
    { resendEnvelope: "true", envelope: {} });

  process.stdout.write(JSON.stringify({
    accountId: account.accountId,
    totalTemplates: templates.totalSetSize,
    nextUri: templates.nextUri,
    status: summary.status,
    signers: recipients.signers.map((s) => s.roleName + ":" + s.status),
    certificateHead: Buffer.from(certificate).subarray(0, 5).toString("latin1"),
    resentEnvelopeId: resend.envelopeId,
    envelopeId: summary.envelopeId,
  }) + "\n");
}

main().catch((err) => {
  const response = err && err.response;
  process.stderr.write(`node_sdk_tls: ${err && err.message}` +
    (response ? ` (HTTP ${response.status}: ${JSON.stringify(response.data)})` : "") + "\n");
  process.exit(1);
});
