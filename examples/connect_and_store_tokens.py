"""Connect an app to a company with OAuth 2.0 and keep its tokens, encrypted, in a file.

    QBO_CLIENT_ID, QBO_CLIENT_SECRET, QBO_REDIRECT_URI   the app's (Intuit developer portal)
    QBO_BASE_URL or QBO_ENV                              where (default: sandbox)
    QBO_TOKEN_KEY                                        the file's key (made and printed if unset)

Open the printed URL, approve, and paste the address the browser lands on. After that
``Client(realm, credentials=..., token_store=store)`` refreshes the tokens on its own,
once, even with many processes sharing the file.
"""

import os
import sys

from qbo import Client
from qbo.client.auth import (
    ACCOUNTING,
    ClientCredentials,
    EncryptedFileTokenStore,
    OAuthClient,
    generate_key,
    parse_redirect,
)
from qbo.client.environment import resolve

if not os.environ.get("QBO_TOKEN_KEY"):
    os.environ["QBO_TOKEN_KEY"] = generate_key()
    print("QBO_TOKEN_KEY was not set; keep this one to read the tokens again:", file=sys.stderr)
    print(os.environ["QBO_TOKEN_KEY"], file=sys.stderr)

environment = resolve(os.environ.get("QBO_BASE_URL") or os.environ.get("QBO_ENV", "sandbox"))
credentials = ClientCredentials(
    os.environ["QBO_CLIENT_ID"], os.environ["QBO_CLIENT_SECRET"], os.environ["QBO_REDIRECT_URI"]
)
oauth = OAuthClient(environment, credentials)
request = oauth.authorization_url([ACCOUNTING])  # keep request.state to check the answer
print("Open this URL, approve, then paste the address you land on:")
print(request.url, flush=True)
answer = parse_redirect(input().strip(), expected_state=request.state)  # constant-time check
token = oauth.exchange_code(answer.code, realm_id=answer.realm_id, scope=request.scope)

store = EncryptedFileTokenStore(os.environ.get("QBO_TOKEN_FILE", "qbo-tokens.enc"))
store.save(token)
print(f"connected company {token.realm_id}; tokens in {store.path} (mode 0600)")

with Client(
    token.realm_id, environment=environment, credentials=credentials, token_store=store
) as qb:
    print("company:", qb.company_info().CompanyName)
