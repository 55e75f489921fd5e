// The node-quickbooks scenario: run by `node`, not by pytest.
//
// `node nq_scenario.js NODE_MODULES BASE_URL WORKDIR` drives node-quickbooks 2.0.50 and
// intuit-oauth 4.2.5 against the emulator at BASE_URL, changing only their endpoint URLs
// (the static settings both packages expose). HTTPS is trusted through
// NODE_EXTRA_CA_CERTS. Every step prints one JSON line {"step", "ok", "error"}; a failed
// step does not stop the next.
'use strict';

const fs = require('fs');
const path = require('path');
const [modules, baseUrl, workdir] = process.argv.slice(2);
const QuickBooks = require(path.join(modules, 'node-quickbooks'));
const OAuthClient = require(path.join(modules, 'intuit-oauth'));

const BASE = baseUrl.replace(/\/$/, '');
const REDIRECT = 'http://localhost/callback';
const state = {};

function describe(err) {
  const answer = err && err.response ? ` ${JSON.stringify(err.response.data)}` : '';
  if (err instanceof Error) return `${err.name}: ${err.message}${answer}`;
  const body = err && err.response ? err.response.data || err.response : err;
  return JSON.stringify(body);
}

async function step(name, fn) {
  try {
    const detail = await fn();
    console.log(JSON.stringify({ step: name, ok: true, detail: detail === undefined ? null : detail }));
  } catch (err) {
    const trace = err instanceof Error && err.stack ? err.stack.split('\n').slice(0, 6) : [];
    console.log(JSON.stringify({ step: name, ok: false, error: describe(err).slice(0, 800), trace }));
  }
}

function call(method, ...args) {
  return new Promise((resolve, reject) => {
    state.qbo[method](...args, (err, data) => (err ? reject(err) : resolve(data)));
  });
}

function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

function client() {
  const token = state.oauth.getToken();
  return new QuickBooks(
    state.app.client_id, state.app.client_secret, token.access_token, false,
    token.realmId, false, false, 75, '2.0', token.refresh_token,
  );
}

async function invoiceFor(amount) {
  return call('createInvoice', {
    CustomerRef: { value: state.customer.Id },
    Line: [{
      Amount: amount,
      DetailType: 'SalesItemLineDetail',
      Description: 'peer line',
      SalesItemLineDetail: { ItemRef: { value: state.items[0].Id } },
    }],
  });
}

