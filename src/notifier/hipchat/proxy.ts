// Corporate proxies (hipchat-api-v2.md): HTTPS_PROXY / HTTP_PROXY / NO_PROXY as curl reads them, and a
// CONNECT tunnel that keeps its connections alive (loaded only when a proxy is in the way).
import type http from 'node:http';
import type tls from 'node:tls';
import type { AxiosProxyConfig } from 'axios';

/** The proxy the environment names for target (lower-case variables first, as curl), unless NO_PROXY exempts it. */
export function proxyFor(target: URL, env: NodeJS.ProcessEnv): URL | undefined {
  const scheme = target.protocol === 'https:' ? 'https' : 'http';
  const value = env[`${scheme}_proxy`] || env[`${scheme.toUpperCase()}_PROXY`];
  if (!value) return undefined;
  const noProxy = env.no_proxy || env.NO_PROXY;
  if (noProxy && exempted(target, noProxy)) return undefined;
  // "proxy.corp:3128" without a scheme means an http proxy, as curl reads it.
  return new URL(value.includes('://') ? value : `http://${value}`);
}

/**
 * NO_PROXY: comma- or space-separated host names, each optionally with ":port", matching the host
 * and its subdomains (a leading "." or "*." changes nothing); "*" exempts every host. No CIDR ranges.
 */
function exempted(target: URL, noProxy: string): boolean {
  const host = target.hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  return noProxy.split(/[\s,]+/).some((entry) => {
    if (entry === '*') return true;
    const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry) ?? /^([^:]+)(?::(\d+))?$/.exec(entry) ?? [entry, entry];
    const name = (match[1] ?? '')
      .replace(/^\*?\.?/, '')
      .replace(/\.$/, '')
      .toLowerCase();
    if (name === '' || (match[2] !== undefined && match[2] !== port)) return false;
    return host === name || host.endsWith(`.${name}`);
  });
}

export function axiosProxyConfig(proxy: URL): AxiosProxyConfig {
  return {
    protocol: proxy.protocol.replace(/:$/, ''),
    host: proxy.hostname.replace(/^\[|\]$/g, ''),
    port: Number(proxy.port) || (proxy.protocol === 'https:' ? 443 : 80),
    ...(proxy.username && {
      auth: { username: decodeURIComponent(proxy.username), password: decodeURIComponent(proxy.password) },
    }),
  };
}

/** An agent that tunnels to HipChat through the proxy, with the TLS options applied inside the tunnel. */
export async function tunnellingAgent(proxy: URL, originTls: tls.ConnectionOptions): Promise<http.Agent> {
  const { TunnellingAgent } = await import('./tunnel.js');
  return new TunnellingAgent(proxy, originTls);
}
