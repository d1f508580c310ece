// @section: authentication
// Short-lived database credentials for __NAME__ from Vault's database secrets engine.
// SDK: node-vault __SDK_VERSION__ (community-maintained; HashiCorp ships no official Node client).
// The pod logs in with a projected service account token whose audience is "vault";
// nothing here logs the credential.
'use strict';

const fs = require('node:fs/promises');
const nodeVault = require('node-vault');

const VAULT_ADDR = process.env.VAULT_ADDR || __VAULT_ADDR__;
const VAULT_NAMESPACE = process.env.VAULT_NAMESPACE || __VAULT_NAMESPACE__;
const AUTH_MOUNT = __AUTH_MOUNT__;
const VAULT_ROLE = __VAULT_ROLE__;
const DATABASE_MOUNT = __DATABASE_MOUNT__;
const TOKEN_PATH = __TOKEN_PATH__;

// Returns a client holding a fresh Vault token; the credential's lease is its child.
async function vaultLogin() {
  const client = nodeVault({
    apiVersion: 'v1',
    endpoint: VAULT_ADDR,
    namespace: VAULT_NAMESPACE || undefined,
    requestOptions: { timeout: 10000 },
  });
  const jwt = (await fs.readFile(TOKEN_PATH, 'utf8')).trim();
  // kubernetesLogin stores auth.client_token on the client (tokenSource).
  await client.kubernetesLogin({ role: VAULT_ROLE, jwt, mount_point: AUTH_MOUNT });
  return client;
}

// @section: secret_retrieval
// Mints one username/password pair (GET <database_mount>/creds/<role>) with a new login.
async function fetchCredentials() {
  const client = await vaultLogin();
  const response = await client.read(`${DATABASE_MOUNT}/creds/${VAULT_ROLE}`);
  const credentials = {
    username: response.data.username,
    leaseId: response.lease_id,
    leaseDurationSeconds: Number(response.lease_duration),
  };
  // Not enumerable: JSON.stringify and console.log never show the password.
  Object.defineProperty(credentials, 'password', { value: response.data.password, enumerable: false });
  return Object.freeze(credentials);
}

// @section: error_handling
const MAX_ATTEMPTS = 5;
const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 8000;
// Refresh when two thirds of the lease have passed, well before Vault revokes the user.
const REFRESH_FRACTION = 2 / 3;

// Vault's 4xx answers (bad role, permission denied) are final, except 429.
function isRetryable(error) {
  const status = error && error.response && error.response.statusCode;
  if (typeof status === 'number') {
    return status >= 500 || status === 429;
  }
  return true;
}

// Runs operation with bounded retries and exponential backoff with full jitter.
async function withRetries(operation) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || !isRetryable(error)) {
        throw error;
      }
      const delay = Math.random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1));
      // Only the status is logged: Vault error bodies never carry the password.
      const status = (error.response && error.response.statusCode) || error.code || 'network error';
      console.warn(`Vault request failed (${status}); retry ${attempt}/${MAX_ATTEMPTS - 1} in ${Math.round(delay)}ms`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

// Hands out the current pair and fetches a new one before the lease runs out.
class CredentialCache {
  constructor() {
    this.credentials = null;
    this.refreshAt = 0;
    this.pending = null;
  }

  async get() {
    if (this.credentials && Date.now() < this.refreshAt) {
      return this.credentials;
    }
    if (!this.pending) {
      this.pending = withRetries(fetchCredentials)
        .then((credentials) => {
          this.credentials = credentials;
          this.refreshAt = Date.now() + credentials.leaseDurationSeconds * 1000 * REFRESH_FRACTION;
          return credentials;
        })
        .finally(() => {
          this.pending = null;
        });
    }
    return this.pending;
  }
}

const databaseCredentials = new CredentialCache();

module.exports = { databaseCredentials, fetchCredentials, vaultLogin };