async function main() {
  await step('oauth connect', async () => {
    const made = await fetch(`${BASE}/_emulator/apps`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'node-quickbooks', redirect_uris: [REDIRECT], auto_approve: true }),
    });
    assert(made.ok, `app: ${made.status}`);
    state.app = await made.json();
    const discovery = await (await fetch(`${BASE}/.well-known/openid_configuration`)).json();
    OAuthClient.authorizeEndpoint = discovery.authorization_endpoint;
    OAuthClient.tokenEndpoint = discovery.token_endpoint;
    OAuthClient.revokeEndpoint = discovery.revocation_endpoint;
    OAuthClient.userinfo_endpoint_production = discovery.userinfo_endpoint;
    QuickBooks.TOKEN_URL = discovery.token_endpoint;
    QuickBooks.REVOKE_URL = discovery.revocation_endpoint;
    QuickBooks.V3_ENDPOINT_BASE_URL = `${BASE}/v3/company/`;
    state.oauth = new OAuthClient({
      clientId: state.app.client_id,
      clientSecret: state.app.client_secret,
      environment: 'production',
      redirectUri: REDIRECT,
    });
    const url = state.oauth.authorizeUri({ scope: [OAuthClient.scopes.Accounting], state: 'peer-state' });
    const consent = await fetch(url, { redirect: 'manual' });
    assert([302, 303].includes(consent.status), `consent: ${consent.status}`);
    const location = consent.headers.get('location');
    assert(new URL(location).searchParams.get('state') === 'peer-state', location);
    await state.oauth.createToken(location);
    const token = state.oauth.getToken();
    assert(token.access_token && token.refresh_token && token.realmId, JSON.stringify(token));
    state.qbo = client();
    return { realm: token.realmId };
  });

  await step('oauth refresh', async () => {
    const before = state.oauth.getToken().access_token;
    await state.oauth.refresh();
    assert(state.oauth.getToken().access_token !== before, 'intuit-oauth refresh');
    state.qbo = client();
    const previous = state.qbo.token;
    const answer = await call('refreshAccessToken');
    assert(answer.access_token && state.qbo.token !== previous, 'node-quickbooks refresh');
  });

  await step('customer create', async () => {
    state.customer = await call('createCustomer', { DisplayName: 'Peer Customer' });
    assert(state.customer.Id, 'an Id');
  });

  await step('customer read', async () => {
    state.customer = await call('getCustomer', state.customer.Id);
    assert(state.customer.DisplayName === 'Peer Customer', state.customer.DisplayName);
  });

  await step('customer update', async () => {
    state.customer = await call('updateCustomer', { ...state.customer, CompanyName: 'Peer Co', sparse: false });
    assert(state.customer.CompanyName === 'Peer Co', state.customer.CompanyName);
  });

  await step('customer sparse update', async () => {
    const { Id, SyncToken } = state.customer;
    state.customer = await call('updateCustomer', { Id, SyncToken, Notes: 'sparse' });
    assert(state.customer.Notes === 'sparse' && state.customer.CompanyName === 'Peer Co', 'sparse kept the rest');
  });

  await step('customer filter', async () => {
    const data = await call('findCustomers', [{ field: 'DisplayName', value: 'Peer Customer', operator: '=' }]);
    const found = data.QueryResponse.Customer || [];
    assert(found.length === 1 && found[0].Id === state.customer.Id, JSON.stringify(found));
  });

  await step('customer count', async () => {
    const data = await call('findCustomers', { count: true });
    assert(data.QueryResponse.totalCount >= 1, JSON.stringify(data.QueryResponse));
    return data.QueryResponse.totalCount;
  });

  await step('items', async () => {
    state.items = (await call('findItems', { fetchAll: true })).QueryResponse.Item;
    assert(state.items && state.items.length, 'items');
    return state.items.length;
  });

  await step('accounts', async () => {
    const found = (await call('findAccounts', { fetchAll: true })).QueryResponse.Account;
    state.expense = found.find((a) => a.AccountType === 'Expense');
    state.bank = found.find((a) => a.AccountType === 'Bank');
    assert(state.expense && state.bank, 'expense and bank accounts');
    return found.length;
  });

  await step('invoice with lines', async () => {
    state.invoice = await invoiceFor(100);
    assert(state.invoice.TotalAmt === 100, state.invoice.TotalAmt);
  });

  await step('invoice send', async () => {
    const sent = await call('sendInvoicePdf', state.invoice.Id, 'peer@example.com');
    assert(sent.EmailStatus === 'EmailSent', sent.EmailStatus);
  });

  await step('invoice pdf', async () => {
    const pdf = await call('getInvoicePdf', state.invoice.Id);
    assert(Buffer.from(pdf).subarray(0, 5).toString() === '%PDF-', 'a PDF');
    return pdf.length;
  });

  await step('payment', async () => {
    const payment = await call('createPayment', {
      TotalAmt: 100,
      CustomerRef: { value: state.customer.Id },
      Line: [{ Amount: 100, LinkedTxn: [{ TxnId: state.invoice.Id, TxnType: 'Invoice' }] }],
    });
    const invoice = await call('getInvoice', state.invoice.Id);
    assert(invoice.Balance === 0, invoice.Balance);
    return payment.Id;
  });

  await step('bill', async () => {
    state.vendor = await call('createVendor', { DisplayName: 'Peer Vendor' });
    state.bill = await call('createBill', {
      VendorRef: { value: state.vendor.Id },
      Line: [{
        Amount: 50,
        DetailType: 'AccountBasedExpenseLineDetail',
        AccountBasedExpenseLineDetail: { AccountRef: { value: state.expense.Id } },
      }],
    });
  });

  await step('bill payment', async () => {
    await call('createBillPayment', {
      PayType: 'Check',
      TotalAmt: 50,
      VendorRef: { value: state.vendor.Id },
      CheckPayment: { BankAccountRef: { value: state.bank.Id } },
      Line: [{ Amount: 50, LinkedTxn: [{ TxnId: state.bill.Id, TxnType: 'Bill' }] }],
    });
    const bill = await call('getBill', state.bill.Id);
    assert(bill.Balance === 0, bill.Balance);
  });

  await step('journal entry', async () => {
    const line = (posting, account) => ({
      Amount: 10,
      DetailType: 'JournalEntryLineDetail',
      JournalEntryLineDetail: { PostingType: posting, AccountRef: { value: account.Id } },
    });
    const entry = await call('createJournalEntry', { Line: [line('Debit', state.expense), line('Credit', state.bank)] });
    return entry.Id;
  });

  await step('batch of 40', async () => {
    // QBO takes at most 30 items per batch request (fault 1040): 40 go as 30 + 10.
    const items = Array.from({ length: 40 }, (_, i) => ({
      bId: `peer-${i}`, operation: 'create', Customer: { DisplayName: `Peer Batch ${i}` },
    }));
    const refused = await call('batch', items).then(() => null, (err) => err.response.data);
    assert(refused && refused.Fault.Error[0].code === '1040', JSON.stringify(refused));
    let answers = [];
    for (let start = 0; start < items.length; start += 30) {
      answers = answers.concat((await call('batch', items.slice(start, start + 30))).BatchItemResponse);
    }
    const faults = answers.filter((a) => a.Fault);
    assert(answers.length === 40 && faults.length === 0, JSON.stringify(faults.slice(0, 2)));
  });

  await step('cdc', async () => {
    const data = await call('changeDataCapture', ['Customer', 'Invoice'], new Date(Date.now() - 86400000));
    const customers = data.CDCResponse[0].QueryResponse.find((q) => q.Customer).Customer;
    assert(customers.length >= 41, customers.length);
    return customers.length;
  });

  await step('profit and loss report', async () => {
    const report = await call('reportProfitAndLoss', {});
    assert(report.Header.ReportName === 'ProfitAndLoss', report.Header.ReportName);
  });

  await step('balance sheet report', async () => {
    const report = await call('reportBalanceSheet', {});
    assert(report.Header.ReportName === 'BalanceSheet', report.Header.ReportName);
  });

  await step('attachment upload', async () => {
    const file = path.join(workdir, 'peer-note.txt');
    fs.writeFileSync(file, 'attached by node-quickbooks\n');
    const stream = fs.createReadStream(file);
    const attachable = await call('upload', 'peer-note.txt', 'text/plain', stream, 'Invoice', state.invoice.Id);
    assert(attachable.FileName === 'peer-note.txt', JSON.stringify(attachable));
    const ref = attachable.AttachableRef[0].EntityRef;
    assert(ref.type === 'Invoice' && ref.value === state.invoice.Id, JSON.stringify(ref));
    return attachable.Id;
  });

  await step('void', async () => {
    const unpaid = await invoiceFor(30);
    await call('voidInvoice', unpaid);
    const voided = await call('getInvoice', unpaid.Id);
    assert(voided.TotalAmt === 0 && voided.Balance === 0, JSON.stringify([voided.TotalAmt, voided.Balance]));
  });

  await step('delete', async () => {
    const doomed = await invoiceFor(5);
    await call('deleteInvoice', doomed.Id);
    const data = await call('findInvoices', [{ field: 'Id', value: doomed.Id, operator: '=' }]);
    assert(!(data.QueryResponse.Invoice || []).length, 'deleted');
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
