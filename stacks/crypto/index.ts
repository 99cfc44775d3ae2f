import { cryptoJsProvider } from './cryptojs.js';
import { nodeProvider } from './node.js';
import { CRYPTO_PROVIDERS, type CryptoProvider, type CryptoProviderName } from './provider.js';

export * from './provider.js';
export { nodeHasSingleDes, LEGACY_PROVIDER_FLAG } from './node.js';

export function cryptoProvider(name: CryptoProviderName): CryptoProvider {
  switch (name) {
    case 'cryptojs':
      return cryptoJsProvider;
    case 'node':
      return nodeProvider;
    default:
      throw new RangeError(`unknown crypto provider '${String(name)}': allowed are ${CRYPTO_PROVIDERS.join(', ')}`);
  }
}
