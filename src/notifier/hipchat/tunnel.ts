// The CONNECT tunnel through an HTTP(S) proxy, on https-proxy-agent: loaded only when a proxy is in the way.
import type tls from 'node:tls';
import { HttpsProxyAgent } from 'https-proxy-agent';

/**
 * CONNECT tunnel through an HTTP(S) proxy, pooled with keep-alive. The TLS options (caFile,
 * insecure) go to HipChat's end of the tunnel; the proxy's own TLS, if any, keeps Node's defaults.
 */
export class TunnellingAgent extends HttpsProxyAgent<string> {
  constructor(
    proxy: URL,
    private readonly originTls: tls.ConnectionOptions,
  ) {
    super(proxy, { keepAlive: true });
  }

  override connect(...[req, opts]: Parameters<HttpsProxyAgent<string>['connect']>) {
    return super.connect(req, { ...opts, ...this.originTls });
  }
}
