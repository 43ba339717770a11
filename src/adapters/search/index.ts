// The search providers discover can use, by name. Each is reached through a base URL setting, so a
// self-hosted instance, a proxy, or a test's loopback fake stands in for the real API with the same code.
import { brave } from './brave.js';
import { serper } from './serper.js';
import { serpapi } from './serpapi.js';
import { searxng } from './searxng.js';
import type { ProviderConfig, SearchProvider } from './types.js';

export * from './types.js';

export const PROVIDERS = {
  brave: { create: brave, keyEnv: 'BRAVE_API_KEY', urlEnv: 'BRAVE_BASE_URL', keyless: false },
  serper: { create: serper, keyEnv: 'SERPER_API_KEY', urlEnv: 'SERPER_BASE_URL', keyless: false },
  serpapi: { create: serpapi, keyEnv: 'SERPAPI_API_KEY', urlEnv: 'SERPAPI_BASE_URL', keyless: false },
  searxng: { create: searxng, keyEnv: 'SEARXNG_API_KEY', urlEnv: 'SEARXNG_URL', keyless: true },
} as const;

export type ProviderName = keyof typeof PROVIDERS;

export function isProviderName(s: string): s is ProviderName {
  return Object.hasOwn(PROVIDERS, s);
}

export function createProvider(name: ProviderName, cfg: ProviderConfig): SearchProvider {
  return PROVIDERS[name].create(cfg);
}

/** Provider configs from environment variables (the CLI calls this; stages never read the environment). */
export function providerConfigFromEnv(name: ProviderName, env: NodeJS.ProcessEnv): ProviderConfig {
  const p = PROVIDERS[name];
  return { apiKey: env[p.keyEnv] || undefined, baseUrl: env[p.urlEnv] || undefined };
}

/** Providers usable with the current environment: keyed ones with a key, SearXNG with a URL. */
export function configuredProviders(env: NodeJS.ProcessEnv): ProviderName[] {
  return (Object.keys(PROVIDERS) as ProviderName[]).filter((n) => (PROVIDERS[n].keyless ? Boolean(env[PROVIDERS[n].urlEnv]) : Boolean(env[PROVIDERS[n].keyEnv])));
}
