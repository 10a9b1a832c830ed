// Which sign-in and which API address a sync uses, from the extension's settings: VS Code's
// `github` provider and api.github.com; `github-enterprise` and the server VS Code itself signs in
// to (its `github-enterprise.uri` setting); or another provider id (the tests register one) with
// the API address given in `vlm.github.apiUrl`.
import { checkedBaseUrl, githubDotComApi, GithubSyncError } from './github-client';

export const githubProvider = 'github';
export const enterpriseProvider = 'github-enterprise';

export interface GithubEndpoint {
  providerId: string;
  baseUrl: string;
}

/** `apiUrl` wins when set; else GitHub Enterprise's /api/v3 under its URI, or api.github.com. */
export function githubEndpoint(providerId: string, enterpriseUri: string, apiUrl: string): GithubEndpoint {
  const provider = providerId.trim() || githubProvider;
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(provider)) {
    throw new GithubSyncError(`The setting vlm.github.authenticationProvider "${providerId}" is not an authentication provider id.`);
  }
  if (apiUrl.trim() !== '') return { providerId: provider, baseUrl: checkedBaseUrl(apiUrl.trim()) };
  if (provider === enterpriseProvider) {
    if (enterpriseUri.trim() === '') {
      throw new GithubSyncError(
        'Signing in to GitHub Enterprise needs its address: set github-enterprise.uri (e.g. https://github.example.com), or vlm.github.apiUrl.',
      );
    }
    return { providerId: provider, baseUrl: `${checkedBaseUrl(enterpriseUri.trim())}/api/v3` };
  }
  return { providerId: provider, baseUrl: githubDotComApi };
}
